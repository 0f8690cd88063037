"""Social return reported by a supplier per candidate: the supplier's own pseudonymous code on a placement line makes
the building block's maximum months count per candidate over all reports of the commitment (ADR 0041); lines without
a code are still taken and counted each on its own. Codes that look like a BSN, a name or a date are refused on the
supplier's path too, naming the line, and nothing of them is stored."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from mvimonitor.effects import services as effects_services
from mvimonitor.effects.models import (
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    Placement,
    Realisation,
    SocialReturnPolicy,
)
from mvimonitor.suppliers import services
from mvimonitor.suppliers.models import Answer, PlacementAnswer, ReportingRequest, RequestStatus
from mvimonitor.themes.models import Theme

from .conftest import World, send

H1 = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 6, 30)}
H2 = {"period_start": dt.date(2026, 7, 1), "period_end": dt.date(2026, 12, 31)}


@pytest.fixture
def commitment(world: World) -> Commitment:
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    contract = world.contract_a2
    contract.commitments.all().delete()
    return effects_services.commitment_create(
        user=world.manager_a, contract=contract, theme=Theme.objects.get(code="sroi"), kind="social_return",
        description="Social return", unit="EUR", quantity=Decimal(50000),
        social_return_policy=SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    )  # fmt: skip


def block(code: str) -> BuildingBlock:
    return BuildingBlock.objects.get(table__code="haaglanden-zhc", code=code)


def post(client: Client, link: str, answer: Answer, action: str, **fields: Any) -> Any:
    """Post the English answer page with `fields` named without the answer's prefix (cand-1-reference,
    block-7-persons)."""
    data = {"action": action} | {f"answer-{answer.pk}-{name}": str(value) for name, value in fields.items()}
    with translation.override("en"):
        return client.post("/en" + link, data)


def report(world: World, client: Client, period: dict[str, dt.date], **fields: Any) -> ReportingRequest:
    """A request for `period`, answered and submitted by the supplier with `fields`, verified by the buyer."""
    request, link = send(world.manager_a, world.contract_a2, **period)
    response = post(client, link, request.answers.get(), "submit", **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    request = services.request_verify(user=world.manager_a, request=request)
    assert request.status == RequestStatus.VERIFIED
    return request


def test_a_candidates_months_count_once_over_two_supplier_reports(
    world: World, client: Client, commitment: Commitment
) -> None:
    """K-1 under “job seeker without benefit” (€5,000 per person per year at 36 h, at most 12 months): 8 months in
    the first half of 2026 and 8 in the second. Per candidate: 8 + min(8, 12 - 8) = 12 months, 5,000 x 12/12 =
    €5,000.00; counted per line it would be 2 x 5,000 x 8/12 = €6,666.67."""
    job_seeker = block("job-seeker-no-benefit")
    assert (job_seeker.basis, job_seeker.value, job_seeker.max_months) == ("per_year", Decimal(5000), 12)
    line = {"cand-1-reference": "K-1", "cand-1-block": job_seeker.pk, "cand-1-months": 8}

    first = report(world, client, H1, **line)
    second = report(world, client, H2, **line)

    stored = [PlacementAnswer.objects.get(answer__request=r) for r in (first, second)]
    assert [(p.candidate_reference, p.persons, p.months) for p in stored] == [("K-1", 1, Decimal(8))] * 2
    placements = Placement.objects.filter(realisation__commitment=commitment).order_by("realisation__period_start")
    assert [(p.candidate_reference, p.persons, p.months) for p in placements] == [("K-1", 1, Decimal(8))] * 2
    # each delivery holds the value its report adds: 5,000 x 8/12 = 3,333.333, then 5,000 x 4/12 = 1,666.667
    deliveries = Realisation.objects.filter(commitment=commitment).order_by("period_start")
    assert [r.quantity for r in deliveries] == [Decimal("3333.333"), Decimal("1666.667")]
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert effect.sr_value == Decimal("5000.00")
    assert effect.problem_code != "counted_per_line"


def test_a_line_without_a_reference_is_still_taken_and_counted_on_its_own(
    world: World, client: Client, commitment: Commitment
) -> None:
    """The same 8 + 8 months as totals per block (one person, no code): each line is capped at 12 months on its own,
    2 x 5,000 x 8/12 = €6,666.67, and the effect says it counted per line."""
    job_seeker = block("job-seeker-no-benefit")
    totals = {f"block-{job_seeker.pk}-persons": 1, f"block-{job_seeker.pk}-months": 8}

    first = report(world, client, H1, **totals)
    report(world, client, H2, **totals)

    assert PlacementAnswer.objects.get(answer__request=first).candidate_reference == ""
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert effect.sr_value == Decimal("6666.67")
    assert effect.problem_code == "counted_per_line"


@pytest.mark.parametrize("reference", ["111222333", "Jansen", "12-03-1990"])
def test_a_name_bsn_or_date_is_refused_naming_the_line_and_nothing_is_stored(
    world: World, client: Client, commitment: Commitment, reference: str
) -> None:
    job_seeker = block("job-seeker-no-benefit")
    request, link = send(world.manager_a, world.contract_a2, **H1)
    answer = request.answers.get()

    response = post(
        client, link, answer, "save",
        **{"cand-1-reference": "K-1", "cand-1-block": job_seeker.pk, "cand-1-months": 3,
           "cand-2-reference": reference, "cand-2-block": job_seeker.pk, "cand-2-months": 4},
    )  # fmt: skip

    assert response.status_code == 400
    form = response.context["forms"][0]
    assert list(form.errors) == ["cand-2-reference"]
    assert form.errors["cand-2-reference"][0].startswith("Candidate line 2, candidate reference: ")
    assert "Candidate line 2, candidate reference: " in response.content.decode()
    assert not PlacementAnswer.objects.exists()  # line 1 was fine, but a refused save keeps nothing
    assert not PlacementAnswer.history.filter(candidate_reference=reference).exists()


@pytest.mark.parametrize("reference", ["111222333", "Jansen"])
def test_the_service_refuses_a_personal_identifier_without_the_form(
    world: World, commitment: Commitment, reference: str
) -> None:
    """The privacy rule holds on the supplier's write itself, not only in the page's form."""
    request, _link = send(world.manager_a, world.contract_a2, **H1)
    answer = request.answers.get()
    line = services.PlacementInput(
        block=block("job-seeker-no-benefit"), persons=1, months=Decimal(4), candidate_reference=reference
    )

    with pytest.raises(ValidationError) as refused:
        services.answers_save(request=request, values={answer.pk: services.AnswerInput(placements=[line])})

    assert "candidate_reference" in refused.value.message_dict
    assert not PlacementAnswer.objects.exists()
    assert not PlacementAnswer.history.exists()


def test_a_half_filled_or_repeated_line_is_refused_field_by_field(
    world: World, client: Client, commitment: Commitment
) -> None:
    job_seeker, young = block("job-seeker-no-benefit"), block("young-no-start-qualification")
    request, link = send(world.manager_a, world.contract_a2, **H1)
    answer = request.answers.get()

    response = post(
        client, link, answer, "save",
        **{"cand-1-reference": "K-1", "cand-1-block": job_seeker.pk, "cand-1-months": 3,
           "cand-2-reference": "K-1", "cand-2-block": young.pk, "cand-2-months": 3,  # another block: fine
           "cand-3-reference": "K-1", "cand-3-block": job_seeker.pk, "cand-3-months": 2,  # the same twice
           "cand-4-reference": "K-4", "cand-4-block": job_seeker.pk,  # no months
           "cand-5-reference": "K-5"},  # no block
    )  # fmt: skip

    assert response.status_code == 400
    errors = response.context["forms"][0].errors
    assert sorted(errors) == ["cand-3-reference", "cand-4-months", "cand-5-block"]
    assert errors["cand-3-reference"] == [
        "Candidate line 3, candidate reference: this candidate is already given under this building block in "
        "candidate line 1."
    ]
    assert errors["cand-4-months"][0].startswith("Candidate line 4, months: ")
    assert not PlacementAnswer.objects.exists()


def test_re_editing_keeps_the_lines_and_saving_changes_only_what_changed(
    world: World, client: Client, commitment: Commitment
) -> None:
    job_seeker, young = block("job-seeker-no-benefit"), block("young-no-start-qualification")
    request, link = send(world.manager_a, world.contract_a2, **H1)
    answer = request.answers.get()
    totals = {f"block-{young.pk}-persons": 3, f"block-{young.pk}-months": 6}
    saved = post(
        client, link, answer, "save",
        **totals, **{"cand-1-reference": "K-9", "cand-1-block": job_seeker.pk, "cand-1-months": 5,
                     "cand-3-reference": "K-2", "cand-3-block": young.pk, "cand-3-months": "7.5"},
    )  # fmt: skip
    assert saved.status_code == 302
    k9 = PlacementAnswer.objects.get(candidate_reference="K-9")

    page = client.get(link)

    form = page.context["forms"][0]
    shown = [(form[f"cand-{n}-reference"].value(), form[f"cand-{n}-block"].value()) for n in (1, 2)]
    assert shown == [("K-9", str(job_seeker.pk)), ("K-2", str(young.pk))]  # in the order entered, gaps closed
    assert form["cand-2-months"].value() == Decimal("7.50")
    assert form[f"block-{young.pk}-persons"].value() == 3
    assert form.candidate_lines == 2 + 5  # the saved lines and five empty ones
    assert 'value="K-9"' in page.content.decode()

    resaved = post(
        client, link, answer, "save",
        **totals, **{"cand-1-reference": "K-9", "cand-1-block": job_seeker.pk, "cand-1-months": 6},
    )  # fmt: skip

    assert resaved.status_code == 302
    rows = PlacementAnswer.objects.filter(answer=answer).order_by("candidate_reference")
    assert [(r.candidate_reference, r.block_id, r.persons, r.months) for r in rows] == [
        ("", young.pk, 3, Decimal(6)), ("K-9", job_seeker.pk, 1, Decimal(6))
    ]  # fmt: skip
    assert rows[1].pk == k9.pk  # updated in place, K-2 removed
