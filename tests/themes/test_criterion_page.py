"""The page of one criterion: its texts in the reader's language, the same criterion in every release, and its use in
tenders (the organisation's own count beside the national one, which disclosure control may hide)."""

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import KIND_FORMS, ApplicationForm, Criterion
from tests.factories import LotFactory, OrganisationFactory, TenderFactory
from tests.themes.criteria_helpers import SAMPLE_VERSION, load_criteria, sample_json, write_json

pytestmark = pytest.mark.usefixtures("sample_release")

NEXT = "sample-2027"


def _criterion(code: str, version: str = SAMPLE_VERSION) -> Criterion:
    return Criterion.objects.get(product_group__product_group_set__version=version, code=code)


def _url(criterion: Criterion, language: str = "nl") -> str:
    with translation.override(language):
        return reverse("dashboards:criterion", args=[criterion.pk])


def _page(client: Client, criterion: Criterion, language: str = "nl") -> str:
    response = client.get(_url(criterion, language), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _apply(organisation: Organisation, criterion: Criterion, *, year: int = 2025) -> None:
    lot = LotFactory(tender=TenderFactory(organisation=organisation, publication_date=dt.date(year, 3, 1)))
    MVIApplication.objects.create(
        lot=lot,
        criterion=criterion,
        theme=criterion.theme,
        form=ApplicationForm.objects.get(code=KIND_FORMS[criterion.kind]),
        ambition_level=criterion.ambition_level,
    )


def _use_row(html: str, year: int) -> tuple[str, ...]:
    """The cells after the year's header cell in the table of use."""
    section = html.split('id="mvim-criterion-use"', 1)[1]
    row = re.search(rf"<th scope=\"row\"[^>]*>{year}</th>(.*?)</tr>", section, re.S)
    assert row is not None, f"no row for {year}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells)


@pytest.fixture
def reader(logged_in: Callable[[User], Client], make_member: Callable[..., User]) -> tuple[Client, Organisation]:
    organisation = OrganisationFactory(name="Gemeente Lezerdam")
    return logged_in(make_member(Role.LEZER, organisation)), organisation


def test_the_page_shows_the_criterion_in_dutch(reader: tuple[Client, Organisation]) -> None:
    client, _organisation = reader
    criterion = _criterion("KM-B-GE")

    html = _page(client, criterion)

    assert "KM-B-GE Milieumanagement bij de leverancier" in html
    assert "S1001" in html  # the id in the criteria tool
    assert "werkend milieumanagementsysteem" in html  # the text
    assert "Vraag niet om één bepaald certificaat" in html  # the explanation
    assert "Een geldig certificaat" in html  # the verification
    assert "Geschiktheidseis" in html
    assert "Voorbeeldrelease" in html  # the sample warning
    assert "(hoofdthema)" in html
    assert "milieumanagement" in html  # its tag
    assert 'id="mvim-criterion-use-caption"' not in html  # not used in any tender yet: no table of use


def test_the_page_speaks_english_to_an_english_reader(reader: tuple[Client, Organisation]) -> None:
    client, _organisation = reader

    html = _page(client, _criterion("KM-B-GE"), "en")

    assert "Environmental management at the supplier" in html
    assert "The tenderer runs a working environmental management system" in html
    assert "(main theme)" in html
    assert "Suitability requirement" in html
    assert "No tender applies this criterion yet." in html


def test_an_english_reader_gets_the_dutch_text_when_there_is_no_english_one(
    reader: tuple[Client, Organisation],
) -> None:
    client, _organisation = reader
    criterion = _criterion("KM-B-GE")
    Criterion.objects.filter(pk=criterion.pk).update(title_en="", text_en="")

    html = _page(client, criterion, "en")

    assert "Milieumanagement bij de leverancier" in html
    assert "werkend milieumanagementsysteem" in html


def test_an_unknown_criterion_is_404_and_the_page_needs_a_login(reader: tuple[Client, Organisation]) -> None:
    client, _organisation = reader
    missing = (Criterion.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    assert client.get(reverse("dashboards:criterion", args=[missing])).status_code == 404
    client.logout()
    assert client.get(_url(_criterion("KM-B-GE"))).status_code == 302


def test_the_history_shows_the_criterion_in_the_release_before(
    reader: tuple[Client, Organisation], tmp_path: Path
) -> None:
    client, _organisation = reader
    data = sample_json()
    data["release"].update({"version": NEXT, "valid_from": "2027-01-01", "published": "2026-11-20"})
    data["product_groups"][0]["criteria"]["S1001"]["text"] = "De inschrijver werkt met een gecertificeerd systeem."
    load_criteria(str(write_json(tmp_path / "next.json", data)))
    old, new = _criterion("KM-B-GE"), _criterion("KM-B-GE", NEXT)

    html = _page(client, new)

    history = html.split('id="mvim-criterion-history"', 1)[1].split('id="mvim-criterion-use"', 1)[0]
    assert SAMPLE_VERSION in history
    assert NEXT in history
    assert history.index(SAMPLE_VERSION) < history.index(NEXT)  # oldest first
    assert f'href="{_url(old)}"' in history
    assert f'href="{_url(new)}"' not in history  # the version shown is not a link to itself
    assert "Gewijzigd" in history
    assert f'href="{_url(new)}"' in _page(client, old)


def test_use_in_tenders_is_own_beside_national_per_year(reader: tuple[Client, Organisation]) -> None:
    client, organisation = reader
    criterion, rare = _criterion("KM-B-GE"), _criterion("KM-B-EI")
    others = [OrganisationFactory(name=f"Gemeente Ander {n}") for n in range(5)]
    for other in others:
        _apply(other, criterion)
    _apply(organisation, criterion)
    _apply(organisation, criterion)
    _apply(organisation, criterion, year=2024)
    _apply(organisation, rare)

    html = _page(client, criterion)

    assert "Gemeente Lezerdam" in html  # the column of the organisation's own counts
    assert _use_row(html, 2025) == ("2", "7")
    assert not [other.name for other in others if other.name in html]  # counts, never whose tenders they are
    assert _use_row(html, 2024) == ("1", "verborgen")  # one organisation: hidden
    assert _use_row(_page(client, rare), 2025) == ("1", "verborgen")


def test_a_national_analyst_sees_no_own_count(
    logged_in: Callable[[User], Client], make_member: Callable[..., User]
) -> None:
    criterion = _criterion("KM-B-GE")
    for other in [OrganisationFactory() for _ in range(6)]:
        _apply(other, criterion)
    analyst = make_member(Role.LEZER)
    analyst.national_analyst = True
    analyst.save(update_fields=["national_analyst"])

    html = _page(logged_in(analyst), criterion)

    assert _use_row(html, 2025) == ("6",)


def test_the_criteria_list_links_each_code_to_its_page(reader: tuple[Client, Organisation]) -> None:
    client, _organisation = reader
    criterion = Criterion.objects.filter(product_group__product_group_set__version=SAMPLE_VERSION).order_by("pk")[0]

    page = client.get(reverse("themes:criteria")).content.decode()

    assert f'href="{reverse("dashboards:criterion", args=[criterion.pk])}">{criterion.code}</a>' in page
