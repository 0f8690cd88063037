"""The risk category of a lot: suggested, confirmed by a buyer, history kept, under the list of the publication
date."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mvimonitor.isv import services
from mvimonitor.isv.lists import list_on, suggestion_for
from mvimonitor.isv.models import CategorySuggestion, LotRiskCategory
from mvimonitor.tenders.models import MVIApplication
from tests.factories import CpvCodeFactory, LotFactory, ProductGroupFactory

from .conftest import IsvWorld
from .factories import CHANGE

pytestmark = pytest.mark.django_db


def test_the_list_changes_on_its_start_date(world: IsvWorld) -> None:
    assert list_on(CHANGE - dt.timedelta(days=1)) == world.lists.old
    assert list_on(CHANGE) == world.lists.new
    assert list_on(dt.date(2012, 12, 31)) is None


def test_suggested_from_the_longest_cpv_prefix(world: IsvWorld) -> None:
    CategorySuggestion.objects.create(category=world.lists.catering, cpv_prefix="18", source="t", source_year=2023)
    suggestion = suggestion_for(world.lot, world.lists.old)
    assert suggestion is not None
    assert suggestion.category == world.lists.clothing
    assert suggestion.inferred
    assert "18110000" in suggestion.basis


def test_the_product_group_goes_before_the_cpv_code(world: IsvWorld) -> None:
    group = ProductGroupFactory(code="catering")
    CategorySuggestion.objects.create(
        category=world.lists.catering, product_group_code="catering", source="t", source_year=2023
    )
    tender = world.lot.tender
    tender.product_group = group
    tender.save()
    suggestion = suggestion_for(world.lot, world.lists.old)
    assert suggestion is not None
    assert suggestion.category == world.lists.catering


def test_under_a_later_list_the_suggestion_follows_the_mapping(world: IsvWorld) -> None:
    lot = LotFactory(
        tender__organisation=world.organisation,
        tender__publication_date=CHANGE,
        main_cpv=CpvCodeFactory(code="55520000"),
    )
    suggestion = suggestion_for(lot, list_on(CHANGE))
    assert suggestion is not None
    assert suggestion.category == world.lists.services_new
    assert suggestion.mapped_from == world.lists.catering
    assert suggestion.mapping_inferred


def test_confirm_change_and_none_keep_history(world: IsvWorld) -> None:
    record = services.confirm_category(user=world.inkoper, lot=world.lot, category=world.lists.clothing)
    assert record.suggested_category == world.lists.clothing
    again = services.confirm_category(user=world.inkoper, lot=world.lot, category=world.lists.clothing)
    assert again.confirmed_at == record.confirmed_at  # nothing changed
    services.confirm_category(user=world.inkoper, lot=world.lot, category=world.lists.catering)
    services.confirm_category(user=world.inkoper, lot=world.lot, category=None, note="Geen risico")
    record = LotRiskCategory.objects.get(lot=world.lot)
    assert record.category is None
    assert [row.category_id for row in record.history.order_by("history_date")] == [
        world.lists.clothing.pk,
        world.lists.catering.pk,
        None,
    ]


def test_a_category_of_another_list_is_refused(world: IsvWorld) -> None:
    with pytest.raises(ValidationError) as error:
        services.confirm_category(user=world.inkoper, lot=world.lot, category=world.lists.clothing_new)
    assert "category" in error.value.message_dict
    assert not LotRiskCategory.objects.exists()


@pytest.mark.parametrize("who", ["contractmanager", "lezer", "outsider"])
def test_only_a_buyer_who_edits_tenders_confirms(world: IsvWorld, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.confirm_category(user=getattr(world, who), lot=world.lot, category=world.lists.clothing)


def test_the_form_of_application_is_an_mvi_application_of_the_keten_theme(world: IsvWorld) -> None:
    first = services.record_form(user=world.inkoper, lot=world.lot, form_code="contractbepaling")
    assert services.record_form(user=world.inkoper, lot=world.lot, form_code="contractbepaling") == first
    services.record_form(user=world.inkoper, lot=world.lot, form_code="gunningscriterium")
    forms = set(MVIApplication.objects.filter(lot=world.lot, theme__code="keten").values_list("form__code", flat=True))
    assert forms == {"contractbepaling", "gunningscriterium"}
    with pytest.raises(ValidationError):
        services.record_form(user=world.inkoper, lot=world.lot, form_code="technische-specificatie")
