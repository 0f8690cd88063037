"""What a supplier can answer: social return as counted placements per building block (no names), evidence files with
the limits of delivery evidence."""

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from mvimonitor.effects import services as effects_services
from mvimonitor.effects.models import BuildingBlockTable, Placement, Realisation, SocialReturnPolicy
from mvimonitor.suppliers.models import AnswerEvidence, PlacementAnswer, RequestStatus
from mvimonitor.themes.models import Theme

from .conftest import World, send


def test_social_return_is_answered_as_counted_placements_per_block(world: World, client: Client) -> None:
    call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    contract = world.contract_a2
    contract.commitments.all().delete()
    effects_services.commitment_create(
        user=world.manager_a, contract=contract, theme=Theme.objects.get(code="sroi"), kind="social_return",
        description="Social return", unit="EUR",
        social_return_policy=SocialReturnPolicy.objects.get(code="sudwest-fryslan-2023"),
        block_table=BuildingBlockTable.objects.get(code="haaglanden-zhc"),
    )  # fmt: skip
    request, link = send(world.manager_a, contract)
    answer = request.answers.get()
    page = client.get(link).content.decode()
    block = answer.commitment.block_table.blocks.filter(basis="per_year").order_by("code").first()
    assert block is not None
    assert f"answer-{answer.pk}-block-{block.pk}-persons" in page
    assert "BSN" in page or "burgerservicenummer" in page

    response = client.post(
        link,
        {"action": "submit", f"answer-{answer.pk}-block-{block.pk}-persons": "2",
         f"answer-{answer.pk}-block-{block.pk}-months": "12"},
    )  # fmt: skip

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert PlacementAnswer.objects.get(answer=answer).persons == 2
    realisation = Realisation.objects.get(commitment=answer.commitment)
    placement = Placement.objects.get(realisation=realisation)
    assert (placement.block_id, placement.persons, placement.months) == (block.pk, 2, Decimal(12))
    assert realisation.quantity > 0


def test_evidence_keeps_the_limits_of_delivery_evidence(world: World, client: Client, settings: Any) -> None:
    settings.MVIMONITOR_EVIDENCE_MAX_BYTES = 10
    request, link = send(world.manager_a, world.contract_a2)
    answer = request.answers.get()

    too_large = client.post(
        link,
        {"action": "save", f"answer-{answer.pk}-quantity": "5",
         f"answer-{answer.pk}-evidence": SimpleUploadedFile("groot.pdf", b"%PDF-1.4 " + b"x" * 100)},
    )  # fmt: skip
    wrong_type = client.post(
        link,
        {"action": "save", f"answer-{answer.pk}-quantity": "5",
         f"answer-{answer.pk}-evidence": SimpleUploadedFile("script.exe", b"MZ")},
    )  # fmt: skip

    assert too_large.status_code == 400
    assert "groot.pdf" in too_large.content.decode()
    assert wrong_type.status_code == 400
    assert not AnswerEvidence.objects.exists()
    assert request.answers.get().quantity is None  # nothing of a refused save was kept
