"""Synthetic but realistic demo data: pure generator logic, no database access.

Everything here is derived from a seed, so the same seed gives the same data. Organisations and tenders are
produced as small dataclasses; `generate_demo` (the management command) writes them with bulk_create.

The shapes follow ../shared/docs/domain.md where it gives facts (kinds of contracting authority, EU thresholds,
larger and European tenders with more themes, mostly minimum requirements). The published figures the set is
calibrated to (the share of tenders with MVI, per theme, social return per nature, the yearly rise) and the shares
of tenders without a value or a publication date are data, in `data/profile.json`, and drawn by `profile.py`,
whose docstring says which figure each parameter approximates. Every number below that is not such a fact is a
modelling choice to make the demo look plausible, not a statistic.
"""

import itertools
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from mvimonitor.demo.profile import Sample, ThemeModel, cell_of, load_profile

SYNTHETIC_LABEL = "(synthetisch)"
OIN_TEST_PREFIX = "00000099"  # Logius: prefix for test OINs
ORGANISATION_KVK_BASE = 90_000_000
SUPPLIER_KVK_BASE = 80_000_000

# Rough national make-up of contracting authorities (domain.md section 11 names the kinds; the counts are round
# numbers: ~340 municipalities, 12 provinces, 21 water boards, ~60 central-government units).
NATIONAL_COUNTS: dict[str, int] = {
    "gemeente": 342,
    "rijk": 60,
    "publiekrechtelijke_instelling": 40,
    "samenwerkingsverband": 25,
    "waterschap": 21,
    "provincie": 12,
}
KIND_CAPS = {"provincie": 12, "waterschap": 21}

# Municipalities per province (2024, rounded); used to spread synthetic organisations over the provinces.
PROVINCE_WEIGHTS = {
    "GR": 10, "FR": 18, "DR": 12, "OV": 25, "FL": 6, "GE": 51,
    "UT": 26, "NH": 44, "ZH": 50, "ZE": 13, "NB": 56, "LI": 31,
}  # fmt: skip

# How many tenders an organisation of each kind publishes, relative to an average municipality (modelling choice).
KIND_TENDER_WEIGHT = {
    "gemeente": 1.0,
    "rijk": 2.2,
    "provincie": 2.5,
    "waterschap": 1.5,
    "publiekrechtelijke_instelling": 1.2,
    "samenwerkingsverband": 0.6,
}

PLACE_HEADS = (
    "Aal", "Berken", "Bos", "Dal", "Eem", "Gouw", "Heuvel", "Hol", "Kamp", "Kreek", "Linde", "Mark", "Meer", "Molen",
    "Noorder", "Ooster", "Polder", "Rijn", "Schel", "Slot", "Veen", "Wester", "Zand", "Zuider", "Beemd", "Esch",
)  # fmt: skip
PLACE_TAILS = (
    "dam", "hoven", "wijk", "horst", "stede", "rade", "loo", "dorp", "meer", "brugge", "veld", "haven", "berg",
    "mond", "lanen", "weide",
)  # fmt: skip
MINISTRY_TOPICS = (
    "Voorbeeldzaken", "Proefbeleid", "Oefenfinanciën", "Testwelzijn", "Demo-infrastructuur", "Fictieve Zaken",
    "Denkbeeldige Economie", "Schijnonderwijs",
)  # fmt: skip
AGENCY_TOPICS = (
    "Proefwegen", "Testwater", "Demonstratiegebouwen", "Oefendata", "Voorbeeldvervoer", "Fictieve Vergunningen",
    "Schijnerfgoed", "Denkbeeldige Natuur", "Testinspectie", "Oefenbeheer",
)  # fmt: skip
INSTITUTION_KINDS = ("Universitair Medisch Centrum", "Universiteit", "Hogeschool", "Stichting Openbaar Onderwijs")
PARTNERSHIP_KINDS = ("Veiligheidsregio", "Omgevingsdienst", "GGD", "Belastingsamenwerking", "Inkoopsamenwerking")
SUPPLIER_WORDS = (
    "Bouw",
    "Groen",
    "Schoon",
    "Data",
    "Transport",
    "Advies",
    "Energie",
    "Facilitair",
    "Techniek",
    "Zorg",
)

