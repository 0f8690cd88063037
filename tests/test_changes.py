"""The record's seam: every write announces its change, and the derived tables follow in the same transaction."""

import pytest
from django.db import transaction

from mvimonitor import changes
from mvimonitor.dashboards.models import TenderFact
from tests.factories import TenderFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_monitoring_and_effects_register_their_refreshers_when_the_apps_load() -> None:
    assert changes.refreshers() == ("stored effects", "monitoring facts")


def test_announcing_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        changes.record_changed(tender_ids=[1])


def test_a_failing_refresher_rolls_the_write_back(monkeypatch: pytest.MonkeyPatch) -> None:
    tender = TenderFactory(title="Oud")

    def broken(change: changes.RecordChange) -> None:
        raise RuntimeError("refresher failed")

    def rename_and_announce() -> None:
        with transaction.atomic():
            type(tender).objects.filter(pk=tender.pk).update(title="Nieuw")
            changes.record_changed(tender_ids=[tender.pk])

    monkeypatch.setitem(changes._refreshers, "broken", broken)
    with pytest.raises(RuntimeError, match="refresher failed"):
        rename_and_announce()

    tender.refresh_from_db()
    assert tender.title == "Oud"


def test_an_announced_tender_gets_its_fact_row_and_a_removed_one_loses_it() -> None:
    tender = TenderFactory()
    assert not TenderFact.objects.filter(tender_id=tender.pk).exists()

    with transaction.atomic():
        changes.record_changed(tender_ids=[tender.pk])
    assert TenderFact.objects.filter(tender_id=tender.pk).exists()

    with transaction.atomic():
        changes.record_changed(removed_tender_ids=[tender.pk])
        tender.delete()
    assert not TenderFact.objects.filter(tender_id=tender.pk).exists()


def test_a_changed_kind_of_organisation_reaches_its_facts_and_the_figures_version() -> None:
    from mvimonitor.dashboards.cache import facts_version
    from mvimonitor.organisations.models import OrganisationKind, Role
    from mvimonitor.organisations.services import organisation_update
    from tests.factories import MembershipFactory

    membership = MembershipFactory(role=Role.BEHEERDER, organisation__kind=OrganisationKind.GEMEENTE)
    organisation = membership.organisation
    tender = TenderFactory(organisation=organisation)
    with transaction.atomic():
        changes.record_changed(tender_ids=[tender.pk])
    version = facts_version()

    organisation_update(user=membership.user, organisation=organisation, data={"kind": OrganisationKind.PROVINCIE})

    assert TenderFact.objects.get(tender_id=tender.pk).organisation_kind == OrganisationKind.PROVINCIE
    assert facts_version() != version
