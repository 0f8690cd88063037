"""Targets: the shipped file loads once with a source per target, a changed target needs a new file version, the
dashboards show each target with the figure and the gap, and an organisation sets its own on the targets page."""

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mvimonitor.dashboards import targets
from mvimonitor.dashboards.kpis import BY_ID
from mvimonitor.dashboards.models import Target, TargetScope
from mvimonitor.dashboards.organisation import organisation_figures
from mvimonitor.dashboards.tables import national_kpi_table, organisation_kpi_table
from mvimonitor.dashboards.target_services import DATA, target_create, targets_load
from mvimonitor.dashboards.vocabulary import NATIONAL, Figure, Reference
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.reference import ReferenceDataError
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
KPI = BY_ID["product-group-high-of-applied"]


@pytest.fixture
def shipped() -> None:
    targets_load()


def test_the_shipped_targets_load_once_each_with_its_source() -> None:
    first = targets_load()
    again = targets_load()

    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    rijk = Target.objects.get(code="rijk-criteria-significant-50")
    assert (rijk.kpi, rijk.value, rijk.scope, rijk.organisation_kind) == (KPI.id, Decimal(50), "kind", "rijk")
    assert rijk.source.startswith("Jaarverslag Bedrijfsvoering Rijk 2022")
    assert rijk.source_year == 2023
    co2 = Target.objects.get(code="national-co2-1-mton-2021")
    assert (co2.value, co2.unit, co2.year_from, co2.year_until) == (Decimal(1), "Mton CO2-eq", 2021, 2021)
    assert "26 485, nr. 315" in co2.source


def test_the_command_loads_quietly_at_verbosity_zero(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_targets", verbosity=0)

    assert capsys.readouterr().out == ""
    assert Target.objects.count() == 2


def _write(tmp_path: Path, change: Callable[[dict[str, object]], None]) -> Path:
    spec = json.loads(DATA.read_text(encoding="utf-8"))
    change(spec)
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def test_a_target_on_an_unknown_kpi_version_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda spec: spec["targets"][1].update(kpi_version=99))  # type: ignore[index]

    with pytest.raises(ReferenceDataError, match=r"targets.json, regel 2, veld kpi"):
        targets_load(path=path)
    assert not Target.objects.exists()


def test_a_changed_target_needs_a_higher_file_version(tmp_path: Path) -> None:
    targets_load()
    changed = _write(tmp_path, lambda spec: spec["targets"][0].update(value="60"))  # type: ignore[index]

    with pytest.raises(ReferenceDataError, match="rijk-criteria-significant-50"):
        targets_load(path=changed)

    def newer(spec: dict[str, object]) -> None:
        spec["targets"][0]["value"] = "60"  # type: ignore[index]
        spec["version"] = 2

    result = targets_load(path=_write(tmp_path, newer))
    assert (result.updated, result.unchanged) == (1, 1)
    rijk = Target.objects.get(code="rijk-criteria-significant-50")
    assert (rijk.value, rijk.data_version, rijk.history.count()) == (Decimal(60), 2, 2)


def test_judging_and_the_gap() -> None:
    target = Target(value=Decimal(50), unit="percent", direction="at_least")

    assert targets.gap(target, Decimal("42.5")) == Decimal("-7.5")
    assert [targets.met(target, v) for v in (Decimal(50), Decimal("49.99"), None)] == [True, False, None]
    with translation.override("en"):
        assert targets.judgement(target, Decimal("42.5"), "Us", 2024) == (
            "Us 2024: 42.5%, 7.5 pp below the target: not met."
        )
        assert targets.judgement(target, None, "Us", 2024) == "Us 2024: no figure, so unknown (no figure)."
    at_most = Target(value=Decimal(10), unit="percent", direction="at_most")
    assert (targets.met(at_most, Decimal(9)), targets.met(at_most, Decimal(11))) == (True, False)


@pytest.fixture
def rijk_figures(make_tender: Callable[..., object], refresh: Callable[[], int]) -> tuple[Organisation, list[Figure]]:
    org = OrganisationFactory(kind="rijk")
    high = [(None, [("milieu", "minimumeis", "significant", None)])]
    basis = [(None, [("milieu", "minimumeis", "basis", None)])]
    make_tender(org, lots=high, product_group=True)
    make_tender(org, lots=basis, product_group=True)
    make_tender(org, lots=basis, product_group=True)
    make_tender(org, lots=[(None, [])], product_group=True)  # in a product group without MVI: outside the base
    refresh()
    return org, organisation_figures(organisation=org, years=[2024])


