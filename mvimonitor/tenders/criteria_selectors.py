"""Reads of the criteria catalogue for a buyer's tender: the criteria to choose from for a lot, and the criteria chosen
on a tender's lots (through `MVIApplication.criterion`).

Texts come in the reader's language, Dutch when there is no English text. The catalogue itself (releases, product
groups, criteria) belongs to `mvimonitor.themes`; this module only reads it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from mvimonitor.themes.models import (
    AmbitionLevel,
    CriteriaRelease,
    Criterion,
    CriterionKind,
    ProductGroup,
    ProductGroupCluster,
    Theme,
    in_language,
)

from .models import Lot, MVIApplication, Tender


@dataclass(frozen=True)
class CriterionView:
    """One criterion as a reader sees it: texts in their language, names of kind, level and themes."""

    pk: int
    code: str
    external_id: str
    kind: str
    kind_label: str
    level: str
    level_number: int
    theme: str
    themes: tuple[str, ...]
    title: str
    text: str
    explanation: str
    verification: str
    release_version: str
    release_name: str
    is_sample: bool


def criterion_view(criterion: Criterion) -> CriterionView:
    """`criterion` as the reader sees it; expects its product group's release, level, theme and themes loaded."""
    main = criterion.theme
    others = sorted((t for t in criterion.themes.all() if t.pk != main.pk), key=lambda t: (t.order, t.code))
    release = criterion.product_group.product_group_set
    return CriterionView(
        pk=criterion.pk,
        code=criterion.code,
        external_id=criterion.external_id,
        kind=criterion.kind,
        kind_label=criterion.get_kind_display() if criterion.kind else "",
        level=criterion.ambition_level.name,
        level_number=criterion.ambition_level.level,
        theme=main.name,
        themes=(main.name, *(t.name for t in others)),
        title=in_language(criterion.title, criterion.title_en),
        text=in_language(criterion.text_nl, criterion.text_en),
        explanation=in_language(criterion.explanation_nl, criterion.explanation_en),
        verification=in_language(criterion.verification_nl, criterion.verification_en),
        release_version=release.version,
        release_name=release.name,
        is_sample=release.is_sample,
    )


def criteria_queryset() -> QuerySet[Criterion]:
    """Criteria with everything `criterion_view` reads."""
    return Criterion.objects.select_related(
        "product_group__product_group_set", "ambition_level", "theme", "form"
    ).prefetch_related("themes")


def current_release() -> CriteriaRelease | None:
    """The release to choose from: the current release that holds criteria (a release that only names product groups
    has nothing to choose)."""
    with_criteria = CriteriaRelease.objects.filter(product_groups__criteria__isnull=False).values("pk")
    return CriteriaRelease.objects.filter(pk__in=with_criteria).current()


def clusters_of(release: CriteriaRelease) -> list[ProductGroupCluster]:
    """The release's clusters with their product groups that hold criteria, by name; clusters without any left out."""
    groups = ProductGroup.objects.filter(product_group_set=release, criteria__isnull=False).distinct()
    clusters = (
        ProductGroupCluster.objects.filter(product_group_set=release, product_groups__in=groups)
        .distinct()
        .prefetch_related(Prefetch("product_groups", queryset=groups.order_by("name_nl")))
    )
    return sorted(clusters, key=lambda cluster: cluster.name.casefold())


def default_group(tender: Tender, release: CriteriaRelease) -> ProductGroup | None:
    """The tender's product group as it is in `release` (the tender may name it in an older release)."""
    if tender.product_group is None:
        return None
    return tender.product_group.in_release(release)


@dataclass(frozen=True)
class CriteriaFilters:
    level: AmbitionLevel | None = None
    kind: str = ""
    theme: Theme | None = None


KIND_ORDER = {kind.value: index for index, kind in enumerate(CriterionKind)}


def table_order(kind: str, level: int, code: str) -> tuple[int, int, str]:
    """The selector's order: by kind (in the tool's order, criteria without a kind last), ambition level and code."""
    return (KIND_ORDER.get(kind, len(KIND_ORDER)), level, code)


def criteria_to_choose(group: ProductGroup, filters: CriteriaFilters) -> list[CriterionView]:
    """The criteria of a product group that match the filters, by kind (in the tool's order), level and code. The
    theme filter matches every theme a criterion relates to, not only its main theme."""
    criteria = criteria_queryset().filter(product_group=group)
    if filters.level is not None:
        criteria = criteria.filter(ambition_level=filters.level)
    if filters.kind:
        criteria = criteria.filter(kind=filters.kind)
    if filters.theme is not None:
        criteria = criteria.filter(Q(theme=filters.theme) | Q(themes=filters.theme)).distinct()
    views = [criterion_view(criterion) for criterion in criteria]
    return sorted(views, key=lambda view: table_order(view.kind, view.level_number, view.code))


def applied_criterion_ids(lot: Lot) -> set[int]:
    return set(lot.mvi_applications.filter(criterion__isnull=False).values_list("criterion_id", flat=True))


@dataclass
class KindGroup:
    label: str
    criteria: list[CriterionView] = field(default_factory=list)


@dataclass
class LotCriteria:
    lot: Lot
    kinds: list[KindGroup]


@dataclass
class ChosenCriteria:
    """The catalogue criteria chosen on a tender's lots, per lot and kind, with the releases they come from."""

    tender: Tender
    lots: list[LotCriteria]
    releases: list[CriteriaRelease]

    @property
    def is_empty(self) -> bool:
        return not self.lots

    @property
    def has_sample(self) -> bool:
        return any(release.is_sample for release in self.releases)


def _kind_groups(criteria: Iterable[CriterionView], other_label: str) -> list[KindGroup]:
    groups: dict[str, KindGroup] = {kind.value: KindGroup(str(kind.label)) for kind in CriterionKind}
    without_kind = KindGroup(other_label)
    for view in sorted(criteria, key=lambda view: (view.level_number, view.code)):
        groups.get(view.kind, without_kind).criteria.append(view)
    return [group for group in [*groups.values(), without_kind] if group.criteria]


def chosen_criteria(tender: Tender, *, other_label: str) -> ChosenCriteria:
    """The criteria chosen on `tender`'s lots; `other_label` names the group of criteria without a kind."""
    applications = (
        MVIApplication.objects.filter(lot__tender=tender, criterion__isnull=False)
        .select_related("lot")
        .prefetch_related(Prefetch("criterion", queryset=criteria_queryset()))
        .order_by("lot__number", "lot_id")
    )
    per_lot: dict[int, tuple[Lot, list[CriterionView]]] = {}
    releases: dict[int, CriteriaRelease] = {}
    for application in applications:
        criterion = application.criterion
        if criterion is None:  # excluded by the filter; for the type checker
            continue
        per_lot.setdefault(application.lot_id, (application.lot, []))[1].append(criterion_view(criterion))
        release = criterion.product_group.product_group_set
        releases.setdefault(release.pk, release)
    lots = [LotCriteria(lot, _kind_groups(views, other_label)) for lot, views in per_lot.values()]
    ordered = sorted(releases.values(), key=lambda release: (release.valid_from, release.pk))
    return ChosenCriteria(tender=tender, lots=lots, releases=ordered)
