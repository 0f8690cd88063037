"""Policy norms a KPI is held against (shipped data in `data/norms.json`, each with its source and year).

A norm reads one KPI version; a figure of another version is not judged. The verdict is "met" at or above the
minimum, "not met" below it, and "unknown" when the figure is missing or hidden by disclosure control.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import OrganisationKind

from .kpis import CATALOGUE, Kpi

DATA = Path(__file__).resolve().parent / "data" / "norms.json"


@dataclass(frozen=True, slots=True)
class Norm:
    code: str
    kpi: str
    kpi_version: int
    minimum_percent: Decimal
    applies_to: tuple[str, ...]  # organisation kinds
    name_nl: str
    name_en: str
    source: str
    source_year: int

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nl


@cache
def all_norms(path: Path = DATA) -> tuple[Norm, ...]:
    """The shipped norms, checked against the KPI catalogue (an unknown KPI or version is an error)."""
    known = {(kpi.id, kpi.version) for kpi in CATALOGUE}
    norms = []
    for spec in json.loads(path.read_text(encoding="utf-8"))["norms"]:
        norm = Norm(
            code=spec["code"],
            kpi=spec["kpi"],
            kpi_version=int(spec["kpi_version"]),
            minimum_percent=Decimal(spec["minimum_percent"]),
            applies_to=tuple(spec["applies_to"]),
            name_nl=spec["name_nl"],
            name_en=spec["name_en"],
            source=spec["source"],
            source_year=int(spec["source_year"]),
        )
        if (norm.kpi, norm.kpi_version) not in known:
            raise ValueError(f"{path.name}, norm {norm.code}: no KPI {norm.kpi} version {norm.kpi_version}")
        unknown = set(norm.applies_to) - set(OrganisationKind.values)
        if unknown:
            raise ValueError(f"{path.name}, norm {norm.code}: unknown organisation kind(s) {sorted(unknown)}")
        norms.append(norm)
    return tuple(norms)


def norms_for(kpi: Kpi) -> list[Norm]:
    return [norm for norm in all_norms() if (norm.kpi, norm.kpi_version) == (kpi.id, kpi.version)]


def verdict(norm: Norm, value: Decimal | None) -> str:
    """The figure against the norm, in words."""
    if value is None:
        return _("unknown (no figure)")
    return _("met") if value >= norm.minimum_percent else _("not met")


def describe(norm: Norm, value: Decimal | None, whose: str, year: int) -> str:
    """One sentence for a page or export: the norm, its source and the verdict for one figure."""
    kinds = ", ".join(str(OrganisationKind(kind).label) for kind in norm.applies_to)
    return _(
        "%(norm)s (at least %(minimum)s%%; applies to: %(kinds)s; source: %(source)s, %(year)s). %(whose)s "
        "%(figure_year)s: %(verdict)s."
    ) % {
        "norm": norm.name,
        "minimum": norm.minimum_percent,
        "kinds": kinds,
        "source": norm.source,
        "year": norm.source_year,
        "whose": whose,
        "figure_year": year,
        "verdict": verdict(norm, value),
    }
