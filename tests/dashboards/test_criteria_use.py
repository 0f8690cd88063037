"""Use of the catalogue's criteria: counted in tenders, own beside national, national under disclosure control."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.utils import translation

from mvimonitor.dashboards.criteria_use import criteria_use
from mvimonitor.organisations.models import Organisation, Role, User
from mvimonitor.tenders.models import MVIApplication
from mvimonitor.themes.models import KIND_FORMS, ApplicationForm, Criterion
from tests.factories import LotFactory, MembershipFactory, OrganisationFactory, TenderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sample_release")]


def _apply(organisation: Organisation, *criteria: Criterion, withdrawn: bool = False) -> None:
    tender = TenderFactory(
        organisation=organisation,
        publication_date=dt.date(2025, 3, 1),
        withdrawn_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC) if withdrawn else None,
        withdrawal_reason="Ingetrokken" if withdrawn else "",
    )
    lot = LotFactory(tender=tender)
    for criterion in criteria:
        MVIApplication.objects.create(
            lot=lot,
            criterion=criterion,
            theme=criterion.theme,
            form=ApplicationForm.objects.get(code=KIND_FORMS[criterion.kind]),
            ambition_level=criterion.ambition_level,
        )


@pytest.fixture
def world(reference_data: None) -> tuple[list[Organisation], Criterion, Criterion]:
    basis = Criterion.objects.get(code="KM-B-GE")
    other = Criterion.objects.get(code="KM-B-EI")
    organisations = [OrganisationFactory() for _ in range(6)]
    for organisation in organisations:
        _apply(organisation, basis)
    _apply(organisations[0], other, basis)  # the first applies both, in one tender: it counts once per figure
    _apply(organisations[1], other, withdrawn=True)  # withdrawn: does not count
    return organisations, basis, other


def test_counts_are_tenders_own_beside_national_with_small_counts_hidden(
    world: tuple[list[Organisation], Criterion, Criterion],
) -> None:
    organisations, _basis, _other = world

    use = criteria_use(year=2025, organisation_id=organisations[0].pk)

    rows = {row.criterion.code: row for row in use.criteria}
    assert (rows["KM-B-GE"].figure.own, rows["KM-B-GE"].figure.national) == (2, 7)
    assert (rows["KM-B-EI"].figure.own, rows["KM-B-EI"].figure.national) == (1, None)
    assert rows["KM-B-EI"].figure.hidden == "too_few_organisations"
    assert (rows["KM-B-GE"].group.own, rows["KM-B-GE"].group.national) == (2, 7)
    combination = {(row.product_group.code, row.level, row.kind): row.figure for row in use.combinations}
    assert combination["kantoormeubilair", "basis", "geschiktheidseis"].national == 7
    assert combination["kantoormeubilair", "basis", "eis"].national is None
    assert criteria_use(year=2024, organisation_id=None).criteria == []
    with translation.override("en"):
        (first, *_rest) = criteria_use(year=2025, organisation_id=None).combinations
    assert (first.level_label, first.kind_label) == ("Basic", "Requirement")  # sorted by codes: eis first


def test_a_basis_criterion_nearly_everybody_applies_is_a_saturation_signal(
    world: tuple[list[Organisation], Criterion, Criterion],
) -> None:
    use = criteria_use(year=2025, organisation_id=None)

    assert [(s.criterion.code, s.used, s.group, str(s.percent)) for s in use.saturated] == [("KM-B-GE", 7, 7, "100.0")]
    assert all(row.figure.own is None for row in use.criteria)  # no organisation: no own counts


@override_settings(MVIMONITOR_CRITERIA_SATURATION_PERCENT=101)
def test_the_saturation_threshold_is_a_setting(world: tuple[list[Organisation], Criterion, Criterion]) -> None:
    assert criteria_use(year=2025, organisation_id=None).saturated == []


def test_the_page_shows_own_and_national_counts_in_dutch(
    client: Client, world: tuple[list[Organisation], Criterion, Criterion]
) -> None:
    organisations, _basis, _other = world
    user: User = UserFactory()
    MembershipFactory(user=user, organisation=organisations[0], role=Role.LEZER)
    client.force_login(user)

    with translation.override("nl"):
        response = client.get("/monitoring/criteria/", {"year": "2025"}, HTTP_ACCEPT_LANGUAGE="nl")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Gebruik van de MVI-criteria" in page
    assert organisations[0].name in page
    assert "verborgen" in page
    assert "KM-B-GE" in page


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get("/monitoring/criteria/")

    assert response.status_code == 302
