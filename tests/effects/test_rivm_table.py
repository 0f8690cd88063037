"""The RIVM-style national table: per RIVM period and product group, the national estimate under disclosure control
with RIVM's published results beside it; its loader, downloads, API and access.

The world (built once for the module), 15 municipalities, every contract €1,000,000, all of one size class; the
factor values of `test_factors.json`: 374 − 127 = 247 g CO2-eq avoided per kWh of green power.

- "Energie" (A): organisations 1–6 promise 100,000 kWh each over 1 Jan 2024 – 31 Dec 2025 (731 days: 366 in 2024,
  a leap year, and 365 in 2025): 24.7 t each. Organisation 7 has a contract in A and no commitment.
- "Vervoer" (B): organisations 8–12 promise 200,000 kWh each over the same period: 49.4 t each.
- No product group (C): organisations 13–14 promise 100,000 kWh each over 1 Jan – 31 Dec 2024: 24.7 t each.
- Organisation 15 has no contract at all.

Split per year, and a period = the sum of its years (nothing reaches 2023 or 2026):

| Cell | observed | estimate |
| --- | --- | --- |
| A 2023–2024 | 6 × 24.7 × 366/731 = 74.20137 t | hidden (see below) |
| B 2023–2024 | 5 × 49.4 × 366/731 = 123.66895 t | = observed: every B contract reports |
| C 2023–2024 | 2 × 24.7 = 49.4 t | hidden: 2 organisations (fewer than 5) |
| total 2023–2024 | 74.20137 + 123.66895 + 49.4 = 247.27031 t | × 14/13 = 266.29111 t (13 reporters, 14 × €1 M) |
| A 2025–2026 | 6 × 24.7 × 365/731 = 73.99863 t | × 7/6 = 86.33174 t (6 of the 7 contracts in A report) |
| B 2025–2026 | 5 × 49.4 × 365/731 = 123.33105 t | = observed |
| total 2025–2026 | 73.99863 + 123.33105 = 197.32969 t | × 14/13 = 212.50889 t |

A 2023–2024 is hidden because C is: with the total and B shown, C would be the total minus A minus B; the smaller of
A and B (A) is hidden with it, and A + C (8 organisations) passes the rules.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from mvimonitor.effects import recalculation, rivm, services
from mvimonitor.effects.loaders import factor_sets_json_load
from mvimonitor.effects.published import PublishedEffectResult
from mvimonitor.effects.published_loader import published_results_load
from mvimonitor.organisations.models import Role, User
from mvimonitor.reference import ReferenceDataError
from mvimonitor.themes.models import Theme
from tests.effects.conftest import TEST_FACTORS
from tests.factories import (
    ContractFactory,
    LotFactory,
    MembershipFactory,
    OrganisationFactory,
    ProductGroupFactory,
    TenderFactory,
    UserFactory,
)

MT = 1e-6  # tonnes → Mt
DAYS_2024_2025 = 731
HEADER = "period,product_groups,indicator,value,unit,basis,source_title,source_url,source_year,confidence,note\n"
ROW_GHG = (
    '2021-2022,,ghg_reduction,900,kt CO2-eq (at least),"vs the usual option",RIVM rapport 2024-0202,'
    "https://www.rivm.nl/publicaties/example,2025,high,\n"
)
ROW_SR = "2023-2024,16,sr_work,2603,FTE per year,,Test source,https://example.org/sr,c. 2023,medium,a note\n"


def _organisation(name: str, group: Any, start: dt.date, end: dt.date, kwh: int | None) -> User:
    organisation = OrganisationFactory(name=name)
    lot = LotFactory(tender=TenderFactory(organisation=organisation, product_group=group))
    contract = ContractFactory(lot=lot, value=Decimal("1000000.00"), start_date=start, end_date=end)
    manager: User = MembershipFactory(organisation=organisation, role=Role.CONTRACTMANAGER).user
    if kwh is not None:
        services.commitment_create(
            user=manager, contract=contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
            description="stroom", quantity=Decimal(kwh), unit="kWh", factor_code="green-power-government-average",
            reference_factor_code="electricity-nl-mix-2021",
        )  # fmt: skip
    return manager


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock(), translation.override("en"):
        call_command("load_reference", "--without-cpv-list", "--without-sample-criteria", verbosity=0)
        call_command("load_effects_reference", verbosity=0)
        factor_sets_json_load(TEST_FACTORS)
        energy = ProductGroupFactory(name_nl="Energie", name_en="Energy")
        transport = ProductGroupFactory(name_nl="Vervoer", name_en="Transport")
        two_years = (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
        managers = [_organisation(f"Gemeente A{i}", energy, *two_years, 100_000) for i in range(1, 7)]
        _organisation("Gemeente A7 zonder toezegging", energy, *two_years, None)
        managers += [_organisation(f"Gemeente B{i}", transport, *two_years, 200_000) for i in range(8, 13)]
        managers += [
            _organisation(f"Gemeente C{i}", None, dt.date(2024, 1, 1), dt.date(2024, 12, 31), 100_000)
            for i in (13, 14)
        ]
        OrganisationFactory(name="Gemeente 15 zonder contract")
        recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))
        table = rivm.rivm_table(draws=200)
        yield {"table": table, "reader": managers[0], "energy": energy.pk, "transport": transport.pk}
        call_command("flush", interactive=False, verbosity=0)


def _row(table: rivm.RivmTable, label: str, name: str) -> rivm.RivmRow:
    period = next(p for p in table.periods if p.label == label)
    return next(row for row in period.rows if row.name == name)


def test_the_columns_are_declared_and_unknown_keys_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [column.key for column in rivm.declared_columns()]

    assert keys == [
        "co2ExAnteTonnes", "co2ExPostTonnes", "socialReturnFteYears", "noxExAnte", "pm10ExAnte", "pm25ExAnte",
        "rawMaterialsExAnte", "waterExAnte",
    ]  # fmt: skip
    assert rivm.declared_columns()[0].unit == "Mt CO2-eq"
    monkeypatch.setattr(rivm, "RIVM_COLUMNS", [*rivm.RIVM_COLUMNS, ("oilEquivalentsExAnte", "t", 1.0)])
    assert "oilEquivalentsExAnte" not in [column.key for column in rivm.declared_columns()]  # declared, no figure


@pytest.mark.django_db
def test_hand_worked_figures_per_period_and_product_group(world: dict[str, Any]) -> None:
    table = world["table"]
    assert [p.label for p in table.periods] == ["2023–2024", "2025–2026"]  # no published results in this test
    assert (table.reporting, table.population) == (13, 15)
    co2 = 0  # the first column, ex ante

    a = _row(table, "2025–2026", "Energy").cells[co2]
    assert a.value == pytest.approx(6 * 24.7 * 365 / DAYS_2024_2025 * 7 / 6 * MT)  # 86.33174 t
    assert (a.commitments, a.organisations, a.suppressed) == (6, 6, None)
    assert a.low is not None
    assert a.high is not None
    assert a.low <= a.value <= a.high
    b = _row(table, "2025–2026", "Transport").cells[co2]
    assert b.value == pytest.approx(5 * 49.4 * 365 / DAYS_2024_2025 * MT)  # 123.33105 t
    total = _row(table, "2025–2026", "Total").cells[co2]
    assert total.value == pytest.approx((6 * 24.7 + 5 * 49.4) * 365 / DAYS_2024_2025 * 14 / 13 * MT)  # 212.50889 t
    assert (total.commitments, total.organisations) == (11, 11)
    assert [row.name for row in table.periods[1].rows] == ["Energy", "Transport", "Total"]  # C ends in 2024

    b_first = _row(table, "2023–2024", "Transport").cells[co2]
    assert b_first.value == pytest.approx(5 * 49.4 * 366 / DAYS_2024_2025 * MT)  # 123.66895 t
    first_total = _row(table, "2023–2024", "Total").cells[co2]
    observed = (6 * 24.7 + 5 * 49.4) * 366 / DAYS_2024_2025 + 2 * 24.7  # 247.27031 t
    assert first_total.value == pytest.approx(observed * 14 / 13 * MT)  # 266.29111 t
    assert (first_total.commitments, first_total.organisations) == (13, 13)
    # ex post: nothing verified, so nothing to show and nothing hidden
    ex_post = _row(table, "2023–2024", "Total").cells[1]
    assert (ex_post.value, ex_post.suppressed) == (None, None)


@pytest.mark.django_db
def test_a_small_cell_is_hidden_and_so_is_one_that_would_give_it_away(world: dict[str, Any]) -> None:
    table = world["table"]

    c = _row(table, "2023–2024", "No product group").cells[0]
    a = _row(table, "2023–2024", "Energy").cells[0]

    assert (c.value, c.commitments, c.suppressed) == (None, None, "too_few_organisations")
    assert (a.value, a.suppressed) == (None, "secondary")
    with translation.override("en"):
        assert rivm.reason_text(c.suppressed) == "too few organisations"


@pytest.mark.django_db
def test_the_total_row_is_the_national_pages_rivm_period(world: dict[str, Any]) -> None:
    from mvimonitor.effects import selectors

    summary = selectors.national_summary(draws=200)
    column = summary.period_keys.index("co2ExAnteTonnes")
    national = {row.label: row.cells[column].value for row in summary.periods if row.is_period}

    for period in world["table"].periods:
        total = next(row for row in period.rows if row.is_total).cells[0]
        assert total.value == pytest.approx(national[period.label] * MT)


def test_charts_draw_the_co2_totals_with_their_intervals(world: dict[str, Any]) -> None:
    from mvimonitor.effects import rivm_output

    charts = rivm_output.charts(world["table"])

    assert [chart.id for chart in charts] == ["rivm-chart-co2ExAnteTonnes"]  # ex post has no shown total
    values = charts[0].spec["data"]["values"]
    assert [v["period"] for v in values] == ["2023–2024", "2025–2026"]
    assert values[1]["value"] == pytest.approx(212.50889 * MT, rel=1e-6)
    assert [layer["mark"]["type"] for layer in charts[0].spec["layer"]] == ["bar", "rule"]


# --- page, downloads, API, access -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_and_downloads_for_a_member_and_a_national_analyst(world: dict[str, Any]) -> None:
    analyst = UserFactory(national_analyst=True)
    url = reverse("effects:national-rivm")
    for user in (world["reader"], analyst):
        client = Client()
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "RIVM period 2025–2026" in html
        assert "No product group" in html
        assert "Not shown: too few organisations." in html
        assert "Gemeente B8" not in html
        assert "Gemeente C13" not in html
        assert 'data-mvim-chart="rivm-chart-co2ExAnteTonnes-spec"' in html

    text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    energy = next(line for line in lines if line[:2] == ["2025–2026", "Energy"])
    assert float(energy[2].replace(",", ".")) == pytest.approx(86.33174 * MT, rel=1e-6)
    assert energy[5:7] == ["6", "6"]
    hidden = next(line for line in lines if line[:2] == ["2023–2024", "No product group"])
    assert hidden[2] == ""
    assert hidden[7] == "too few organisations"

    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    total = next(row for row in rows if row[:2] == ["2025–2026", "Total"])
    assert total[2] == pytest.approx(212.50889 * MT, rel=1e-6)
    assert any(row[0] == "RIVM published (context, other method and scope)" for row in rows)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(world: dict[str, Any]) -> None:
    page = Client().get(reverse("effects:national-rivm"))
    api = APIClient().get("/api/v1/effect-tables/rivm")

    assert page.status_code == 302
    assert "login" in page["Location"]
    assert api.status_code == 401


@pytest.mark.django_db
def test_api_gives_the_same_table_in_camel_case(world: dict[str, Any]) -> None:
    client = APIClient()
    client.force_authenticate(world["reader"])

    body = client.get("/api/v1/effect-tables/rivm", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [c["key"] for c in body["columns"]][:3] == ["co2ExAnteTonnes", "co2ExPostTonnes", "socialReturnFteYears"]
    later = body["periods"][1]
    assert (later["start"], later["end"]) == (2025, 2026)
    energy = next(row for row in later["rows"] if row["productGroup"] == world["energy"])
    assert energy["cells"][0]["value"] == pytest.approx(86.33174 * MT, rel=1e-6)
    assert later["rows"][-1]["isTotal"] is True
    hidden = next(row for row in body["periods"][0]["rows"] if row["productGroup"] is None and not row["isTotal"])
    assert hidden["cells"][0]["suppressed"] == "too_few_organisations"
    assert (
        hidden["cells"][0]["suppressedReason"] == "te weinig organisaties"
    )  # the API speaks the application's language (ADR 0003)
    assert later["published"] == []


# --- the published results and their loader -------------------------------------------------------------------------


@pytest.mark.django_db
def test_published_results_load_once_and_show_beside_the_table(world: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "rivm.csv"
    path.write_text(HEADER + ROW_GHG + ROW_SR, encoding="utf-8")

    first = published_results_load(path)
    again = published_results_load(path)

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    ghg = PublishedEffectResult.objects.get(indicator="ghg_reduction")
    assert (ghg.period_start, ghg.period_end, ghg.value, ghg.confidence) == (2021, 2022, Decimal(900), "high")
    table = rivm.rivm_table(draws=20)
    assert [p.label for p in table.periods] == ["2021–2022", "2023–2024", "2025–2026"]
    assert table.periods[0].rows == []  # RIVM's period only: no figures of ours
    assert [r.indicator for r in table.periods[1].published] == ["sr_work"]
    ours = next(row for row in table.periods[1].rows if row.is_total).cells[0].value
    assert ours == pytest.approx(266.29111 * MT, rel=1e-6)  # unchanged by the published results
    client = Client()
    client.force_login(world["reader"])
    html = client.get(reverse("effects:national-rivm")).content.decode()
    assert 'href="https://example.org/sr"' in html
    assert "2,603" in html
    assert "FTE per year" in html


@pytest.mark.django_db
def test_a_bad_row_names_line_and_column_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rivm.csv"
    path.write_text(HEADER + ROW_GHG + ROW_SR.replace(",2603,", ",2.603,5,"), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="line 3"):
        published_results_load(path)

    path.write_text(HEADER + ROW_GHG + ROW_SR.replace(",2603,", ",lots,"), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"line 3, field “value”: “lots” is not a number"):
        published_results_load(path)

    path.write_text(HEADER + ROW_GHG + ROW_SR.replace(",medium,", ",sure,"), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"line 3, field “confidence”"):
        published_results_load(path)

    path.write_text(HEADER.replace(",confidence", "") + ROW_GHG, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"line 1, field “confidence”: the column is missing"):
        published_results_load(path)

    assert not PublishedEffectResult.objects.exists()


@pytest.mark.django_db
def test_the_command_loads_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "rivm.csv"
    path.write_text(HEADER + ROW_GHG, encoding="utf-8")
    out = io.StringIO()

    call_command("load_rivm_results", str(path), stdout=out)
    call_command("load_rivm_results", str(path), stdout=out)

    assert "1 created" in out.getvalue()
    assert "nothing changed" in out.getvalue()
    path.write_text(HEADER + ROW_GHG.replace("2021-2022", "2022-2021"), encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="line 2, field “period”"):
        call_command("load_rivm_results", str(path), stdout=out)
    assert PublishedEffectResult.objects.count() == 1
