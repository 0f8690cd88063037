"""Whose register a notice goes to when it is uploaded for one organisation: the uploader's own notices (named by an
identifier or by name, or naming no buyer) stay with it; another buyer's notice goes to that buyer when the uploader
may edit its tenders, becomes a pending organisation when the uploader may add organisations, and is refused
otherwise, naming notice, buyer and why. Never is another buyer's notice filed under the uploader."""

from collections.abc import Iterable
from pathlib import Path

import pytest
from django.utils import translation

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportRun, SourceRecord
from mvimonitor.imports.services import RunReport, import_run_create, import_run_execute
from mvimonitor.imports.sources import read_paths
from mvimonitor.imports.values import uploaded_key
from mvimonitor.organisations.models import Organisation, OrganisationStatus, Role, User
from mvimonitor.tenders.models import Tender
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import code_detector, make_notice, raw

pytestmark = pytest.mark.usefixtures("shipped_reference")

OWN_OIN = "00000001002220647000"
FOREIGN = ("ted/r2.0.9/21-000061-001-EXP.xml", "ted/r2.0.9/20-320448-001-EXP.xml")  # a UK and a Norwegian buyer


def upload(items: Iterable[n.RawNotice], *, user: User, organisation: Organisation) -> RunReport:
    run: ImportRun = import_run_create(source_description="upload", user=user, organisation=organisation)
    with translation.override("en"):  # the messages are asserted in English
        return import_run_execute(run=run, raw_notices=items, detector=code_detector)


@pytest.fixture
def own() -> Organisation:
    return OrganisationFactory(name="Eigen gemeente", oin=OWN_OIN)


def member(organisation: Organisation, role: str = Role.INKOPER, user: User | None = None) -> User:
    user = user or UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.mark.shared
def test_a_buyers_upload_of_foreign_notices_is_refused_naming_notice_buyer_and_country(shared_data: Path, own):
    report = upload(read_paths([shared_data / f for f in FOREIGN]), user=member(own), organisation=own)

    assert (report.run.created, report.run.failed) == (0, 2), report.failures
    assert not Tender.objects.filter(organisation=own).exists()  # the buyer's register (and coverage) untouched
    by_country = {f.notice: f for f in report.failures}
    assert set(by_country) == {"003543-2021", "311956-2020"}
    for failure in report.failures:
        assert failure.field == "buyer"
        assert failure.notice in failure.message
        assert "Eigen gemeente" in failure.message
        assert "another country" in failure.message
    assert "UK" in by_country["003543-2021"].message
    assert "NO" in by_country["311956-2020"].message


@pytest.mark.shared
def test_a_beheerders_upload_files_foreign_notices_under_pending_buyers_of_their_own(shared_data: Path, own):
    user = member(own, Role.BEHEERDER)

    report = upload(read_paths([shared_data / f for f in FOREIGN]), user=user, organisation=own)
    again = upload(read_paths([shared_data / f for f in FOREIGN]), user=user, organisation=own)

    assert (report.run.created, report.run.failed) == (2, 0), report.failures
    assert not Tender.objects.filter(organisation=own).exists()
    buyers = Organisation.objects.exclude(pk=own.pk)
    assert buyers.count() == 2
    assert set(buyers.values_list("status", flat=True)) == {OrganisationStatus.PENDING}
    for record in SourceRecord.objects.select_related("tender"):
        assert record.notice_id.startswith(uploaded_key("", record.tender.organisation_id))
    assert (again.run.unchanged, again.run.created, again.run.failed) == (2, 0, 0), again.failures
    # nothing is filed elsewhere without a word: each notice says where it went and why
    warnings = [f for f in report.failures if f.severity == "warning" and f.field == "buyer"]
    assert len(warnings) == 2
    assert all("pending confirmation" in w.message and "Eigen gemeente" in w.message for w in warnings)


