"""Dashboard pages, exports and the KPI API: access, bad input, query counts."""

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from mvimonitor import exports
from mvimonitor.dashboards.models import SpendTotal
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.organisations.selectors import SESSION_KEY
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG = "/monitoring/organisation/"
NATIONAL = "/monitoring/national/"
VALUES = "/api/v1/kpi-values"


@pytest.fixture
def two_orgs(make_tender: Callable[..., object], refresh: Callable[[], int]) -> tuple[Organisation, Organisation]:
    a = OrganisationFactory(name="Gemeente Alfa", kind="gemeente", province="UT")
    b = OrganisationFactory(name="Gemeente Bravo-geheim", kind="gemeente", province="UT")
    make_tender(a, value="100000", lots=[(None, [("sroi", "contractbepaling", "basis", None)])])
    make_tender(a, value="300000")
    for _ in range(3):
        make_tender(b, value="777777", lots=[(None, [("milieu", "minimumeis", None, None)])])
    refresh()
    return a, b


def member(organisation: Organisation, role: str = Role.LEZER) -> User:
    return MembershipFactory(organisation=organisation, role=role).user  # type: ignore[no-any-return]


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- the organisation dashboard ---------------------------------------------------------------------------------


def test_dashboard_shows_own_figures_with_links_to_tenders_and_definitions(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a))

    html = client.get(ORG, {"year": 2024}).content.decode()

    assert "Gemeente Alfa" in html
    assert "/tenders/?year=2024&amp;mvi=yes" in html  # the 1 tender with MVI
    assert "/monitoring/kpis/#kpi-mvi-share-tenders" in html
    assert "50,0%" in html or "50.0%" in html  # 1 of 2 tenders


def test_cached_dashboard_follows_new_facts_and_years(
    client: Client,
    two_orgs: tuple[Organisation, Organisation],
    make_tender: Callable[..., object],
    refresh: Callable[[], int],
) -> None:
    # The rendered tables and the organisation's years are cached per facts version: a refresh must show new data.
    a, _b = two_orgs
    login(client, member(a))
    before = client.get(ORG, {"year": 2024}).content.decode()
    assert "50,0%" in before or "50.0%" in before  # 1 of 2 tenders with MVI
    assert ">2023<" not in before

    make_tender(a, value="200000", lots=[(None, [("milieu", "minimumeis", None, None)])])
    make_tender(a, value="1000", published=dt.date(2023, 3, 1))
    refresh()
    after = client.get(ORG, {"year": 2024}).content.decode()

    assert "66,7%" in after or "66.7%" in after  # now 2 of 3
    assert ">2023<" in after  # the new year is offered in the filter


def test_member_of_a_cannot_see_b_by_setting_the_session(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, b = two_orgs
    login(client, member(a))
    session = client.session
    session[SESSION_KEY] = b.pk
    session.save()

    html = client.get(ORG, {"year": 2024}).content.decode()
    export = client.get(ORG, {"year": 2024, "export": "org-mvi-share-value", "format": "csv"}).content.decode()

    assert "Bravo-geheim" not in html
    assert "2333331" not in export.replace(".", "")  # B's value total (3 x 777,777)
    assert "Gemeente Alfa" in html


def test_dashboard_needs_a_login(client: Client) -> None:
    response = client.get(ORG)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_national_analyst_gets_no_organisation_dashboard(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    analyst = member(a)
    analyst.national_analyst = True
    analyst.save()
    login(client, analyst)

    response = client.get(ORG)

    assert response.status_code == 302
    assert response["Location"] == "/monitoring/national/"
    assert "Gemeente Alfa" not in response.content.decode()


def test_bad_filters_give_a_message_naming_the_field_not_an_error(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a))

    response = client.get(ORG, {"year": "1850", "period": "q9", "breakdown": "colour"})

    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Jaar", "Periode", "Uitsplitsing"):
        assert f"“{label}”" in html, label


def _table_part(csv_text: str) -> list[str]:
    """The lines of a Dutch CSV export after its description (which ends with the first empty line)."""
    lines = csv_text.splitlines()
    return lines[lines.index("") + 1 :]


def test_export_csv_and_xlsx_have_the_table_numbers(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a))

    csv_text = client.get(ORG, {"year": 2024, "export": "org-mvi-share-tenders", "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    xlsx = client.get(ORG, {"year": 2024, "export": "org-mvi-share-tenders", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active

    assert _table_part(csv_text)[1].split(";")[1:4] == ["1", "2", "50"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if all(value is None for value in row)) + 1
    assert list(rows[header + 1][1:4]) == [1, 2, 50]
    assert sheet.cell(row=header + 2, column=2).number_format == "#,##0"


def test_every_export_names_its_kpi_version_filters_and_organisation(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a))
    query = {"year": 2024, "export": "org-mvi-share-tenders"}

    dutch = client.get(ORG, {**query, "format": "csv"}).content.decode("utf-8-sig")
    machine = client.get(ORG, {**query, "format": "csv-rfc4180"})
    sheet = load_workbook(io.BytesIO(client.get(ORG, {**query, "format": "xlsx"}).content)).active

    description = dutch.splitlines()[: dutch.splitlines().index("")]
    assert f"organisatie;{a.name}" in description
    assert any(line.startswith("KPI;mvi-share-tenders versie ") for line in description)
    assert "filter “year”;2024" in description
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "KPI" in labels
    assert "filter “year”" in labels
    machine_text = machine.content.decode("utf-8")
    assert not machine_text.startswith("\ufeff")
    header, first = list(csv.reader(io.StringIO(machine_text)))[:2]
    assert header[-2:] == ["about", "filters"]
    assert "mvi-share-tenders" in first[-2]
    assert "year=2024" in first[-1]
    assert "\r\n" in machine_text


def test_dutch_csv_writes_a_decimal_comma_and_the_machine_csv_a_point() -> None:
    rows = [["kpi", "value"], ["share", Decimal("12.5")], ["count", Decimal("3")]]

    dutch = exports.rows_response("csv", rows, "x", sheet_title="x").content.decode("utf-8-sig")
    machine = exports.rows_response("csv-rfc4180", rows, "x", sheet_title="x").content.decode("utf-8")

    assert dutch.splitlines()[1:] == ["share;12,5", "count;3"]
    assert machine.splitlines()[1:] == ["share,12.5,,", "count,3,,"]


def test_an_unknown_export_format_is_refused_naming_the_formats(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a))

    response = client.get(ORG, {"year": 2024, "export": "org-mvi-share-tenders", "format": "ods"})

    assert response.status_code == 400
    assert "csv-rfc4180" in response.content.decode()


