"""The definitions register: every KPI, method and (through a provider) policy rule with its published version, the
date it holds from and a change note, so other monitors can adopt the same definitions and a figure can be
reproduced under the definitions in force when it was published.

A *publication* is one version of the whole KPI catalogue. Figures are computed under one publication at a time
(`selectors.kpi_values(definition_version=…)`, `?definitionVersion=` on the dashboards and in the API): national
figures are one protection problem per year over every KPI of the publication (ADR 0026), so reproducing the figures
of publication 1 means solving the problem of publication 1 again, not the current one. Publishing a new version of
a KPI means adding a publication with the new definition; the old ones stay, so their figures stay reproducible.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .kpis import CATALOGUE, Kpi


@dataclass(frozen=True)
class Publication:
    version: int
    effective: dt.date
    note: Promise
    kpis: tuple[Kpi, ...]


PUBLICATIONS: tuple[Publication, ...] = (
    Publication(
        1,
        dt.date(2026, 12, 3),
        gettext_lazy(
            "The register's first publication: the catalogue of 2026-11-25 with the SME and innovation KPIs added."
        ),
        CATALOGUE,
    ),
)


class UnknownDefinitionVersionError(ValueError):
    """A definition version that was never published."""


def publication(version: int | None = None) -> Publication:
    """The publication of this version; the newest when None."""
    if version is None:
        return PUBLICATIONS[-1]
    for published in PUBLICATIONS:
        if published.version == version:
            return published
    raise UnknownDefinitionVersionError(
        _("There is no definition version %(version)s; published: %(versions)s.")
        % {"version": version, "versions": ", ".join(str(p.version) for p in PUBLICATIONS)}
    )


def versions() -> list[int]:
    return [published.version for published in PUBLICATIONS]


def kpis_of(version: int | None, wanted: Iterable[Kpi] | None = None) -> tuple[Kpi, ...]:
    """The KPIs of a publication, or of the wanted ones (by id) those the publication has."""
    catalogue = publication(version).kpis
    if wanted is None:
        return catalogue
    ids = {kpi.id for kpi in wanted}
    return tuple(kpi for kpi in catalogue if kpi.id in ids)


@dataclass(frozen=True)
class Entry:
    """One row of the register."""

    kind: str  # "kpi", "method" or "rule"
    id: str
    version: str
    effective: str  # ISO date
    name_nl: str
    name_en: str
    change_note: str
    publications: str  # the register versions that hold it ("1, 2"); empty for methods and rules

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_nl


# Methods whose version figures depend on, besides the KPI definitions: (id, version, effective, nl, en, note).
METHODS: tuple[tuple[str, str, str, str, str, Promise], ...] = (
    (
        "disclosure-control",
        "1",
        "2026-12-02",
        "Onthullingsbeheersing van landelijke cijfers",
        "Disclosure control of national figures",
        gettext_lazy(
            "Every national figure of a year is one protection problem: a minimum number of organisations, no "
            "dominant one, secondary suppression, no exact derivation and a minimum interval (thresholds in the "
            "MVIMONITOR_DISCLOSURE_* settings; ADR 0005, 0012, 0026)."
        ),
    ),
    (
        "targets",
        "1",
        "2026-12-03",
        "Doelen en het verschil met het cijfer",
        "Targets and the gap to the figure",
        gettext_lazy(
            "Gap = figure minus target; met, not met, or unknown when there is no figure or it is hidden (ADR 0036)."
        ),
    ),
)

# Other apps add their definitions (the policy rules) through a provider registered in their AppConfig.ready():
# a function returning Entry rows. The monitoring app does not import them (they sit above it).
_PROVIDERS: dict[str, Callable[[], list[Entry]]] = {}


def register_provider(name: str, provider: Callable[[], list[Entry]]) -> None:
    _PROVIDERS[name] = provider


def entries() -> list[Entry]:
    """Every KPI version of every publication, the methods, then what the providers add."""
    seen: dict[tuple[str, int], list[int]] = {}
    kpis: dict[tuple[str, int], Kpi] = {}
    for published in PUBLICATIONS:
        for kpi in published.kpis:
            seen.setdefault((kpi.id, kpi.version), []).append(published.version)
            kpis[(kpi.id, kpi.version)] = kpi
    out = [
        Entry(
            "kpi",
            kpi.id,
            str(kpi.version),
            kpi.effective,
            kpi.name_nl,
            kpi.name_en,
            str(kpi.change_note),
            ", ".join(map(str, seen[key])),
        )
        for key, kpi in kpis.items()
    ]
    out += [Entry("method", i, v, e, nl, en, str(note), "") for i, v, e, nl, en, note in METHODS]
    for name in sorted(_PROVIDERS):
        out += _PROVIDERS[name]()
    return out


COLUMNS = ("kind", "id", "version", "effective", "name_nl", "name_en", "change_note", "publications")


def as_json(rows: list[Entry]) -> str:
    """The register as JSON: the publications with their date and note, and every definition."""
    document: dict[str, Any] = {
        "publications": [
            {"version": p.version, "effective": p.effective.isoformat(), "note": str(p.note)} for p in PUBLICATIONS
        ],
        "definitions": [
            {
                "kind": row.kind,
                "id": row.id,
                "version": row.version,
                "effective": row.effective,
                "nameNl": row.name_nl,
                "nameEn": row.name_en,
                "changeNote": row.change_note,
                "publications": [int(v) for v in row.publications.split(", ") if v],
            }
            for row in rows
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def as_csv(rows: list[Entry]) -> str:
    """The register as RFC 4180 CSV, one definition per row (programs read it; no decimal comma needed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, column) for column in COLUMNS])
    return out.getvalue()
