"""Data quality and burden: the figures agree with a hand count of a small record, and nationally they pass
disclosure control."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mvimonitor.dataquality.figures import compute, national_figures, organisation_figures
from mvimonitor.effects.models import Commitment
from mvimonitor.imports.models import ImportedTender, MVIProposal
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Tender

from ..factories import (
    ContractFactory,
    LotFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    TenderFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def _registered(tender: Tender, day: dt.date) -> None:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Tender.objects.filter(pk=tender.pk).update(created_at=moment)


def _record(organisation: Organisation) -> None:
    """Two tenders of 2025 and one of 2024 (not counted).

    Imported: published 1 March, registered 11 March, the import wrote title, publication date, nature, procedure,
    value and CPV-less; a buyer changed the value afterwards. Typed: published 1 June, registered 1 June, no value.
    """
    imported = TenderFactory(organisation=organisation, title="Schoonmaak", estimated_value=Decimal(300_000))
    _registered(imported, dt.date(2025, 3, 11))
    ImportedTender.objects.create(
        tender=imported,
        source_format="eforms",
        procedure_id=f"p-{imported.pk}",
        imported_values={
            "title": "Schoonmaak",
            "publication_date": "2025-03-01",
            "nature": "services",
            "procedure_type": "open",
            "estimated_value": "250000",  # the buyer corrected it to 300,000
            "lots": {"L1": {"title": "Perceel", "estimated_value": "100000"}},
        },
    )
    imported_lot = LotFactory(tender=imported, number="L1", title="Perceel", estimated_value=Decimal(100_000))
    typed = TenderFactory(
        organisation=organisation, title="Catering", publication_date=dt.date(2025, 6, 1), estimated_value=None
    )
    _registered(typed, dt.date(2025, 6, 1))
    typed_lot = LotFactory(tender=typed, number="1", title="Perceel")
    TenderFactory(organisation=organisation, publication_date=dt.date(2024, 5, 1))

    with_commitment = ContractFactory(lot=imported_lot, supplier_kvk_number="", supplier_is_sme=True)
    ContractFactory(lot=typed_lot, value=None)
    Commitment.objects.create(
        contract=with_commitment, theme=ThemeFactory(code="klimaat"), kind="other", description="Groene stroom",
        quantity=Decimal(1), unit="kWh", period_start=dt.date(2025, 6, 1), period_end=dt.date(2025, 12, 31),
    )  # fmt: skip
    theme = ThemeFactory(code="milieu")
    MVIProposal.objects.create(lot=imported_lot, theme=theme, origin="explicit_code", confidence="high", evidence="x")
    MVIProposal.objects.create(
        lot=typed_lot, theme=theme, origin="text_detection", confidence="low", evidence="y", status="confirmed"
    )
    MVIApplicationFactory(lot=imported_lot, origin="explicit_code")
    MVIApplicationFactory(lot=typed_lot, origin="manual")
    MVIApplicationFactory(lot=typed_lot, origin="catalogue", theme=ThemeFactory(code="d_i"))


def test_the_figures_of_an_organisation_agree_with_a_hand_count() -> None:
    organisation = OrganisationFactory()
    _record(organisation)

    own = organisation_figures(compute(2025), organisation.pk)

    def share(key: str) -> tuple[int | None, int | None]:
        return own.shares[key].numerator, own.shares[key].denominator

    assert share("tender.estimated_value") == (1, 2)
    assert share("tender.publication_date") == (2, 2)
    assert share("lot.estimated_value") == (1, 2)
    assert share("contract.value") == (1, 2)
    assert share("contract.supplier_kvk_number") == (1, 2)  # an empty KvK number is not filled
    assert share("contract.supplier_is_sme") == (1, 2)  # unknown is not an answer
    assert share("contracts_with_commitments") == (1, 2)
    assert share("proposals_open") == (1, 2)
    assert share("mvi_imported") == (1, 3)  # the catalogue choice counts as typed by hand
    # values an import can write: imported tender title, date, nature, procedure from the import, value by hand;
    # its lot's title and value from the import. Typed tender: title, date, nature, procedure; its lot's title.
    assert share("values_imported") == (6, 12)
    assert (own.registered, own.mean_days, own.median_days) == (2, 5.0, 5.0)  # 10 days and 0 days


def test_national_figures_are_hidden_with_too_few_organisations_and_shown_with_enough() -> None:
    first = OrganisationFactory()
    _record(first)

    alone = national_figures(compute(2025))
    for _ in range(5):
        _record(OrganisationFactory())
    many = national_figures(compute(2025))

    assert alone.shares["tender.estimated_value"].percent is None
    assert alone.shares["tender.estimated_value"].reason
    assert alone.mean_days is None
    assert (many.shares["tender.estimated_value"].numerator, many.shares["tender.estimated_value"].denominator) == (
        6,
        12,
    )
    assert many.mean_days == 5.0
    assert many.median_days is None  # a median is not a sum: never national


def test_the_page_shows_own_and_national_figures(
    logged_in: Callable[[User], Client], make_member: Callable[..., User]
) -> None:
    organisation = OrganisationFactory(name="Gemeente Kwaliteit")
    _record(organisation)
    reader = make_member(Role.LEZER, organisation)

    page = logged_in(reader).get("/en" + reverse("dataquality:overview") + "?year=2025").content.decode()

    assert "Gemeente Kwaliteit" in page
    assert "Tenders: estimated value filled" in page
    assert "50.0% (1 / 2)" in page
    assert "not shown (too few organisations or one dominates)" in page