def test_unknown_export_table_is_a_404(client: Client, two_orgs: tuple[Organisation, Organisation]) -> None:
    a, _b = two_orgs
    login(client, member(a))

    assert client.get(ORG, {"export": "org-nothing"}).status_code == 404
    assert client.get(ORG, {"export": "org-mvi-share-tenders", "format": "pdf"}).status_code == 400


def test_dashboard_query_count_does_not_grow_with_the_data(
    client: Client,
    make_tender: Callable[..., object],
    refresh: Callable[[], int],
    django_assert_num_queries: Callable[[int], object],
    settings: object,
) -> None:
    settings.MVIMONITOR_SESSION_REFRESH_SECONDS = 0  # type: ignore[attr-defined]  # the session is saved every time
    organisation = OrganisationFactory(kind="gemeente")
    user = member(organisation)
    make_tender(organisation, value="1000", lots=[(None, [("sroi", "minimumeis", None, None)])])
    # a second year, so that the trend is computed here too (a trend of one year reads that year's figures)
    make_tender(organisation, value="900", published=dt.date(2023, 3, 1))
    refresh()
    login(client, user)
    with CaptureQueriesContext(connection) as small:
        client.get(ORG, {"year": 2024})
    for number in range(20):
        other = OrganisationFactory(kind="gemeente")
        make_tender(organisation, value=str(1000 + number), published=dt.date(2020 + number % 5, 1, 2))
        make_tender(other, value="5", lots=[(None, [("milieu", "minimumeis", None, None)])])
    refresh()

    with django_assert_num_queries(len(small)):  # type: ignore[operator]
        client.get(ORG, {"year": 2024})


def test_national_page_query_count_is_fixed(
    client: Client, two_orgs: tuple[Organisation, Organisation], django_assert_num_queries: Callable[[int], object]
) -> None:
    client.get(NATIONAL)  # fills the cache

    # the facts version (asked once); years, figures, the filter form and rendered tables come from the cache
    with django_assert_num_queries(1):  # type: ignore[operator]
        client.get(NATIONAL)


# --- spend totals -----------------------------------------------------------------------------------------------


def test_coordinator_enters_a_spend_total(client: Client, two_orgs: tuple[Organisation, Organisation]) -> None:
    a, _b = two_orgs
    login(client, member(a, Role.COORDINATOR))

    response = client.post(
        "/monitoring/organisation/spend-totals/", {"year": 2024, "amount": "400000", "source_note": "spend analysis"}
    )

    assert response.status_code == 302
    assert SpendTotal.objects.get(organisation=a, year=2024).amount == Decimal(400000)


def test_reader_cannot_enter_a_spend_total(client: Client, two_orgs: tuple[Organisation, Organisation]) -> None:
    a, _b = two_orgs
    login(client, member(a, Role.LEZER))

    response = client.post("/monitoring/organisation/spend-totals/", {"year": 2024, "amount": "1", "source_note": "x"})

    assert response.status_code == 403
    assert not SpendTotal.objects.exists()


