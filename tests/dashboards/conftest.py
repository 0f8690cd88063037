"""Hand-made monitoring data: tenders built lot by lot with the shipped reference data, then the facts rebuilt."""

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import Lot, MVIApplication, Tender
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, ProductGroup, Theme
from tests.factories import OrganisationFactory

# (theme code, form code, ambition level code or None, award weight or None)
App = tuple[str, str, str | None, int | None]


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()  # national figures are cached per facts version; start every test cold
    yield
    cache.clear()


@pytest.fixture
def make_tender(reference_data: None) -> Callable[..., Tender]:
    def make(
        organisation: Organisation,
        *,
        published: dt.date | None = dt.date(2024, 5, 1),
        value: str | None = None,
        lots: Sequence[tuple[str | None, Sequence[App]]] = (),
        nature: str = "services",
        european: bool = False,
        confirmed: bool = False,
        product_group: bool = False,
    ) -> Tender:
        tender = Tender.objects.create(
            organisation=organisation,
            title="Aanbesteding",
            publication_date=published,
            nature=nature,
            procedure_type="open" if european else "meervoudig-onderhands",
            is_european=european,
            estimated_value=Decimal(value) if value is not None else None,
            mvi_confirmed_at=timezone.now() if confirmed else None,
            product_group=ProductGroup.objects.order_by("pk").first() if product_group else None,
        )
        for number, (lot_value, applications) in enumerate(lots, start=1):
            lot = Lot.objects.create(
                tender=tender,
                number=str(number),
                title=f"Perceel {number}",
                estimated_value=Decimal(lot_value) if lot_value is not None else None,
            )
            for theme, form, level, weight in applications:
                MVIApplication.objects.create(
                    lot=lot,
                    theme=Theme.objects.get(code=theme),
                    form=ApplicationForm.objects.get(code=form),
                    ambition_level=AmbitionLevel.objects.get(code=level) if level else None,
                    award_weight=Decimal(weight) if weight is not None else None,
                )
        return tender

    return make


@pytest.fixture
def refresh() -> Callable[[], int]:
    return lambda: facts_refresh()


def organisations(count: int, **kwargs: Any) -> list[Organisation]:
    return [OrganisationFactory(**kwargs) for _ in range(count)]