FORM_WEIGHTS: dict[str, dict[str, float]] = {
    "sroi": {"minimumeis": 25, "contractbepaling": 55, "gunningscriterium": 17, "selectie": 3},
    "keten": {"minimumeis": 10, "contractbepaling": 80, "gunningscriterium": 5, "selectie": 5},
    "other": {"minimumeis": 62, "contractbepaling": 10, "gunningscriterium": 22, "selectie": 6},
}
AMBITION_WEIGHTS = {"basis": 55, "significant": 33, "ambitieus": 12}
THEME_CRITERION_NAMES = {
    "milieu": "Milieubelasting",
    "klimaat": "CO2-reductie",
    "circulair": "Circulariteit",
    "keten": "Ketenverantwoordelijkheid",
    "d_i": "Diversiteit en inclusie",
    "sroi": "Social return",
}
QUALITY_CRITERIA = ("Plan van aanpak", "Kwaliteit van de dienstverlening", "Risicobeheersing", "Planning")

NATURE_SHARES = {"works": 0.22, "supplies": 0.26, "services": 0.52}
# Lognormal value per nature: (median in EUR, sigma); works are larger (modelling choice).
VALUE_SHAPE = {"works": (300_000.0, 1.6), "supplies": (50_000.0, 1.2), "services": (60_000.0, 1.2)}
MIN_VALUE, MAX_VALUE = 2_500.0, 400_000_000.0
# Modelling choices for the synthetic set, not published figures: the share of tenders whose MVI registration the
# buyer confirmed (registration completeness), and the spend total an organisation enters per year as a multiple of
# its tenders' estimated value (so the coverage KPI has something to show).
CONFIRMED_SHARE = 0.7
SPEND_MULTIPLE = (1.2, 1.8)
CALIBRATION_SAMPLE = 4000  # tenders drawn to calibrate the theme model (profile.ThemeModel)

# Demo CPV code -> MVI criteria-tool product group (ProductGroup.code), for the demo CPV codes whose label names a
# shipped product group. No official CPV-to-product-group mapping exists (themes/data/product_groups.json), so this
# is a modelling choice of the demo set only; tenders with other CPV codes are in no product group.
DEMO_PRODUCT_GROUPS = {
    "18110000": "bedrijfskleding",
    "30125100": "tonercartridges",
    "30190000": "kantoorartikelen",
    "30197630": "papier",
    "30213000": "ict-hardware-en-mobiele-apparaten",
    "32250000": "ict-hardware-en-mobiele-apparaten",
    "39130000": "kantoormeubilair",
    "55520000": "catering",
    "79810000": "drukwerk",
    "90910000": "schoonmaak",
}

