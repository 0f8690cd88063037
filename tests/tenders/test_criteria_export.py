"""The tender text export of the chosen criteria, as DOCX (read back with python-docx) and as plain text."""

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from docx import Document

from mvimonitor.organisations.models import User
from mvimonitor.tenders.criteria_services import apply_criteria
from mvimonitor.themes.models import Criterion, CriterionKind

from .criteria_world import FOUR, CriteriaWorld, criteria, dutch, load_next_release, make_criteria_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sample_release")]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SAMPLE_NOTE = (
    "Sample criteria written for MVI Monitor are not official criteria of the MVI criteria tool: do not use them in a "
    "real tender."
)
EMPTY = (
    "No criteria from the criteria catalogue have been chosen for this tender yet. Choose them per lot on the "
    "tender's page."
)
SAFE_NAME = re.compile(r'attachment; filename="mvi-criteria-\d+(-[a-z0-9-]+)?\.(docx|txt)"')


@pytest.fixture
def cw(reference_data: None, make_member: Callable[..., User]) -> CriteriaWorld:
    return make_criteria_world(make_member)


@pytest.fixture
def chosen(cw: CriteriaWorld) -> list[Criterion]:
    """The four criteria on lot 1 and two more on lot 2."""
    first, second = criteria(*FOUR), criteria("KM-A-EI", "KM-S-CB")
    apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=first)
    apply_criteria(user=cw.inkoper, lot=cw.second_lot, criteria=second)
    return [*first, *second]


def _url(name: str, cw: CriteriaWorld, language: str = "nl") -> str:
    with translation.override(language):
        return reverse(f"tenders:{name}", args=[cw.tender.pk])


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _get(client: Client, url: str) -> tuple[str, str]:
    """The response's text (a DOCX read back) and its Content-Disposition."""
    response = client.get(url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    if url.endswith(".docx"):
        assert response["Content-Type"] == DOCX_TYPE
        return _docx_text(response.content), disposition
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return response.content.decode("utf-8"), disposition


@pytest.mark.parametrize("name", ["criteria-docx", "criteria-text"])
def test_export_holds_every_id_and_text_of_the_chosen_criteria(
    cw: CriteriaWorld, chosen: list[Criterion], logged_in: Callable[[User], Client], name: str
) -> None:
    text, disposition = _get(logged_in(cw.inkoper), _url(name, cw))

    assert SAFE_NAME.fullmatch(disposition)
    assert "Kantoormeubilair stadhuis" in text  # the tender in the heading
    assert "Gemeente Eigen" in text
    assert "sample-2026" in text  # the release
    assert dutch(SAMPLE_NOTE) in text  # a sample release is said to be no official one
    for criterion in chosen:
        assert criterion.code in text
        assert criterion.external_id in text
        assert criterion.title in text
        assert criterion.text_nl in text
        assert criterion.verification_nl in text
    # grouped per lot, and per kind within a lot, in the tool's order of kinds
    one, two = dutch("Lot %(lot)s", lot=cw.lot), dutch("Lot %(lot)s", lot=cw.second_lot)
    assert text.index(one) < text.index("KM-B-GE") < text.index(two) < text.index("KM-A-EI")
    with translation.override("nl"):
        kinds = [str(kind.label) for kind in CriterionKind if kind != CriterionKind.SELECTION]
    lot_one = text[text.index(one) : text.index(two)]
    assert [lot_one.index(f"\n{kind}\n") for kind in kinds] == sorted(lot_one.index(f"\n{kind}\n") for kind in kinds)


def test_docx_and_text_hold_the_same_criteria(
    cw: CriteriaWorld, chosen: list[Criterion], logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(cw.lezer)  # reading is enough to export
    docx, _ = _get(client, _url("criteria-docx", cw))
    text, _ = _get(client, _url("criteria-text", cw))

    for criterion in chosen:
        for part in (criterion.code, criterion.title, criterion.text_nl, criterion.verification_nl):
            assert part in docx
            assert part in text


def test_docx_uses_word_headings(
    cw: CriteriaWorld, chosen: list[Criterion], logged_in: Callable[[User], Client]
) -> None:
    content = logged_in(cw.inkoper).get(_url("criteria-docx", cw)).content
    document = Document(io.BytesIO(content))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style is not None and p.style.name != "Normal"
    ]

    assert headings[0] == ("Title", dutch("MVI criteria for “%(title)s”", title=cw.tender.title))
    assert ("Heading 1", dutch("Lot %(lot)s", lot=cw.lot)) in headings
    assert ("Heading 3", f"{chosen[0].code} {chosen[0].title}") in headings


@pytest.mark.parametrize("name", ["criteria-docx", "criteria-text"])
def test_export_in_english_falls_back_to_dutch_where_no_english_text_exists(
    cw: CriteriaWorld, chosen: list[Criterion], logged_in: Callable[[User], Client], name: str
) -> None:
    untranslated = chosen[0]
    Criterion.objects.filter(pk=untranslated.pk).update(text_en="", title_en="")

    text, _ = _get(logged_in(cw.inkoper), _url(name, cw, "en"))

    assert untranslated.title in text
    assert untranslated.text_nl in text
    for criterion in chosen[1:]:
        assert criterion.title_en in text
        assert criterion.text_en in text
        assert criterion.verification_en in text
        assert criterion.text_nl not in text


@pytest.mark.parametrize("name", ["criteria-docx", "criteria-text"])
def test_a_tender_without_catalogue_criteria_gives_an_empty_state(
    cw: CriteriaWorld, logged_in: Callable[[User], Client], name: str
) -> None:
    text, disposition = _get(logged_in(cw.inkoper), _url(name, cw))

    assert SAFE_NAME.fullmatch(disposition)
    assert dutch(EMPTY) in text
    assert "Kantoormeubilair stadhuis" in text


def test_export_names_the_old_release_of_a_criterion_chosen_before_a_new_one(
    cw: CriteriaWorld, chosen: list[Criterion], logged_in: Callable[[User], Client], tmp_path: Path
) -> None:
    load_next_release(tmp_path, changed_text={"S1003": "Een nieuwe tekst voor deze eis."})

    text, _ = _get(logged_in(cw.inkoper), _url("criteria-text", cw))

    requirement = next(c for c in chosen if c.code == "KM-B-EI")
    assert requirement.text_nl in text
    assert "Een nieuwe tekst voor deze eis." not in text
    assert "sample-2027" not in text


def test_file_name_is_safe_for_any_title(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    cw.tender.title = 'Meubels "nieuw"/oud; ça\r\nva ../../etc'
    cw.tender.save()

    response = logged_in(cw.inkoper).get(_url("criteria-text", cw))

    assert response["Content-Disposition"] == (
        f'attachment; filename="mvi-criteria-{cw.tender.pk}-meubels-nieuwoud-ca-va-etc.txt"'
    )


@pytest.mark.parametrize("name", ["criteria-docx", "criteria-text"])
def test_another_organisations_tender_is_404(
    cw: CriteriaWorld, logged_in: Callable[[User], Client], name: str
) -> None:
    response = logged_in(cw.inkoper).get(reverse(f"tenders:{name}", args=[cw.foreign_tender.pk]))

    assert response.status_code == 404


def test_export_needs_a_login(cw: CriteriaWorld, client: Client) -> None:
    response = client.get(_url("criteria-docx", cw))

    assert response.status_code == 302
    assert "login" in response["Location"]
