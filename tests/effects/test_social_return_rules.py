"""Social return as practised: counting maxima per candidate over all reports, bonus blocks only with their base,
fines on the unmet share, FTE-years per calendar year of the reported periods, the contract value excl. VAT, and the
Rijk rule's conditions of application. Hand-worked figures with the working in the comments (docs/effects.md,
"Social return"; ADR 0041)."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from mvimonitor.effects import calculations as calc
from mvimonitor.effects import services
from mvimonitor.effects import social_return as sr
from mvimonitor.effects.forms import PlacementForm
from mvimonitor.effects.models import (
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    Placement,
    SanctionRule,
    SocialReturnPolicy,
)
from mvimonitor.effects.reasons import describe_code
from mvimonitor.effects.selectors import organisation_summary
from mvimonitor.effects.validators import validate_candidate_reference
from mvimonitor.tenders.models import Nature
from mvimonitor.themes.models import Theme
from tests.effects.conftest import Side

D = Decimal
CENT = D("0.01")
# Haaglanden + Zuid-Holland Centraal values (domain.md §5): WW €20,000 a year, at most 12 months; Banenafspraak
# €50,000, no maximum; bonus 55+ +€10,000 a year
BLOCKS = {
    "ww": calc.BuildingBlock("ww", calc.BASIS_PER_YEAR, D(20000), 12),
    "participatiewet": calc.BuildingBlock("participatiewet", calc.BASIS_PER_YEAR, D(40000), 24),
    "banenafspraak": calc.BuildingBlock("banenafspraak", calc.BASIS_PER_YEAR, D(50000), None),
    "bonus-55-plus": calc.BuildingBlock(
        "bonus-55-plus", calc.BASIS_PER_YEAR, D(10000), None, counts_as_fte=False, is_bonus=True
    ),
}
Y2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
Y2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def line(block: str, months: int, candidate: str = "", persons: int = 1) -> calc.Placement:
    return calc.Placement(block, persons, D(months), candidate=candidate)


def report(period: tuple[dt.date, dt.date], *lines: calc.Placement) -> sr.Report:
    return sr.Report(period[0], period[1], lines)


# --- 1. counting maxima per candidate over all reports ---------------------------------------------------------------


def test_a_candidates_maximum_counts_once_over_all_reports_earlier_periods_first() -> None:
    """K-017 under WW (max 12 months) reports 8 months in 2024 and 8 in 2025. Per candidate: 8 + min(8, 12 − 8) = 12
    months = €20,000 × 12/12 = €20,000 and 1 FTE-year. The reports are given later first: the earlier period is
    counted first, so the 2025 line is the one cut to 4 months (€20,000 × 4/12 = €6,666.67)."""
    reports = [report(Y2025, line("ww", 8, "K-017")), report(Y2024, line("ww", 8, "K-017"))]

    result = sr.count_reports(reports, BLOCKS)

    assert result.value.quantize(CENT) == D("20000.00")
    assert result.fte_years == D(1)
    assert [x.value.counted_months for x in result.lines] == [D(4), D(8)]  # in the order given
    assert result.lines[0].value.value is not None
    assert result.lines[0].value.value.quantize(CENT) == D("6666.67")
    assert result.per_line == 0
    assert result.note(reports) is None


def test_lines_without_a_candidate_reference_keep_the_rule_per_line_and_say_so() -> None:
    """The same two lines without a reference: each capped on its own, 8 + 8 = 16 months = €20,000 × 16/12 =
    €26,666.67, 16/12 FTE-years; the result counts 2 lines per line and its note says so."""
    reports = [report(Y2024, line("ww", 8)), report(Y2025, line("ww", 8))]

    result = sr.count_reports(reports, BLOCKS)

    assert result.value.quantize(CENT) == D("26666.67")
    assert result.per_line == 2
    note = result.note(reports)
    assert note == calc.Problem(sr.COUNTED_PER_LINE, {"count": "2"})
    assert "applied per line" in describe_code(note.code, note.details)


def test_the_maximum_is_per_candidate_and_per_block() -> None:
    """K-017 and K-018 each 8 months WW: both count in full (2 × €13,333.33 = €26,666.67). K-017 then 6 months
    Participatiewet (max 24): another block, counted in full (€40,000 × 6/12 = €20,000). A block without a maximum
    (Banenafspraak) does not count as per line: no note."""
    reports = [
        report(Y2024, line("ww", 8, "K-017"), line("ww", 8, "K-018")),
        report(Y2025, line("participatiewet", 6, "K-017"), line("banenafspraak", 12)),
    ]

    result = sr.count_reports(reports, BLOCKS)

    # 13,333.33… × 2 + 20,000 + 50,000 = 96,666.67
    assert result.value.quantize(CENT) == D("96666.67")
    assert result.per_line == 0


# --- 2. bonus blocks only with their base ----------------------------------------------------------------------------


def test_a_bonus_counts_only_with_a_base_placement_of_the_same_candidate_up_to_its_report() -> None:
    """2024: K-017 bonus 55+ for 6 months, no base yet → not counted. 2025: K-017 WW 6 months (€10,000) and the
    bonus 6 months (€10,000 × 6/12 = €5,000) → counted. A bonus without a reference is never counted. Total €15,000;
    FTE: WW 0.5, a bonus adds none."""
    reports = [
        report(Y2024, line("bonus-55-plus", 6, "K-017")),
        report(Y2025, line("ww", 6, "K-017"), line("bonus-55-plus", 6, "K-017"), line("bonus-55-plus", 6)),
    ]

    result = sr.count_reports(reports, BLOCKS)

    assert result.value == D(15000)
    assert result.fte_years == D("0.5")
    left_out = result.not_counted
    assert [(x.report, x.why) for x in left_out] == [(0, sr.NO_BASE_PLACEMENT), (1, sr.NO_CANDIDATE)]
    note = result.note(reports)
    assert note is not None
    assert note.code == sr.BONUS_WITHOUT_BASE
    assert note.details["count"] == "2"
    assert (
        note.details["lines"]
        == "2024-01-01–2024-12-31: bonus-55-plus (K-017); 2025-01-01–2025-12-31: bonus-55-plus (—)"
    )
    assert result.calculable  # a line left out is named, not a failure


def test_a_base_reported_later_does_not_rescue_an_earlier_bonus() -> None:
    """The bonus is in 2024, the base only in 2025: "in this or an earlier report" fails for the bonus."""
    reports = [report(Y2024, line("bonus-55-plus", 12, "K-1")), report(Y2025, line("banenafspraak", 12, "K-1"))]

    result = sr.count_reports(reports, BLOCKS)

    assert result.value == D(50000)
    assert [x.counted for x in result.lines] == [False, True]


# --- 4. FTE-years per calendar year of the reported periods ----------------------------------------------------------


def test_fte_years_go_to_the_calendar_years_of_the_reported_period_by_months() -> None:
    """1 person full time 18 months (Banenafspraak, no maximum) reported over 2025-07-01..2026-12-31: 1.5
    FTE-years; the period has 6 months in 2025 and 12 in 2026, so 1.5 × 6/18 = 0.5 and 1.5 × 12/18 = 1.0."""
    reports = [sr.Report(dt.date(2025, 7, 1), dt.date(2026, 12, 31), [line("banenafspraak", 18, "K-9")])]

    result = sr.count_reports(reports, BLOCKS)

    assert result.fte_years == D("1.5")
    assert dict(result.fte_by_year) == {2025: D("0.5"), 2026: D("1.0")}


def test_month_shares_count_part_months_by_their_own_days() -> None:
    """17 Dec 2024 – 15 Jan 2025: 15 of December's 31 days and 15 of January's 31 → half each. By days it would be
    the same here; 1 Feb – 31 Mar 2024 by months is 1 + 1 month in one year → all of it in 2024."""
    assert sr.month_shares(dt.date(2024, 12, 17), dt.date(2025, 1, 15)) == {2024: Fraction(1, 2), 2025: Fraction(1, 2)}
    assert sr.month_shares(dt.date(2024, 2, 1), dt.date(2024, 3, 31)) == {2024: Fraction(1)}
    # 2025-07-01..2026-12-31: 6 and 12 whole months (by days it would be 184/549 and 365/549)
    assert sr.month_shares(dt.date(2025, 7, 1), dt.date(2026, 12, 31)) == {2025: Fraction(1, 3), 2026: Fraction(2, 3)}


# --- 3. fines: a multiple of the award advantage or a share of the unmet obligation ----------------------------------


def _fine(delivered: Decimal | None, **kwargs: object) -> calc.SanctionResult:
    return calc.sanction(
        promised=D(20000), delivered=delivered, period_end=dt.date(2025, 12, 31), as_of=dt.date(2026, 1, 1),
        **{"award_advantage": None, "multiple": None, **kwargs},  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_fine_on_the_unmet_share_of_the_obligation() -> None:
    """Obligation €20,000, verified €12,500, fine 10%: (20,000 − 12,500) × 10 / 100 = €750.00. Nothing verified:
    all of it unmet, 20,000 × 10% = €2,000.00. Met: none, 0. No percentage: due, amount unknown."""
    unmet = {"basis": calc.UNMET_SHARE, "percentage": D(10)}
    assert _fine(D(12500), **unmet) == calc.SanctionResult(calc.SANCTION_DUE, D("750.00"))
    assert _fine(None, **unmet) == calc.SanctionResult(calc.SANCTION_DUE, D("2000.00"))
    assert _fine(D(20000), **unmet) == calc.SanctionResult(calc.SANCTION_NONE, D(0))
    assert _fine(D(12500), basis=calc.UNMET_SHARE).problem == calc.Problem(calc.NO_FINE_PERCENTAGE)
    # 12.5%: 7,500 × 0.125 = 937.50
    assert _fine(D(12500), basis=calc.UNMET_SHARE, percentage=D("12.5")).amount == D("937.50")


def test_a_fine_as_a_multiple_of_the_award_advantage_is_unchanged() -> None:
    """Advantage €5,000 × 1.5 = €7,500, whatever was delivered; the percentage is ignored on this basis."""
    outcome = _fine(D(12500), award_advantage=D(5000), multiple=D("1.5"), percentage=D(10))
    assert outcome == calc.SanctionResult(calc.SANCTION_DUE, D("7500.00"))


# --- 6. a policy's conditions of application -------------------------------------------------------------------------

RIJK = sr.Conditions(D(250000), 6, frozenset({"works", "services"}))


@pytest.mark.parametrize(
    ("kind", "value", "end", "condition"),
    [
        ("services", D(1000000), dt.date(2025, 12, 31), None),  # applies
        ("works", D("250000.01"), dt.date(2024, 6, 30), None),  # above €250,000; 1 Jan–30 Jun is 6 months
        ("supplies", D(1000000), dt.date(2025, 12, 31), "kind"),
        ("services", D(250000), dt.date(2025, 12, 31), "value"),  # not above €250,000
        ("services", D(1000000), dt.date(2024, 6, 29), "duration"),  # one day short of 6 months
        ("services", None, dt.date(2025, 12, 31), None),  # an unknown value rules nothing out
    ],
)
def test_the_rijk_conditions(kind: str, value: Decimal | None, end: dt.date, condition: str | None) -> None:
    problem = sr.not_applicable(RIJK, kind=kind, value=value, start=dt.date(2024, 1, 1), end=end)

    assert (problem.details["condition"] if problem else None) == condition


def test_months_are_added_to_the_last_day_of_a_short_month() -> None:
    assert sr.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert sr.add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)


# --- candidate references --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["K-017", "SR25-003", "KAND-17", "k.2024/7", ""])
def test_a_code_is_a_candidate_reference(reference: str) -> None:
    validate_candidate_reference(reference)


@pytest.mark.parametrize(
    "reference",
    ["111222333", "12345678", "K 017", "Jansen7", "Piet", "01-02-1990", "1990.02.01", "K-017 Jan", "x" * 41],
)
def test_a_name_bsn_or_date_is_not_a_candidate_reference(reference: str) -> None:
    with pytest.raises(ValidationError):
        validate_candidate_reference(reference)


def test_the_placement_form_refuses_a_name_as_candidate_reference(db: None) -> None:
    form = PlacementForm({"candidate_reference": "Jansen"}, blocks=BuildingBlock.objects.none())

    assert not form.is_valid()
    assert "candidate_reference" in form.errors


# --- through the services and the stored effects ---------------------------------------------------------------------


def _sr(side: Side, **overrides: object) -> Commitment:
    fields: dict[str, object] = {
        "theme": Theme.objects.get(code="sroi"),
        "kind": "social_return",
        "description": "Social return 2%",
        "unit": "EUR",
        "social_return_policy": SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        "block_table": BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    }
    fields.update(overrides)
    return services.commitment_create(user=side.manager, contract=side.contract, **fields)


def _report(
    side: Side, commitment: Commitment, period: tuple[dt.date, dt.date], *lines: tuple[str, int, str]
) -> Decimal:
    blocks = {b.code: b for b in BuildingBlock.objects.filter(table=commitment.block_table)}
    realisation = services.realisation_submit(
        user=side.manager, commitment=commitment, period_start=period[0], period_end=period[1],
        placements=[
            services.PlacementInput(block=blocks[code], persons=1, months=D(months), candidate_reference=ref)
            for code, months, ref in lines
        ],
    )  # fmt: skip
    services.realisation_review(user=side.manager, realisation=realisation, status="verified")
    return realisation.quantity


def _effect(commitment: Commitment) -> EffectCalculation:
    return EffectCalculation.objects.current().get(commitment=commitment)


def test_stored_effect_counts_per_candidate_names_bonuses_without_base_and_splits_fte_by_year(
    side_a: Side, client: Client
) -> None:
    """Obligation 2% × €1,000,000 = €20,000. 2024: K-017 WW 8 months = €13,333.333. 2025: K-017 WW 8 months, of
    which 4 count = €6,666.667 (the report's own figure is what it adds), and a bonus 55+ for K-018, who has no base
    placement: not counted. Stored: €20,000.00, 1 FTE-year, 8/12 = 0.667 in 2024 and 4/12 = 0.333 in 2025; the bonus
    line is named. The contract page shows it under "Lines not counted"."""
    commitment = _sr(side_a)

    first = _report(side_a, commitment, Y2024, ("ww", 8, "K-017"))
    second = _report(side_a, commitment, Y2025, ("ww", 8, "K-017"), ("bonus-55-plus", 6, "K-018"))
    effect = _effect(commitment)

    assert (first, second) == (D("13333.333"), D("6666.667"))
    assert (effect.sr_value, effect.sr_fte_years) == (D("20000.00"), D("1.000"))
    assert effect.sr_fte_by_year == {"2024": "0.667", "2025": "0.333"}
    assert (effect.calculable, effect.problem_code) == (True, sr.BONUS_WITHOUT_BASE)
    assert "2025-01-01–2025-12-31: bonus-55-plus (K-018)" in describe_code(effect.problem_code, effect.problem_details)
    assert set(Placement.objects.values_list("candidate_reference", flat=True)) == {"K-017", "K-018"}
    client.force_login(side_a.reader)
    page = client.get(f"/en/contracts/{side_a.contract.pk}/").content.decode()
    assert "Lines not counted" in page
    assert "bonus-55-plus (K-018)" in page
    # the FTE-years per calendar year on the dashboard come from the reported periods
    rows = {row.label: row for row in organisation_summary(side_a.organisation, draws=10).periods}
    at = organisation_summary(side_a.organisation, draws=10).period_keys.index("socialReturnFteYears")
    assert rows["2024"].cells[at].value == pytest.approx(0.667)
    assert rows["2025"].cells[at].value == pytest.approx(0.333)


def test_a_candidate_line_is_one_person(side_a: Side) -> None:
    commitment = _sr(side_a)
    ww = BuildingBlock.objects.get(table=commitment.block_table, code="ww")

    with pytest.raises(ValidationError, match="one person"):
        services.realisation_submit(
            user=side_a.manager, commitment=commitment, period_start=Y2024[0], period_end=Y2024[1],
            placements=[services.PlacementInput(block=ww, persons=2, months=D(6), candidate_reference="K-1")],
        )  # fmt: skip


def test_a_fine_on_the_unmet_share_agreed_in_the_contract(side_a: Side) -> None:
    """The period ended on 31 Dec 2025. Obligation €20,000; verified K-017 WW 6 months = €10,000; agreed fine 10% of
    the unmet part: (20,000 − 10,000) × 10% = €1,000.00."""
    commitment = _sr(side_a, sanction_percentage=D(10))
    _report(side_a, commitment, Y2024, ("ww", 6, "K-017"))

    effect = _effect(commitment)

    assert commitment.fine_basis == "unmet_share"
    assert (effect.sanction_status, effect.sanction_amount) == ("due", D("1000.00"))


def test_a_fine_on_the_unmet_share_is_for_social_return_only(side_a: Side) -> None:
    with pytest.raises(ValidationError) as error:
        services.commitment_create(
            user=side_a.manager, contract=side_a.contract, theme=Theme.objects.get(code="klimaat"),
            kind="electricity", description="Groene stroom", quantity=D(1000), unit="kWh",
            factor_code="green-power-government-average", sanction_basis="unmet_share", sanction_percentage=D(10),
        )  # fmt: skip

    assert "not in euros" in " ".join(error.value.message_dict["sanction_basis"])


def test_a_sanction_rule_on_the_unmet_share_needs_its_percentage(db: None) -> None:
    rule = SanctionRule(code="x", name="x", basis="unmet_share", source="https://example.org", source_year=2024)

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert "percentage" in error.value.message_dict


def test_the_base_amount_must_be_excl_vat(side_a: Side) -> None:
    with pytest.raises(ValidationError) as error:
        _sr(side_a, base_excl_vat=False)

    assert "excl. VAT" in " ".join(error.value.message_dict["base_excl_vat"])
    assert not Commitment.objects.exists()


def test_under_the_rijk_rule_a_supplies_contract_is_not_applicable_neither_unknown_nor_zero(
    side_a: Side, client: Client
) -> None:
    """The Rijk rule sets no percentage (not verified in domain.md): the commitment enters 5% of the contract value,
    €50,000. The contract is for supplies, so the rule does not apply: no social-return figures, calculable, and the
    dashboard counts it neither as not calculable nor as a 0."""
    tender = side_a.contract.lot.tender
    tender.nature = Nature.SUPPLIES
    tender.save()
    rijk = SocialReturnPolicy.objects.get(code="rijk-social-return-2018")
    commitment = _sr(side_a, social_return_policy=rijk, obligation_base="contract_value", obligation_percentage=D(5))

    effect = _effect(commitment)
    summary = organisation_summary(side_a.organisation, draws=10)

    assert commitment.quantity == D("50000.00")
    assert (effect.problem_code, effect.calculable, effect.sr_obligation, effect.sanction_status) == (
        sr.NOT_APPLICABLE, True, None, "")  # fmt: skip
    assert "supplies" in describe_code(effect.problem_code, effect.problem_details)
    obligation = next(f for f in summary.figures if f.key == "socialReturnObligation")
    assert (obligation.value, obligation.calculable, obligation.not_calculable) == (None, 0, 0)
    client.force_login(side_a.reader)
    page = client.get(f"/en/contracts/{side_a.contract.pk}/").content.decode()
    assert "Social return not applicable" in page


def test_under_the_rijk_rule_a_large_long_services_contract_counts(side_a: Side) -> None:
    """Services, €1,000,000 (above €250,000), 2 years (at least 6 months): the rule applies; 5% = €50,000."""
    rijk = SocialReturnPolicy.objects.get(code="rijk-social-return-2018")
    commitment = _sr(side_a, social_return_policy=rijk, obligation_base="contract_value", obligation_percentage=D(5))

    effect = _effect(commitment)

    assert (effect.problem_code, effect.sr_obligation) == ("", D("50000.00"))


def test_under_the_rijk_rule_the_percentage_is_entered(side_a: Side) -> None:
    rijk = SocialReturnPolicy.objects.get(code="rijk-social-return-2018")

    with pytest.raises(ValidationError) as error:
        _sr(side_a, social_return_policy=rijk, obligation_base="contract_value")

    assert "obligation_percentage" in error.value.message_dict