EUROPEAN_PROCEDURES = {
    "open": 70, "restricted": 12, "neg-w-call": 8, "comp-dial": 2, "innovation": 1, "neg-wo-call": 7,
}  # fmt: skip
NATIONAL_PROCEDURES = {"meervoudig-onderhands": 60, "nationaal-openbaar": 22, "enkelvoudig-onderhands": 18}


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The reference data the generator needs, as plain values."""

    cpv_by_nature: dict[str, tuple[str, ...]]
    cpv_labels: dict[str, str]
    social_service_cpvs: frozenset[str]
    # category -> list of (valid_from, valid_until, amount), sorted by valid_from
    thresholds: dict[str, list[tuple[date, date, Decimal]]]

    def threshold(self, category: str, on: date) -> Decimal | None:
        periods = self.thresholds.get(category, [])
        for valid_from, valid_until, amount in periods:
            if valid_from <= on <= valid_until:
                return amount
        if not periods:
            return None
        # Outside the loaded periods: the nearest period (e.g. 2026 uses 2024-2025 until its values are loaded).
        return periods[-1][2] if on > periods[-1][1] else periods[0][2]


@dataclass(frozen=True, slots=True)
class OrganisationSpec:
    index: int
    name: str
    kind: str
    province: str
    kvk_number: str
    oin: str
    parent_index: int | None
    tender_weight: float


@dataclass(frozen=True, slots=True)
class SupplierSpec:
    name: str
    kvk_number: str
    is_sme: bool


@dataclass(frozen=True, slots=True)
class ContractSpec:
    supplier: SupplierSpec
    value: Decimal
    start_date: date
    end_date: date


@dataclass(frozen=True, slots=True)
class ApplicationSpec:
    theme: str
    form: str
    ambition_level: str
    award_weight: Decimal | None


@dataclass(frozen=True, slots=True)
class LotSpec:
    number: str
    title: str
    estimated_value: Decimal | None
    main_cpv: str
    criteria: tuple[tuple[str, str, Decimal], ...]  # (type, name, weight)
    applications: tuple[ApplicationSpec, ...]
    contract: ContractSpec | None


@dataclass(frozen=True, slots=True)
class TenderSpec:
    organisation_index: int
    title: str
    internal_reference: str
    ted_notice_id: str
    publication_date: date | None  # None for the undated tenders (profile: undated_share)
    nature: str
    procedure_type: str
    is_european: bool
    estimated_value: Decimal | None  # None, and on every lot, for the tenders of unknown value
    main_cpv: str
    drawn_date: date  # the date drawn for the tender, also when it is not recorded: contracts follow from it
    lots: tuple[LotSpec, ...] = field(default_factory=tuple)
    mvi_confirmed: bool = False
    product_group: str = ""  # ProductGroup.code, or "" for none (DEMO_PRODUCT_GROUPS)


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def organisation_counts(total: int) -> dict[str, int]:
    """Split `total` organisations over the kinds in national proportions (largest remainder)."""
    national = sum(NATIONAL_COUNTS.values())
    exact = {kind: total * count / national for kind, count in NATIONAL_COUNTS.items()}
    counts = {kind: math.floor(value) for kind, value in exact.items()}
    by_remainder = sorted(exact, key=lambda kind: (exact[kind] - counts[kind], NATIONAL_COUNTS[kind]), reverse=True)
    for kind in by_remainder[: total - sum(counts.values())]:
        counts[kind] += 1
    if total >= len(NATIONAL_COUNTS):  # every kind present, taken from the municipalities
        for kind in NATIONAL_COUNTS:
            if counts[kind] == 0:
                counts[kind], counts["gemeente"] = 1, counts["gemeente"] - 1
    for kind, cap in KIND_CAPS.items():
        if counts[kind] > cap:
            counts["gemeente"] += counts[kind] - cap
            counts[kind] = cap
    return counts


def _place_names(rng: random.Random, count: int) -> list[str]:
    names = [head + tail for head in PLACE_HEADS for tail in PLACE_TAILS]
    rng.shuffle(names)
    return [names[i % len(names)] + (f" {i // len(names) + 1}" if i >= len(names) else "") for i in range(count)]


def _numbered(words: Sequence[str], i: int) -> str:
    return words[i % len(words)] + (f" {i // len(words) + 1}" if i >= len(words) else "")


def generate_organisations(seed: int, total: int) -> list[OrganisationSpec]:
    """Organisations in realistic proportions; the first one is always a municipality (used for the demo login)."""
    rng = random.Random(f"{seed}:organisations")  # noqa: S311 - deterministic demo data, not security
    counts = organisation_counts(total)
    places = iter(_place_names(rng, total))
    provinces = list(PROVINCE_WEIGHTS)
    province_codes = rng.sample(provinces, len(provinces))
    specs: list[OrganisationSpec] = []

    def add(name: str, kind: str, province: str, parent: int | None = None, weight: float = 1.0) -> None:
        index = len(specs)
        kvk = f"{ORGANISATION_KVK_BASE + index:08d}"
        specs.append(
            OrganisationSpec(
                index=index,
                name=f"{name} {SYNTHETIC_LABEL}",
                kind=kind,
                province=province,
                kvk_number=kvk,
                oin=f"{OIN_TEST_PREFIX}{kvk}0000",
                parent_index=parent,
                tender_weight=KIND_TENDER_WEIGHT[kind] * weight,
            )
        )

    def province() -> str:
        return _pick(rng, {code: float(weight) for code, weight in PROVINCE_WEIGHTS.items()})

    for _ in range(counts["gemeente"]):
        add(f"Gemeente {next(places)}", "gemeente", province(), weight=rng.lognormvariate(0, 0.6))
    for i in range(counts["provincie"]):
        add(f"Provincie {next(places)}", "provincie", province_codes[i % len(province_codes)])
    for _ in range(counts["waterschap"]):
        add(f"Waterschap {next(places)}", "waterschap", province())
    ministries = max(1, round(counts["rijk"] * 0.15)) if counts["rijk"] else 0
    ministry_indexes = []
    for i in range(ministries):
        ministry_indexes.append(len(specs))
        add(f"Ministerie van {_numbered(MINISTRY_TOPICS, i)}", "rijk", "")
    for i in range(counts["rijk"] - ministries):
        add(f"Rijksdienst voor {_numbered(AGENCY_TOPICS, i)}", "rijk", "", parent=rng.choice(ministry_indexes))
    for i in range(counts["publiekrechtelijke_instelling"]):
        add(
            f"{INSTITUTION_KINDS[i % len(INSTITUTION_KINDS)]} {next(places)}",
            "publiekrechtelijke_instelling",
            province(),
        )
    for i in range(counts["samenwerkingsverband"]):
        add(f"{PARTNERSHIP_KINDS[i % len(PARTNERSHIP_KINDS)]} {next(places)}", "samenwerkingsverband", province())
    return specs


def generate_suppliers(seed: int, count: int) -> list[SupplierSpec]:
    rng = random.Random(f"{seed}:suppliers")  # noqa: S311 - deterministic demo data, not security
    return [
        SupplierSpec(
            name=f"{rng.choice(SUPPLIER_WORDS)}bedrijf Demo {i + 1:05d} B.V. {SYNTHETIC_LABEL}",
            kvk_number=f"{SUPPLIER_KVK_BASE + i:08d}",
            is_sme=rng.random() < 0.65,
        )
        for i in range(count)
    ]


def tenders_per_organisation_year(
    organisations: Sequence[OrganisationSpec], tenders_per_year: float
) -> dict[int, float]:
    """Expected tenders a year per organisation; the mean over all organisations is `tenders_per_year`."""
    mean_weight = sum(spec.tender_weight for spec in organisations) / max(1, len(organisations))
    return {spec.index: tenders_per_year * spec.tender_weight / mean_weight for spec in organisations}


def _money(value: float) -> Decimal:
    return Decimal(max(1, round(value / 100)) * 100)


def _size(value: Decimal) -> float:
    """log10 of the value, less 5: the size term of the theme model."""
    return math.log10(float(value)) - 5


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    shares = [_money(float(total) * weight / sum(weights)) for weight in weights]
    shares[-1] = max(Decimal(100), total - sum(shares[:-1]))
    return shares


class TenderGenerator:
    """Yields the tenders of one organisation in one year; deterministic for (seed, organisation, year).

    The theme model (`profile.ThemeModel`) is calibrated once, on a sample of tenders drawn the way the generator
    draws them for these organisations and years, so that the generated shares meet `data/profile.json`.
    """

    def __init__(
        self,
        seed: int,
        catalogue: Catalogue,
        suppliers: Sequence[SupplierSpec],
        organisations: Sequence[OrganisationSpec],
        years: Sequence[int],
        profile: Mapping[str, float] | None = None,
    ) -> None:
        self.seed = seed
        self.catalogue = catalogue
        self.suppliers = suppliers
        self.profile = load_profile() if profile is None else profile
        self.themes = ThemeModel(self.profile, self._calibration_sample(organisations, years), years)

    def _calibration_sample(self, organisations: Sequence[OrganisationSpec], years: Sequence[int]) -> list[Sample]:
        if not organisations or not years:
            return []
        rng = random.Random(f"{self.seed}:calibration")  # noqa: S311 - deterministic demo data, not security
        cumulative = list(itertools.accumulate(spec.tender_weight for spec in organisations))
        samples = []
        for organisation in rng.choices(organisations, cum_weights=cumulative, k=CALIBRATION_SAMPLE):
            year = rng.choice(years)
            nature, cpv, value, european = self._covariates(rng, organisation, date(year, 7, 1))
            samples.append(Sample(cell_of(nature, cpv in DEMO_PRODUCT_GROUPS), _size(value), european))
        return samples

    def for_organisation_year(
        self, organisation: OrganisationSpec, year: int, expected: float
    ) -> Iterator[TenderSpec]:
        rng = random.Random(f"{self.seed}:{organisation.index}:{year}")  # noqa: S311 - deterministic demo data
        count = int(expected * rng.uniform(0.85, 1.15))
        count += rng.random() < expected * rng.uniform(0.85, 1.15) - count
        days = 366 if year % 4 == 0 else 365
        for sequence in range(1, count + 1):
            yield self._tender(rng, organisation, year, sequence, date(year, 1, 1) + timedelta(rng.randrange(days)))

    def _covariates(
        self, rng: random.Random, org: OrganisationSpec, published: date
    ) -> tuple[str, str, Decimal, bool]:
        """Nature, main CPV code, value and whether the procedure is European."""
        nature = _pick(rng, NATURE_SHARES)
        cpv = rng.choice(self.catalogue.cpv_by_nature[nature])
        median, sigma = VALUE_SHAPE[nature]
        value = _money(min(MAX_VALUE, max(MIN_VALUE, rng.lognormvariate(math.log(median), sigma))))
        threshold = self.catalogue.threshold(self._threshold_category(org, nature, cpv), published)
        european = (threshold is not None and value >= threshold) or rng.random() < 0.03
        return nature, cpv, value, european

    def _tender(self, rng: random.Random, org: OrganisationSpec, year: int, seq: int, published: date) -> TenderSpec:
        nature, cpv, value, european = self._covariates(rng, org, published)
        procedure = _pick(rng, EUROPEAN_PROCEDURES if european else NATIONAL_PROCEDURES)
        cell = cell_of(nature, cpv in DEMO_PRODUCT_GROUPS)
        themes = self.themes.themes(rng, cell, _size(value), european, year)
        # the value was drawn (it decides the procedure and the themes) but is not recorded for some tenders
        value_unknown = rng.random() < self.profile["value_unknown_share"]
        undated = rng.random() < self.profile["undated_share"]
        lot_count = _pick(rng, {"1": 78, "2": 12, "3": 6, "4": 2, "5": 1, "6": 1})
        lot_values = _split(rng, value, int(lot_count))
        lots = []
        for number, lot_value in enumerate(lot_values, start=1):
            lot_cpv = cpv if number == 1 else rng.choice(self.catalogue.cpv_by_nature[nature])
            lot_themes = themes if number == 1 else tuple(theme for theme in themes if rng.random() < 0.8)
            lot = self._lot(rng, number, lot_cpv, lot_value, lot_themes, european, published)
            lots.append(replace(lot, estimated_value=None) if value_unknown else lot)
        label = self.catalogue.cpv_labels[cpv]
        reference = f"DEMO-{org.index:05d}-{year}-{seq:04d}"
        confirmed = rng.random() < CONFIRMED_SHARE
        return TenderSpec(
            organisation_index=org.index,
            title=f"{label}, {org.name.removesuffix(' ' + SYNTHETIC_LABEL)} {year}-{seq:03d}",
            internal_reference=reference,
            ted_notice_id=f"{(org.index * 10_000 + seq) % 100_000_000}-{year}" if european else "",
            publication_date=None if undated else published,
            nature=nature,
            procedure_type=procedure,
            is_european=european,
            estimated_value=None if value_unknown else value,
            main_cpv=cpv,
            drawn_date=published,
            lots=tuple(lots),
            mvi_confirmed=confirmed,
            product_group=DEMO_PRODUCT_GROUPS.get(cpv, ""),
        )

    def _threshold_category(self, org: OrganisationSpec, nature: str, cpv: str) -> str:
        if nature == "works":
            return "works"
        if cpv in self.catalogue.social_service_cpvs and self.catalogue.thresholds.get("social_services"):
            return "social_services"
        return "central_supplies_services" if org.kind == "rijk" else "decentral_supplies_services"

    def _lot(
        self,
        rng: random.Random,
        number: int,
        cpv: str,
        value: Decimal,
        themes: tuple[str, ...],
        european: bool,
        published: date,
    ) -> LotSpec:
        forms = {theme: _pick(rng, FORM_WEIGHTS.get(theme, FORM_WEIGHTS["other"])) for theme in themes}
        award_themes = [theme for theme, form in forms.items() if form == "gunningscriterium"]
        price_only = not award_themes and rng.random() < (0.15 if european else 0.3)
        criteria: list[tuple[str, str, Decimal]] = []
        award_weights: dict[str, Decimal] = {}
        if price_only:
            criteria.append(("price", "Prijs", Decimal(100)))
        else:
            price = rng.choice((20, 30, 40, 50, 60, 70))
            quality = 100 - price
            for theme in award_themes:
                weight = min(rng.choice((5, 10, 15, 20)), quality)
                if weight < 5:
                    forms[theme] = "minimumeis"
                    continue
                award_weights[theme] = Decimal(weight)
                quality -= weight
            criteria.append(("price", "Prijs", Decimal(price)))
            criteria.extend(
                ("quality", THEME_CRITERION_NAMES[theme], weight) for theme, weight in award_weights.items()
            )
            if quality:
                others = rng.sample(QUALITY_CRITERIA, 2 if quality >= 20 and rng.random() < 0.5 else 1)
                first = quality if len(others) == 1 else rng.randrange(5, quality - 4, 5)
                criteria.append(("quality", others[0], Decimal(first)))
                if len(others) == 2:
                    criteria.append(("quality", others[1], Decimal(quality - first)))
        applications = tuple(
            ApplicationSpec(theme, forms[theme], _pick(rng, AMBITION_WEIGHTS), award_weights.get(theme))
            for theme in themes
        )
        contract = None
        if rng.random() < 0.75:
            start = published + timedelta(rng.randrange(45, 150))
            contract = ContractSpec(
                supplier=rng.choice(self.suppliers),
                value=_money(float(value) * rng.uniform(0.85, 1.05)),
                start_date=start,
                end_date=start + timedelta(365 * rng.randint(1, 4) - 1),
            )
        return LotSpec(
            number=str(number),
            title=f"Perceel {number}: {self.catalogue.cpv_labels[cpv]}",
            estimated_value=value,
            main_cpv=cpv,
            criteria=tuple(criteria),
            applications=applications,
            contract=contract,
        )


def spend_total(seed: int, organisation_index: int, year: int, tender_value: Decimal) -> Decimal:
    """The synthetic spend total an organisation enters for a year: its tenders' value times SPEND_MULTIPLE."""
    rng = random.Random(f"{seed}:spend:{organisation_index}:{year}")  # noqa: S311 - deterministic demo data
    return _money(float(tender_value) * rng.uniform(*SPEND_MULTIPLE))