def test_impossible_spend_total_gets_field_messages(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a, Role.BEHEERDER))

    response = client.post("/monitoring/organisation/spend-totals/", {"year": 1200, "amount": "-5", "source_note": ""})

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"year", "amount", "source_note"}
    assert not SpendTotal.objects.exists()


# --- national page ----------------------------------------------------------------------------------------------


def test_national_page_is_public_and_names_no_organisation(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    html = client.get(NATIONAL).content.decode()

    assert "Alfa" not in html
    assert "Bravo" not in html
    assert "niet getoond" in html  # two organisations: below k


def test_only_analysts_can_split_by_kind(client: Client, two_orgs: tuple[Organisation, Organisation]) -> None:
    public = client.get(NATIONAL, {"geo": "kind"}).content.decode()
    analyst = UserFactory(national_analyst=True)
    login(client, analyst)

    split = client.get(NATIONAL, {"geo": "kind"}).content.decode()

    assert "Waterschap" not in public
    assert "Waterschap" in split


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_catalogue_is_public(client: Client) -> None:
    body = client.get("/api/v1/kpis").json()

    assert {"mvi-share-tenders", "coverage"} <= {kpi["id"] for kpi in body["results"]}


def test_api_national_values_are_suppressed_below_k(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    body = client.get(VALUES, {"kpi": "mvi-share-tenders", "year": 2024}).json()

    (value,) = body["results"]
    assert value["value"] is None
    assert value["suppressed"] == "too_few_organisations"


def test_api_member_of_a_gets_403_for_b(client: Client, two_orgs: tuple[Organisation, Organisation]) -> None:
    a, b = two_orgs
    login(client, member(a))

    own = client.get(VALUES, {"scope": "organisation", "organisation": a.pk, "year": 2024, "kpi": "mvi-share-tenders"})
    other = client.get(VALUES, {"scope": "organisation", "organisation": b.pk, "year": 2024})

    assert own.status_code == 200
    assert own.json()["results"][0]["value"] == 50.0
    assert other.status_code == 403
    assert other["Content-Type"] == "application/problem+json"
    assert "777777" not in other.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kpi": "nonsense"}, "kpi"),
        ({"year": "1800"}, "year"),
        ({"year": "next"}, "year"),
        ({"breakdown": "colour"}, "breakdown"),
        ({"period": "q2"}, "period"),  # national figures are per calendar year only
        ({"scope": "organisation"}, "organisation"),
        ({"scope": "organisation", "organisation": "1", "period": "q5"}, "period"),
    ],
)
def test_api_bad_filters_are_problem_json_naming_the_field(
    client: Client, two_orgs: tuple[Organisation, Organisation], query: dict[str, str], field: str
) -> None:
    response = client.get(VALUES, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in {param["name"] for param in response.json()["invalidParams"]}


def test_api_split_by_kind_is_for_analysts_only(client: Client, two_orgs: tuple[Organisation, Organisation]) -> None:
    login(client, member(two_orgs[0]))

    response = client.get(VALUES, {"geo": "kind"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_cached_filter_form_shows_the_chosen_values_and_never_hides_errors(
    client: Client, two_orgs: tuple[Organisation, Organisation], make_tender: Callable[..., object]
) -> None:
    a, _b = two_orgs
    make_tender(a, value="1000", published=dt.date(2023, 3, 1))
    from mvimonitor.dashboards.services import facts_refresh

    facts_refresh()
    login(client, member(a))
    for _round in range(2):  # the second round is served from the cache
        html_2024 = client.get(ORG, {"year": 2024}).content.decode()
        html_2023 = client.get(ORG, {"year": 2023}).content.decode()
        assert '<option value="2024" selected>' in html_2024
        assert '<option value="2023" selected>' in html_2023
        assert '<option value="2024" selected>' not in html_2023
        bad = client.get(ORG, {"year": 2024, "breakdown": "nonsense"}).content.decode()
        assert "utrecht-form-field--invalid" in bad


def test_the_side_navigation_lists_every_table_without_a_script(
    client: Client, two_orgs: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_orgs
    login(client, member(a))

    html = client.get(ORG, {"year": 2024}).content.decode()
    nav = html[html.index('class="mvim-sidenav"') : html.index("</nav>", html.index('class="mvim-sidenav"'))]

    assert 'href="#mvim-filter-heading"' in nav
    assert 'href="#org-mvi-share-tenders-heading"' in nav
    assert " hidden>" not in nav.split(">")[0] + ">"
    for anchor in nav.split('href="#')[1:]:
        assert f'id="{anchor.split(chr(34))[0]}"' in html  # every link leads to a heading on the page
