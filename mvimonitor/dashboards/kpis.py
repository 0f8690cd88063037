"""The KPI catalogue: every monitoring figure defined once, in code, with a version.

Pages, exports and the API show these definitions and link every figure to its entry here. A definition that
changes gets a new version (and a line in CHANGELOG.md); figures always say which version produced them.

Common rules (they hold for every KPI unless its entry says otherwise):
- Unit of count: the tender (one procurement procedure), not the lot. A tender "applies" a theme when at least one
  of its lots has an MVI application of that theme.
- Year: the calendar year of the publication date. Tenders without a publication date are in no year and count in
  no yearly KPI (they do appear in "registration completeness" of the organisation's own undated list only).
- Value (multi-lot rule): the tender's estimated value; when it has none, the sum of the estimated values of its
  lots; when no lot has one either, the value is missing. Value KPIs leave tenders with a missing value out of both
  numerator and denominator; count KPIs include them.
- Unconfirmed registrations count: the KPIs describe what is registered. "Registration completeness" says how much
  of it is confirmed.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FIRST_DEFINITION = _("First definition.")


class Unit(StrEnum):
    PERCENT = "percent"
    PERCENTAGE_POINTS = "percentage_points"


class Breakdown(StrEnum):
    """Dimensions a KPI can be split by. `ALL` is no split."""

    ALL = "all"
    NATURE = "nature"
    EUROPEAN = "european"
    VALUE_CLASS = "value_class"


class Family(StrEnum):
    """How the numerator(s) relate to the denominator; decides the disclosure relations."""

    SHARE = "share"  # each numerator is a subset of the denominator (complement = denominator - numerator)
    PARTITION = "partition"  # the numerators split the denominator into disjoint parts
    RATIO = "ratio"  # numerator and denominator are independent sums (an average, or value against spend)


@dataclass(frozen=True, slots=True)
class Kpi:
    id: str
    version: int
    name_nl: str
    name_en: str
    unit: Unit
    family: Family
    counts: Promise  # unit of count
    numerator: Promise
    denominator: Promise
    filters: Promise
    multi_lot: Promise
    missing: Promise
    measure: str  # numerator measure in vocabulary.measures; with `per`, a prefix completed by the item
    base: str  # denominator measure
    breakdowns: tuple[Breakdown, ...] = (Breakdown.ALL,)
    per: str = ""  # "theme", "form", "ambition", "theme_count": one figure per catalogue item
    headline: bool = False  # shown as a trend over the years
    value_based: bool = False  # numerator and denominator are euros
    yearly_only: bool = False  # defined per calendar year only: no figure for a part of a year
    drill_down: bool = True  # its numbers link to the tender list (not when it counts something else than tenders)
    effective: str = "2026-11-25"  # ISO date from which this version of the definition holds (definitions register)
    change_note: Promise = FIRST_DEFINITION


SPLITS = (Breakdown.ALL, Breakdown.NATURE, Breakdown.EUROPEAN, Breakdown.VALUE_CLASS)
TENDERS = _("tenders (procurement procedures)")
EUROS = _("euros of tender value")
LOT_RULE = _("A tender counts when at least one of its lots applies; it counts once, with its whole value.")
VALUE_MISSING = _(
    "Tenders without a value (neither on the tender nor on any lot) are left out of numerator and denominator."
)
COUNT_MISSING = _("Tenders without a value count; tenders without a publication date are in no year.")
YEAR_FILTER = _("Tenders published in the selected year(s); for an organisation also the selected period.")

CATALOGUE: tuple[Kpi, ...] = (
    Kpi(
        id="mvi-share-tenders",
        version=1,
        measure="mvi_n",
        base="n",
        name_nl="Aandeel aanbestedingen met MVI",
        name_en="Share of tenders with MVI",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Tenders with at least one MVI theme applied in any form."),
        denominator=_("All tenders."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=COUNT_MISSING,
        breakdowns=SPLITS,
        headline=True,
    ),
    Kpi(
        id="mvi-share-value",
        version=1,
        measure="mvi_v",
        base="v",
        value_based=True,
        name_nl="Aandeel opdrachtwaarde met MVI",
        name_en="Share of contract value with MVI",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=EUROS,
        numerator=_("Value of the tenders with at least one MVI theme."),
        denominator=_("Value of all tenders with a known value."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=VALUE_MISSING,
        breakdowns=SPLITS,
        headline=True,
    ),
    Kpi(
        id="theme-share-tenders",
        version=1,
        measure="theme_n",
        base="n",
        name_nl="Aandeel aanbestedingen per thema",
        name_en="Share of tenders per theme",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Tenders that apply the theme in any form."),
        denominator=_("All tenders."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=COUNT_MISSING,
        breakdowns=SPLITS,
        per="theme",
    ),
    Kpi(
        id="theme-share-value",
        version=1,
        measure="theme_v",
        base="v",
        value_based=True,
        name_nl="Aandeel opdrachtwaarde per thema",
        name_en="Share of contract value per theme",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=EUROS,
        numerator=_("Value of the tenders that apply the theme."),
        denominator=_("Value of all tenders with a known value."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=VALUE_MISSING,
        breakdowns=SPLITS,
        per="theme",
    ),
    Kpi(
        id="form-share",
        version=1,
        measure="form_n",
        base="mvi_n",
        name_nl="Vorm van toepassing",
        name_en="Form of application",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Tenders with MVI that apply at least one theme in this form (a tender can use several forms)."),
        denominator=_("Tenders with at least one MVI theme."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=COUNT_MISSING,
        per="form",
    ),
    Kpi(
        id="ambition-level",
        version=1,
        measure="amb_n",
        base="mvi_n",
        name_nl="Ambitieniveau",
        name_en="Ambition level",
        unit=Unit.PERCENT,
        family=Family.PARTITION,
        counts=TENDERS,
        numerator=_(
            "Tenders with MVI whose highest recorded ambition level (over all their MVI applications) is this level; "
            "'not recorded' when no application has a level."
        ),
        denominator=_("Tenders with at least one MVI theme."),
        filters=YEAR_FILTER,
        multi_lot=_("The highest level over all lots and themes of the tender."),
        missing=_("Applications without an ambition level do not raise the level; if none has one: 'not recorded'."),
        per="ambition",
    ),
    Kpi(
        id="theme-count",
        version=1,
        measure="tc_n",
        base="n",
        name_nl="Aantal thema's per aanbesteding",
        name_en="Number of themes per tender",
        unit=Unit.PERCENT,
        family=Family.PARTITION,
        counts=TENDERS,
        numerator=_("Tenders that apply exactly this number of distinct themes (0 to 6)."),
        denominator=_("All tenders."),
        filters=YEAR_FILTER,
        multi_lot=_("Distinct themes over all lots: a theme in two lots counts once."),
        missing=COUNT_MISSING,
        per="theme_count",
    ),
    Kpi(
        id="product-group-applied",
        version=1,
        measure="pg_app_n",
        base="pg_n",
        name_nl="Criteria toegepast binnen productgroepen",
        name_en="Criteria applied within product groups",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Of those, tenders with at least one MVI application."),
        denominator=_("Tenders assigned to a product group of the MVI criteria tool."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=_("Tenders without a product group are outside this KPI."),
    ),
    Kpi(
        id="product-group-high",
        version=1,
        measure="pg_high_n",
        base="pg_n",
        name_nl="Significant of ambitieus binnen productgroepen",
        name_en="Significant or ambitious within product groups",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Of those, tenders with at least one MVI application at level significant or ambitious."),
        denominator=_("Tenders assigned to a product group of the MVI criteria tool."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=_("Tenders without a product group are outside this KPI; applications without a level do not count."),
    ),
    Kpi(
        id="product-group-high-of-applied",
        version=1,
        measure="pg_high_n",
        base="pg_app_n",
        name_nl="Significant of ambitieus waar criteria zijn toegepast",
        name_en="Significant or ambitious where criteria are applied",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Of those, tenders with at least one MVI application at level significant or ambitious."),
        denominator=_(
            "Tenders assigned to a product group of the MVI criteria tool with at least one MVI application: the "
            "base of the Rijk rule that at least half of them are at level significant or ambitious."
        ),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=_("Tenders without a product group are outside this KPI; applications without a level do not count."),
    ),
    Kpi(
        id="award-weight",
        version=1,
        measure="aw_sum",
        base="aw_n",
        name_nl="Gemiddeld gunningsgewicht MVI",
        name_en="Average award weight of MVI",
        unit=Unit.PERCENTAGE_POINTS,
        family=Family.RATIO,
        counts=_("MVI applications in the form 'award criterion' with a recorded weight"),
        numerator=_("Sum of their award weights (percent of the total score)."),
        denominator=_("Number of such applications."),
        filters=YEAR_FILTER,
        multi_lot=_("Each lot's application counts on its own: a theme weighed in two lots counts twice."),
        missing=_("Award-criterion applications without a weight are left out."),
    ),
    Kpi(
        id="registration-completeness",
        version=1,
        measure="conf_n",
        base="n",
        name_nl="Volledigheid registratie",
        name_en="Registration completeness",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_("Tenders whose MVI registration is confirmed."),
        denominator=_("All tenders."),
        filters=YEAR_FILTER,
        multi_lot=_("Confirmation is per tender."),
        missing=COUNT_MISSING,
        headline=True,
    ),
    Kpi(
        id="coverage",
        version=1,
        measure="cov_v",
        base="spend",
        value_based=True,
        name_nl="Dekking",
        name_en="Coverage",
        unit=Unit.PERCENT,
        family=Family.RATIO,
        counts=EUROS,
        numerator=_("Value of the registered tenders of the year (known values only)."),
        denominator=_(
            "The spend total the organisation entered for that year (e.g. from its spend analysis). Nationally: "
            "only organisations that entered a total, on both sides."
        ),
        filters=_(
            "Calendar years only (a spend total is yearly): for a part of a year (a half or a quarter) there is no "
            "coverage figure, on the page, in the exports and in the API (reason calendar_year_only)."
        ),
        multi_lot=LOT_RULE,
        missing=_("No spend total entered: no coverage figure for that organisation and year. Can exceed 100%."),
        headline=True,
        yearly_only=True,
    ),
)

SME_INNOVATION: tuple[Kpi, ...] = (
    Kpi(
        id="sme-suitable",
        version=1,
        effective="2026-12-03",
        measure="sme_n",
        base="n",
        name_nl="Aandeel MKB-vriendelijke aanbestedingen",
        name_en="Share of tenders suitable for SMEs",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_(
            "Tenders marked SME-friendly (MKB-vriendelijk) on the tender or on at least one of its lots, by a notice "
            "or by the buyer."
        ),
        denominator=_("All tenders."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=_("A tender whose flag nobody set (unknown) counts as not marked."),
        drill_down=False,
    ),
    Kpi(
        id="sme-contracts",
        version=1,
        effective="2026-12-03",
        measure="ct_sme_n",
        base="ct_n",
        name_nl="Opdrachten gegund aan MKB (aantal)",
        name_en="Contracts won by SMEs (count)",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=_("contracts (a lot awarded to one winner)"),
        numerator=_("Contracts whose winner is a small or medium-sized enterprise (micro, small or medium)."),
        denominator=_("Contracts whose winner's size is known (from the result notice or entered by the buyer)."),
        filters=_("Contracts of the tenders published in the selected year(s); for an organisation also the period."),
        multi_lot=_("Each contract counts on its own: a lot with two winners gives two contracts."),
        missing=_("Contracts whose winner's size is unknown are left out of numerator and denominator."),
        drill_down=False,
    ),
    Kpi(
        id="sme-contracts-value",
        version=1,
        effective="2026-12-03",
        measure="ct_sme_v",
        base="ct_v",
        value_based=True,
        name_nl="Opdrachtwaarde gegund aan MKB",
        name_en="Contract value won by SMEs",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=_("euros of contract value"),
        numerator=_("Value of the contracts whose winner is a small or medium-sized enterprise."),
        denominator=_("Value of the contracts whose winner's size is known."),
        filters=_("Contracts of the tenders published in the selected year(s); for an organisation also the period."),
        multi_lot=_("Each contract counts with its own value."),
        missing=_("Contracts without a value, or whose winner's size is unknown, are left out of both."),
        drill_down=False,
    ),
    Kpi(
        id="innovation-oriented",
        version=1,
        effective="2026-12-03",
        measure="inno_n",
        base="n",
        name_nl="Aandeel innovatiegerichte aanbestedingen",
        name_en="Share of innovation-oriented tenders",
        unit=Unit.PERCENT,
        family=Family.SHARE,
        counts=TENDERS,
        numerator=_(
            "Tenders marked innovation-oriented on the tender or on at least one of its lots, and every innovation "
            "partnership and pre-commercial procurement (SBIR), whatever the flags say."
        ),
        denominator=_("All tenders."),
        filters=YEAR_FILTER,
        multi_lot=LOT_RULE,
        missing=_("A tender whose flag nobody set (unknown) counts as not marked, unless its procedure type says so."),
        drill_down=False,
    ),
)
CATALOGUE += SME_INNOVATION

BY_ID: dict[str, Kpi] = {kpi.id: kpi for kpi in CATALOGUE}


def get(kpi_id: str) -> Kpi | None:
    return BY_ID.get(kpi_id)