def test_the_organisation_table_shows_the_kind_target_and_its_own_with_the_gap(
    shipped: None, rijk_figures: tuple[Organisation, list[Figure]]
) -> None:
    org, figures = rijk_figures
    coordinator = MembershipFactory(organisation=org, role=Role.COORDINATOR).user
    target_create(
        user=coordinator,
        organisation=org,
        kpi=KPI.id,
        kpi_version=KPI.version,
        year_from=2024,
        year_until=2024,
        value=Decimal(30),
        direction="at_least",
        name_nl="Eigen doel 2024",
        source="Actieplan MVOI 2024",
        source_year=2024,
    )

    with translation.override("en"):
        table = organisation_kpi_table(
            KPI, figures, [], kind="rijk", year=2024, breakdown=KPI.breakdowns[0], dates=None,
            reference=Reference.load(), organisation_id=org.pk,
        )  # fmt: skip

    rijk_rule, own = table.targets
    assert "at least 50.0%" in rijk_rule
    assert "for Central government (Rijk)" in rijk_rule
    assert rijk_rule.endswith("Your organisation 2024: 33.3%, 16.7 pp below the target: not met.")
    assert own.startswith("Eigen doel 2024 (at least 30.0%, 2024; for ")
    assert own.endswith("Your organisation 2024: 33.3%, 3.3 pp above the target: met.")


def test_another_kind_and_another_year_are_not_judged(
    shipped: None, rijk_figures: tuple[Organisation, list[Figure]]
) -> None:
    _org, figures = rijk_figures
    table = organisation_kpi_table(
        KPI, figures, [], kind="gemeente", year=2024, breakdown=KPI.breakdowns[0], dates=None,
        reference=Reference.load(),
    )  # fmt: skip

    assert table.targets == []


def test_the_national_table_judges_the_national_target_and_hides_nothing_it_should_not(shipped: None) -> None:
    co2 = Target.objects.get(code="national-co2-1-mton-2021")
    Target.objects.create(
        kpi="mvi-share-tenders", kpi_version=1, scope=TargetScope.NATIONAL, year_from=2024, value=Decimal(60),
        unit="percent", name_nl="Landelijk", name_en="National", source="test", source_year=2024,
    )  # fmt: skip
    shown = Figure("mvi-share-tenders", 1, "all", 2024, "all", "all", NATIONAL, 55, 100, Decimal(55))
    hidden = Figure("mvi-share-tenders", 1, "all", 2024, "all", "all", NATIONAL, None, None, None, "dominance")

    with translation.override("en"):
        reference = Reference.load()
        kpi = BY_ID["mvi-share-tenders"]
        (line,) = national_kpi_table(
            kpi, [shown], year=2024, breakdown=kpi.breakdowns[0], geos=[NATIONAL], reference=reference
        ).targets
        (secret,) = national_kpi_table(
            kpi, [hidden], year=2024, breakdown=kpi.breakdowns[0], geos=[NATIONAL], reference=reference
        ).targets

    assert line.endswith("The Netherlands 2024: 55.0%, 5.0 pp below the target: not met.")
    assert secret.endswith("The Netherlands 2024: no figure, so unknown (no figure).")
    assert targets.subject(co2.kpi, co2.kpi_version) is not None
    assert co2.kpi not in BY_ID  # the CO2 ambition has no yearly figure in the catalogue: listed, never judged


# --- the targets page ---------------------------------------------------------------------------------------------


def _member(role: str, organisation: Organisation | None = None) -> User:
    user: User = MembershipFactory(organisation=organisation or OrganisationFactory(), role=role).user
    return user


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "kpi": "sme-suitable",
        "year_from": "2025",
        "year_until": "",
        "direction": "at_least",
        "value": "30",
        "name_nl": "MKB-vriendelijk inkopen",
        "source": "Actieplan MVOI 2025",
        "source_year": "2025",
    }
    return data | overrides


