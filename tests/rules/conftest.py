import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.rules.evaluation import evaluate
from mvimonitor.rules.models import Finding, PolicyRule
from mvimonitor.rules.services import rules_load
from mvimonitor.tenders.models import Nature, Tender
from mvimonitor.themes.models import ApplicationForm, EuThreshold, Theme, ThresholdCategory
from tests.factories import (
    Catalogue,
    ContractFactory,
    LotFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    TenderFactory,
)


@pytest.fixture
def rules(catalogue: Catalogue) -> dict[str, PolicyRule]:
    """The shipped rules on the test catalogue, with the ISV theme and contract-clause form they name and the
    central-government and works thresholds of two periods."""
    Theme.objects.create(code="keten", name_nl="Ketenverantwoordelijkheid", order=4, source="t", source_year=2021)
    ApplicationForm.objects.create(code="contractbepaling", name_nl="Contractbepaling", source="t", source_year=2022)
    for start, end, amount in [("2022-01-01", "2023-12-31", "140000"), ("2024-01-01", "2025-12-31", "143000")]:
        EuThreshold.objects.create(
            category=ThresholdCategory.CENTRAL_SUPPLIES_SERVICES,
            valid_from=start,
            valid_until=end,
            amount=Decimal(amount),
            source="test",
            source_year=2022,
        )
    rules_load()
    return {rule.code: rule for rule in PolicyRule.objects.all()}


@pytest.fixture
def rijk(db: None) -> Organisation:
    return OrganisationFactory(name="Ministerie van Test", kind=OrganisationKind.RIJK)  # type: ignore[no-any-return]


Make = Callable[..., Tender]


@pytest.fixture
def make_tender(catalogue: Catalogue) -> Make:
    """A tender with one lot; `themes` are (theme, form) pairs applied on the lot, `contract` a (start, end) pair."""

    def make(
        organisation: Organisation,
        *,
        nature: str = Nature.SERVICES,
        value: str | None = "300000",
        published: dt.date | None = dt.date(2025, 3, 1),
        contract: tuple[dt.date | None, dt.date | None] | None = (dt.date(2025, 6, 1), dt.date(2026, 5, 31)),
        themes: tuple[tuple[Theme, ApplicationForm], ...] = (),
        **extra: Any,
    ) -> Tender:
        tender = TenderFactory(
            organisation=organisation,
            nature=nature,
            estimated_value=Decimal(value) if value is not None else None,
            publication_date=published,
            **extra,
        )
        lot = LotFactory(tender=tender)
        for theme, form in themes:
            MVIApplicationFactory(lot=lot, theme=theme, form=form)
        if contract is not None:
            ContractFactory(lot=lot, start_date=contract[0], end_date=contract[1])
        return tender  # type: ignore[no-any-return]

    return make


def findings(rule: PolicyRule) -> dict[int, tuple[str, str]]:
    """Evaluate the facts and the rule afresh: tender id -> (outcome, missing)."""
    facts_refresh()
    evaluate([rule])
    return {row.tender_id: (row.outcome, row.missing) for row in Finding.objects.filter(rule=rule)}
