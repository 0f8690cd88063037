"""Loading a release of the MVI criteria tool into the catalogue (`manage.py load_criteria`, ADR 0031).

`criteria_release_load` takes what a reader of `criteria_files.py` found and writes it in one transaction, all or
nothing. Everything is checked before anything is written: every criterion's theme, ambition level and kind, and
the product groups the file names only by their id at the source; each problem names the file, the line or the
criterion's id, and the field. Loading the same file again changes nothing and says so (idempotent).

A new release supersedes the one before it: that one is closed (status superseded, `valid_until` the day before the
new one starts) and nothing else of it changes. Each new criterion is linked (`supersedes`) to the same criterion in
the release before, by its id at the source or else by its code in the same product group, and gets the status
new, changed or unchanged. A release that has been superseded is not loaded into again: its criteria stay exactly
as the MVI applications that use them were registered.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.reference import ReferenceDataError, TableResult, upsert

from .criteria_files import ClusterRow, CriterionRow, GroupRow, Problems, ReleaseFile, ReleaseInfo, check_version
from .models import (
    KIND_FORMS,
    AmbitionLevel,
    ApplicationForm,
    CriteriaRelease,
    Criterion,
    CriterionKind,
    CriterionStatus,
    ProductGroup,
    ProductGroupCluster,
    ReleaseStatus,
    Theme,
)

# Other names of the tool's kinds, as a file may write them (lower case): the tool's own plural headings, "minimumeis"
# for a requirement, and the English names.
KIND_ALIASES = {
    "geschiktheidseisen": CriterionKind.SUITABILITY,
    "suitability requirement": CriterionKind.SUITABILITY,
    "selectiecriteria": CriterionKind.SELECTION,
    "selection criterion": CriterionKind.SELECTION,
    "eisen": CriterionKind.REQUIREMENT,
    "minimumeis": CriterionKind.REQUIREMENT,
    "minimumeisen": CriterionKind.REQUIREMENT,
    "requirement": CriterionKind.REQUIREMENT,
    "minimum requirement": CriterionKind.REQUIREMENT,
    "gunningscriteria": CriterionKind.AWARD,
    "award criterion": CriterionKind.AWARD,
    "contractbepalingen": CriterionKind.CONTRACT,
    "contract clause": CriterionKind.CONTRACT,
    "contract provision": CriterionKind.CONTRACT,
}
COMPARED = (
    "kind",
    "ambition_level",
    "title",
    "title_en",
    "text_nl",
    "text_en",
    "explanation_nl",
    "explanation_en",
    "verification_nl",
    "verification_en",
)


def _key(value: str) -> str:
    return " ".join(value.casefold().split())


class Vocabulary:
    """Themes, ambition levels and kinds by every name a file may use for them."""

    def __init__(self) -> None:
        self.themes: dict[str, Theme] = {}
        for theme in Theme.objects.all():
            for name in (theme.code, theme.name_nl, theme.name_en):
                if name:
                    self.themes.setdefault(_key(name), theme)
                    self.themes.setdefault(_key(name.split(" (")[0]), theme)  # "Milieu (en biodiversiteit)"
        self.levels: dict[str, AmbitionLevel] = {}
        for level in AmbitionLevel.objects.all():
            for name in (level.code, str(level.level), level.name_nl, level.name_en):
                if name:
                    self.levels.setdefault(_key(name), level)
        self.forms = {form.code: form for form in ApplicationForm.objects.all()}
        self.kinds: dict[str, CriterionKind] = dict(KIND_ALIASES)
        for kind in CriterionKind:
            self.kinds[kind.value] = kind
            self.kinds[_key(str(kind.label))] = kind

    def theme(self, name: str) -> Theme | None:
        return self.themes.get(_key(name))


@dataclass(frozen=True)
class Resolved:
    """One criterion of the file with its database rows: themes (main first), level, kind and form."""

    row: CriterionRow
    themes: tuple[Theme, ...]
    level: AmbitionLevel
    kind: CriterionKind
    form: ApplicationForm


def _resolve_criteria(found: ReleaseFile, words: Vocabulary, problems: Problems) -> list[Resolved]:
    resolved = []
    known_themes = ", ".join(sorted({theme.code for theme in words.themes.values()}))
    for row in found.criteria:
        themes: list[Theme] = []
        for name in row.themes:
            theme = words.theme(name)
            if theme is None and row.theme_field == "themes":
                message = _("%(value)s is not a known theme; use one of %(known)s")
                problems.add(row.where, "themes", message % {"value": name, "known": known_themes})
            elif theme is not None and theme not in themes:
                themes.append(theme)
        if not themes and row.theme_field == "subjects":
            message = _("no subject names a known theme (%(known)s)")
            problems.add(row.where, "subjects", message % {"known": known_themes})
        level = words.levels.get(_key(row.level))
        if level is None:
            message = _("%(value)s is not a known ambition level; use one of %(known)s")
            known_levels = ", ".join(sorted({level.code for level in words.levels.values()}))
            problems.add(row.where, row.level_field, message % {"value": row.level, "known": known_levels})
        kind = words.kinds.get(_key(row.kind))
        if kind is None:
            message = _("%(value)s is not a kind of criterion; use one of %(kinds)s")
            problems.add(
                row.where, row.kind_field, message % {"value": row.kind, "kinds": ", ".join(CriterionKind.values)}
            )
        form = words.forms.get(KIND_FORMS[kind]) if kind is not None else None
        if kind is not None and form is None:
            message = _("the form of application %(form)s is not loaded")
            problems.add(row.where, row.kind_field, message % {"form": KIND_FORMS[kind]})
        if themes and level is not None and kind is not None and form is not None:
            resolved.append(Resolved(row, tuple(themes), level, kind, form))
    return resolved


def _known_group(row: GroupRow, problems: Problems) -> GroupRow:
    """A group the file names only by its id at the source: its code, names, cluster and CPV prefixes as the newest
    release that has that id knows them."""
    if row.name_nl:
        return row
    known = (
        ProductGroup.objects.filter(external_id=row.external_id)
        .select_related("cluster")
        .order_by("-product_group_set__valid_from", "-pk")
        .first()
    )
    if known is None:
        message = _("product group %(id)s is not known here; give its name and cluster in the file")
        problems.add(row.where, "id", message % {"id": row.external_id})
        return row
    cluster = ClusterRow(known.cluster.code, known.cluster.name_nl, known.cluster.name_en)
    return GroupRow(
        row.external_id, known.code, known.name_nl, known.name_en, cluster, tuple(known.cpv_prefixes), row.where
    )


def _release_values(info: ReleaseInfo, existing: CriteriaRelease | None, origin: str) -> dict[str, Any]:
    problems = Problems()
    where = _("%(file)s, release %(version)s") % {"file": origin, "version": info.version}
    valid_from = info.valid_from or (existing.valid_from if existing else None)
    source = info.source or (existing.source if existing else "")
    if valid_from is None:
        problems.add(where, "valid_from", _("a value is required (--valid-from)"))
    if not source:
        problems.add(where, "source", _("a value is required (--source)"))
    problems.raise_if_any()
    assert valid_from is not None  # noqa: S101 - checked above
    values: dict[str, Any] = {
        "name": info.name or (existing.name if existing else info.version),
        "valid_from": valid_from,
        "source": source,
        "source_year": (info.published or (existing.published if existing else None) or valid_from).year,
    }
    optional = {
        "published": info.published,
        "valid_until": info.valid_until,
        "source_url": info.source_url,
        "licence": info.licence,
        "is_sample": info.is_sample,
        "declared_group_count": info.declared_group_count,
    }
    values.update({name: value for name, value in optional.items() if value not in (None, "")})
    return values


def _previous(info: ReleaseInfo, release: CriteriaRelease) -> CriteriaRelease | None:
    """The release the new one supersedes: the one named, none, or the newest current one of the same kind (sample
    or official) that started before it."""
    if info.supersedes == "none":
        return None
    if info.supersedes:
        previous = CriteriaRelease.objects.filter(version=info.supersedes).first()
        if previous is None:
            raise ReferenceDataError(_("There is no release %(version)s to supersede.") % {"version": info.supersedes})
    elif release.supersedes_id is not None:
        return release.supersedes
    else:
        previous = (
            CriteriaRelease.objects.filter(status=ReleaseStatus.CURRENT, is_sample=release.is_sample)
            .filter(valid_from__lt=release.valid_from)
            .exclude(pk=release.pk)
            .order_by("-valid_from", "-pk")
            .first()
        )
        if previous is None:
            return None
    if previous.pk == release.pk or previous.valid_from >= release.valid_from:
        raise ReferenceDataError(
            _("Release %(new)s cannot supersede %(old)s: a release supersedes one that started before it.")
            % {"new": release.version, "old": previous.version}
        )
    other = CriteriaRelease.objects.filter(supersedes=previous).exclude(pk=release.pk).first()
    if other is not None:
        raise ReferenceDataError(
            _("Release %(old)s is already superseded by %(other)s.")
            % {"old": previous.version, "other": other.version}
        )
    return previous


def _supersede(release: CriteriaRelease, previous: CriteriaRelease | None, result: TableResult) -> None:
    if previous is None:
        return
    if release.supersedes_id != previous.pk:
        release.supersedes = previous
        release.save(update_fields=["supersedes"])
    end = release.valid_from - dt.timedelta(days=1)
    changes: dict[str, Any] = {"status": ReleaseStatus.SUPERSEDED}
    if previous.valid_until is None or previous.valid_until > end:
        changes["valid_until"] = end
    changed = [name for name, value in changes.items() if getattr(previous, name) != value]
    if changed:
        for name in changed:
            setattr(previous, name, changes[name])
        previous.save(update_fields=changed)
        result.updated += 1
        result.notes.append(
            _("Release %(old)s is superseded by %(new)s from %(date)s.")
            % {"old": previous.version, "new": release.version, "date": release.valid_from}
        )


def _status(values: Mapping[str, Any], themes: set[int], before: Criterion | None) -> str:
    if before is None:
        return CriterionStatus.NEW
    same = all(getattr(before, name) == values[name] for name in COMPARED) and before.theme_ids() == themes
    return CriterionStatus.UNCHANGED if same else CriterionStatus.CHANGED


class _Predecessors:
    """The criteria of the release before, by id at the source and by (product group code, criterion code)."""

    def __init__(self, previous: CriteriaRelease | None) -> None:
        rows = (
            Criterion.objects.filter(product_group__product_group_set=previous).select_related("product_group")
            if previous is not None
            else Criterion.objects.none()
        )
        self.by_id = {row.external_id: row for row in rows if row.external_id}
        self.by_code = {(row.product_group.code, row.code): row for row in rows}

    def of(self, group_code: str, row: CriterionRow) -> Criterion | None:
        if row.external_id and row.external_id in self.by_id:
            return self.by_id[row.external_id]
        return self.by_code.get((group_code, row.code))


def _write_groups(
    release: CriteriaRelease, previous: CriteriaRelease | None, groups: Iterable[GroupRow], results: list[TableResult]
) -> dict[str, ProductGroup]:
    clusters_result, groups_result = results
    sourced = {"source": release.source, "source_year": release.source_year}
    clusters: dict[str, ProductGroupCluster] = {}
    written: dict[str, ProductGroup] = {}
    for row in groups:
        assert row.cluster is not None  # noqa: S101 - every group has its cluster once resolved
        if row.cluster.code not in clusters:
            clusters[row.cluster.code] = upsert(
                ProductGroupCluster,
                {"product_group_set": release, "code": row.cluster.code},
                {"name_nl": row.cluster.name_nl, "name_en": row.cluster.name_en, **sourced},
                clusters_result,
            )
        prefixes = list(row.cpv_prefixes)
        if not prefixes and previous is not None:  # the prefixes a group had are kept when the file names none
            before = ProductGroup.objects.filter(product_group_set=previous, code=row.code).first()
            prefixes = list(before.cpv_prefixes) if before is not None else []
        written[row.code] = upsert(
            ProductGroup,
            {"product_group_set": release, "code": row.code},
            {
                "cluster": clusters[row.cluster.code],
                "name_nl": row.name_nl,
                "name_en": row.name_en,
                "external_id": row.external_id,
                "cpv_prefixes": prefixes,
                **sourced,
            },
            groups_result,
        )
    return written


def _write_criterion(
    item: Resolved, group: ProductGroup, before: Criterion | None, release: CriteriaRelease, result: TableResult
) -> None:
    row = item.row
    theme_ids = {theme.pk for theme in item.themes}
    values: dict[str, Any] = {
        "external_id": row.external_id,
        "kind": item.kind.value,
        "form": item.form,
        "ambition_level": item.level,
        "title": row.title,
        "title_en": row.title_en,
        "text_nl": row.text_nl,
        "text_en": row.text_en,
        "explanation_nl": row.explanation_nl,
        "explanation_en": row.explanation_en,
        "verification_nl": row.verification_nl,
        "verification_en": row.verification_en,
        "theme": item.themes[0],
        "subjects": list(row.subjects),
        "tags": list(row.tags),
        "supersedes": before,
        "source": release.source,
        "source_year": release.source_year,
    }
    values["status"] = _status(values, theme_ids, before)
    probe = TableResult("")
    criterion = upsert(Criterion, {"product_group": group, "code": row.code}, values, probe)
    if probe.created:
        criterion.themes.set(theme_ids)
    elif set(criterion.themes.values_list("pk", flat=True)) != theme_ids:
        criterion.themes.set(theme_ids)
        if probe.unchanged:
            probe.unchanged, probe.updated = 0, 1
    result.created += probe.created
    result.updated += probe.updated
    result.unchanged += probe.unchanged


@transaction.atomic
def criteria_release_load(found: ReleaseFile, *, given: ReleaseInfo | None = None) -> list[TableResult]:
    """Write a release read from a file (or from the live tool); `given` completes what the file says about the
    release (the command's options). Returns what was created, updated and left unchanged, per table."""
    info = found.release.merged(given or ReleaseInfo(), found.origin)
    if not info.version:
        raise ReferenceDataError(_("%(file)s does not name its release: give --release.") % {"file": found.origin})
    check_version(info.version)
    existing = CriteriaRelease.objects.filter(version=info.version).first()
    if existing is not None and existing.status == ReleaseStatus.SUPERSEDED:
        raise ReferenceDataError(
            _("Release %(version)s has been superseded; its criteria are kept as they were. Load a new release.")
            % {"version": info.version}
        )
    problems = found.problems  # what the reader found, reported with what is found here
    groups = {key: _known_group(row, problems) for key, row in found.groups.items()}
    resolved = _resolve_criteria(found, Vocabulary(), problems)
    problems.raise_if_any()

    results = [TableResult(name) for name in ("criteria releases", "product group clusters", "product groups")]
    criteria_result = TableResult("criteria")
    release = upsert(
        CriteriaRelease, {"version": info.version}, _release_values(info, existing, found.origin), results[0]
    )
    previous = _previous(info, release)
    _supersede(release, previous, results[0])
    written = _write_groups(release, previous, groups.values(), results[1:])
    before = _Predecessors(previous)
    for item in resolved:
        group = written[groups[item.row.group_key].code]
        _write_criterion(item, group, before.of(group.code, item.row), release, criteria_result)
    loaded = {(written[groups[item.row.group_key].code].pk, item.row.code) for item in resolved}
    kept = [
        code
        for group_pk, code in Criterion.objects.filter(product_group__product_group_set=release).values_list(
            "product_group_id", "code"
        )
        if (group_pk, code) not in loaded
    ]
    if kept:
        criteria_result.notes.append(
            _("%(count)s criteria of release %(version)s are not in the file; they were kept.")
            % {"count": len(kept), "version": release.version}
        )
    return [*results, criteria_result]