def test_a_coordinator_adds_and_removes_an_own_target(
    shipped: None, client: Client, logged_in: Callable[[User], Client]
) -> None:
    coordinator = _member(Role.COORDINATOR)
    browser = logged_in(coordinator)

    response = browser.post(reverse("dashboards:targets"), _form())
    target = Target.objects.get(scope=TargetScope.ORGANISATION)
    page = browser.get(reverse("dashboards:targets"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert response.status_code == 302
    assert (target.kpi, target.kpi_version, target.unit, target.created_by) == (
        "sme-suitable",
        1,
        "percent",
        coordinator,
    )
    assert "MKB-vriendelijk inkopen" in page
    assert "Rijksnorm" in page
    assert "Kabinetsambitie" in page
    assert browser.post(reverse("dashboards:target-delete", args=[target.pk])).status_code == 302
    assert not Target.objects.filter(scope=TargetScope.ORGANISATION).exists()


def test_a_target_without_a_source_or_with_years_reversed_is_refused(logged_in: Callable[[User], Client]) -> None:
    browser = logged_in(_member(Role.BEHEERDER))

    missing = browser.post(reverse("dashboards:targets"), _form(source=""))
    reversed_years = browser.post(reverse("dashboards:targets"), _form(year_from="2026", year_until="2025"))

    assert (missing.status_code, reversed_years.status_code) == (400, 400)
    assert not Target.objects.exists()


def test_a_buyer_sees_the_targets_but_may_not_set_or_remove_them(logged_in: Callable[[User], Client]) -> None:
    org = OrganisationFactory()
    own = Target.objects.create(
        kpi="sme-suitable", kpi_version=1, scope=TargetScope.ORGANISATION, organisation=org, value=Decimal(30),
        unit="percent", name_nl="Eigen doel", source="Actieplan", source_year=2025,
    )  # fmt: skip
    browser = logged_in(_member(Role.INKOPER, org))

    page = browser.get(reverse("dashboards:targets"))

    assert page.status_code == 200
    assert "Eigen doel" in page.content.decode()
    assert browser.post(reverse("dashboards:targets"), _form()).status_code == 403
    assert browser.post(reverse("dashboards:target-delete", args=[own.pk])).status_code == 403
    assert Target.objects.filter(pk=own.pk).exists()


def test_another_organisations_target_is_neither_shown_nor_removable(logged_in: Callable[[User], Client]) -> None:
    other = Target.objects.create(
        kpi="sme-suitable", kpi_version=1, scope=TargetScope.ORGANISATION, organisation=OrganisationFactory(),
        value=Decimal(30), unit="percent", name_nl="Geheim doel", source="Actieplan", source_year=2025,
    )  # fmt: skip
    browser = logged_in(_member(Role.BEHEERDER))

    assert "Geheim doel" not in browser.get(reverse("dashboards:targets")).content.decode()
    assert browser.post(reverse("dashboards:target-delete", args=[other.pk])).status_code == 404


# --- the API ------------------------------------------------------------------------------------------------------


def test_kpi_values_carry_the_targets_with_the_gap(
    shipped: None, client: Client, logged_in: Callable[[User], Client], rijk_figures: tuple[Organisation, list[Figure]]
) -> None:
    org, _figures = rijk_figures
    other = Target.objects.create(
        kpi=KPI.id, kpi_version=1, scope=TargetScope.ORGANISATION, organisation=OrganisationFactory(kind="rijk"),
        value=Decimal(90), unit="percent", name_nl="Doel van een ander", source="Actieplan", source_year=2024,
    )  # fmt: skip
    browser = logged_in(_member(Role.LEZER, org))

    own = browser.get(
        "/api/v1/kpi-values", {"scope": "organisation", "organisation": org.pk, "year": 2024, "kpi": KPI.id}
    ).json()["results"]
    national = client.get("/api/v1/kpi-values", {"year": 2024, "kpi": KPI.id}).json()["results"]

    (figure,) = own
    (rule,) = figure["targets"]
    assert (rule["scope"], rule["organisationKind"], rule["value"], rule["unit"]) == ("kind", "rijk", 50.0, "percent")
    assert (rule["gap"], rule["met"], rule["sourceYear"]) == (-16.67, False, 2023)
    assert rule["source"].startswith("Jaarverslag")
    assert other.name_nl not in str(own)
    (hidden,) = national
    assert hidden["targets"] == []  # a kind's target is not held against the national figure


def test_a_kpi_version_that_is_no_number_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda spec: spec["targets"][0].update(kpi_version="een"))  # type: ignore[index]

    with pytest.raises(ReferenceDataError, match=r"regel 1, veld kpi_version"):
        targets_load(path=path)
