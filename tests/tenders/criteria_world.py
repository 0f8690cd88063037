"""What the criterion selector and export tests share: the shipped reference data with the sample release of criteria,
a tender of one organisation in the product group "kantoormeubilair", and another organisation's tender."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, ngettext

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import Lot, Tender
from mvimonitor.themes.models import CriteriaRelease, Criterion, ProductGroup
from tests.factories import LotFactory, OrganisationFactory, TenderFactory
from tests.themes.criteria_helpers import SAMPLE_VERSION, load_criteria, sample_json, write_json

# Four criteria of "kantoormeubilair" in the sample release, of four forms of application (so four free places).
FOUR = ("KM-B-GE", "KM-B-EI", "KM-B-GC", "KM-B-CB")


@dataclass
class CriteriaWorld:
    own: Organisation
    other: Organisation
    inkoper: User
    lezer: User
    coordinator: User
    tender: Tender
    lot: Lot
    second_lot: Lot
    foreign_tender: Tender
    foreign_lot: Lot
    release: CriteriaRelease


def make_criteria_world(make_member: Callable[..., User]) -> CriteriaWorld:
    """Needs the `reference_data` fixture (which loads the sample release) to have run."""
    release = CriteriaRelease.objects.get(version=SAMPLE_VERSION)
    furniture = ProductGroup.objects.get(product_group_set=release, code="kantoormeubilair")
    own, other = OrganisationFactory(name="Gemeente Eigen"), OrganisationFactory(name="Gemeente Ander")
    tender = TenderFactory(organisation=own, title="Kantoormeubilair stadhuis", product_group=furniture)
    foreign_tender = TenderFactory(organisation=other, title="Geheime aanbesteding", product_group=furniture)
    return CriteriaWorld(
        own=own,
        other=other,
        inkoper=make_member(Role.INKOPER, own),
        lezer=make_member(Role.LEZER, own),
        coordinator=make_member(Role.COORDINATOR, own),
        tender=tender,
        lot=LotFactory(tender=tender, number="1", title="Bureaus"),
        second_lot=LotFactory(tender=tender, number="2", title="Stoelen"),
        foreign_tender=foreign_tender,
        foreign_lot=LotFactory(tender=foreign_tender, number="1", title="Kasten"),
        release=release,
    )


def criteria(*codes: str, version: str = SAMPLE_VERSION) -> list[Criterion]:
    """Criteria of "kantoormeubilair" in a release, in the order of `codes`."""
    found = {
        criterion.code: criterion
        for criterion in Criterion.objects.filter(
            product_group__product_group_set__version=version, product_group__code="kantoormeubilair", code__in=codes
        )
    }
    return [found[code] for code in codes]


def load_next_release(tmp_path: Path, *, changed_text: dict[str, str]) -> CriteriaRelease:
    """Load a later sample release (sample-2027, from 1 July 2026) that supersedes sample-2026, with new Dutch texts
    for the criteria (tool ids) in `changed_text`."""
    data = sample_json()
    data["release"].update(
        version="sample-2027", name="Voorbeeldrelease 2027", published="2026-06-01", valid_from="2026-07-01"
    )
    for group in data["product_groups"]:
        for key, criterion in group["criteria"].items():
            if key in changed_text:
                criterion["text"] = changed_text[key]
    load_criteria(str(write_json(tmp_path / "sample-2027.json", data)))
    return CriteriaRelease.objects.get(version="sample-2027")


def dutch(message: str, plural: str = "", count: int = 1, **params: object) -> str:
    """A message as a Dutch reader sees it, with its parameters filled in (`plural` and `count` for ngettext)."""
    with translation.override("nl"):
        text = ngettext(message, plural, count) if plural else gettext(message)
        values = {"count": count, **params} if plural else params
        return text % values if values else text