def test_a_notice_of_another_buyer_the_uploader_may_edit_goes_to_that_buyer(own):
    other = OrganisationFactory(name="Gemeente Voorbeeld")
    user = member(other, user=member(own))

    report = upload([raw(make_notice())], user=user, organisation=own)

    assert (report.run.created, report.run.failed) == (1, 0), report.failures
    tender = Tender.objects.get()
    assert tender.organisation == other
    (warning,) = [f for f in report.failures if f.field == "buyer"]
    assert warning.severity == "warning"
    assert "Stored under Gemeente Voorbeeld, not under Eigen gemeente" in warning.message
    record = SourceRecord.objects.get()
    assert record.notice_id == uploaded_key(make_notice().notice_id, other.pk)
    # the buyer's own upload of the same notice later finds it: nothing new, nothing refused
    again = upload([raw(make_notice())], user=member(other), organisation=other)
    assert (again.run.unchanged, again.run.created, again.run.failed) == (1, 0, 0), again.failures


def test_a_notice_of_another_known_buyer_the_uploader_may_not_edit_is_refused(own):
    OrganisationFactory(name="Gemeente Voorbeeld")

    report = upload([raw(make_notice())], user=member(own, Role.BEHEERDER), organisation=own)

    (failure,) = report.failures
    assert failure.field == "buyer"
    assert "Gemeente Voorbeeld" in failure.message
    assert make_notice().notice_id in failure.message
    assert not Tender.objects.exists()


@pytest.mark.parametrize(
    "buyer",
    [
        n.Party(name="Gemeente Eigenstad (afdeling inkoop)", oin=OWN_OIN, country="NLD"),  # by identifier
        n.Party(name="  EIGEN-gemeente ", country="NLD"),  # by name
        n.Party(name="Eigen gemeente"),  # by name, no country
        None,  # no buyer at all
        n.Party(name=""),
    ],
)
def test_a_notice_naming_the_uploader_or_no_buyer_stays_with_the_uploader(own, buyer):
    report = upload([raw(make_notice(buyer=buyer))], user=member(own), organisation=own)

    assert (report.run.created, report.run.failed) == (1, 0), report.failures
    assert Tender.objects.get().organisation == own


@pytest.mark.parametrize(
    ("buyer", "why"),
    [
        (n.Party(name="Eigen gemeente", oin="00000001003214345000", country="NLD"), "00000001003214345000"),
        (n.Party(name="Eigen gemeente", country="DEU"), "DEU"),
        (n.Party(name="Landkreis Beispiel", country="NLD"), "no identifier"),
    ],
)
def test_a_buyer_that_only_resembles_the_uploader_is_another_buyer(own, buyer, why):
    report = upload([raw(make_notice(buyer=buyer))], user=member(own), organisation=own)

    (failure,) = report.failures
    assert failure.field == "buyer"
    assert why in failure.message
    assert not Tender.objects.exists()
    assert Organisation.objects.count() == 1


def test_a_run_for_an_organisation_without_a_user_refuses_an_unknown_buyer(run_import, own):
    report = run_import([raw(make_notice(buyer=n.Party(name="Onbekende dienst")))], organisation=own)

    (failure,) = report.failures
    assert (failure.field, "Onbekende dienst" in failure.message) == ("buyer", True)
    assert not Tender.objects.exists()


def test_a_name_is_not_matched_against_a_contradicting_identifier(run_import):
    known = OrganisationFactory(name="Gemeente Voorbeeld", kvk_number="12345678")

    run_import([raw(make_notice(buyer=n.Party(name="Gemeente Voorbeeld", kvk_number="87654321")))])
    run_import([raw(make_notice(notice_id="n2", procedure_id="p2", buyer=n.Party(name="Gemeente Voorbeeld")))])

    first, second = Tender.objects.order_by("pk")
    assert first.organisation != known
    assert first.organisation.status == OrganisationStatus.PENDING
    assert second.organisation == known
