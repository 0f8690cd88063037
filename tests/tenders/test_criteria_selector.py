"""The buyer's criterion selector: `apply_criteria` (one MVI application per ticked criterion) and the page per lot."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from mvimonitor.dashboards.models import TenderFact
from mvimonitor.organisations.models import User
from mvimonitor.tenders import services
from mvimonitor.tenders.criteria_services import apply_criteria
from mvimonitor.tenders.models import MVIApplication, Origin
from mvimonitor.themes.models import KIND_FORMS, ApplicationForm, CriterionKind, ReleaseStatus, Theme

from .criteria_world import FOUR, CriteriaWorld, criteria, dutch, load_next_release, make_criteria_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sample_release")]


@pytest.fixture
def cw(reference_data: None, make_member: Callable[..., User]) -> CriteriaWorld:
    return make_criteria_world(make_member)


def _url(cw: CriteriaWorld, lot_id: int | None = None, tender_id: int | None = None) -> str:
    return reverse("tenders:lot-criteria", args=[tender_id or cw.tender.pk, lot_id or cw.lot.pk])


def _codes_shown(html: str, cw: CriteriaWorld) -> set[str]:
    return {c.code for c in criteria(*FOUR_ALL) if f'value="{c.pk}"' in html}


FOUR_ALL = tuple(f"KM-{level}-{kind}" for level in "BSA" for kind in ("GE", "SC", "EI", "GC", "CB"))


# --- the service ---------------------------------------------------------------------------------------------------


def test_four_ticked_criteria_give_four_applications_with_theme_form_and_level_from_them(cw: CriteriaWorld) -> None:
    chosen = criteria(*FOUR)

    result = apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=chosen)

    assert len(result.created) == 4
    assert result.skipped == []
    applications = {a.criterion_id: a for a in MVIApplication.objects.filter(lot=cw.lot)}
    assert set(applications) == {c.pk for c in chosen}
    for criterion in chosen:
        application = applications[criterion.pk]
        assert application.theme_id == criterion.theme_id
        assert application.form.code == KIND_FORMS[CriterionKind(criterion.kind)]
        assert application.ambition_level_id == criterion.ambition_level_id
        assert application.origin == Origin.CATALOGUE
        assert application.created_by == cw.inkoper
        assert application.award_weight is None


def test_applying_announces_the_change_so_the_figures_follow(cw: CriteriaWorld) -> None:
    apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=criteria(*FOUR))

    fact = TenderFact.objects.get(tender_id=cw.tender.pk)
    themes = {c.theme.code for c in criteria(*FOUR)}
    assert fact.theme_count == len(themes) == 2  # milieu and circulair


def test_applying_again_creates_nothing_and_skips_all_four(cw: CriteriaWorld) -> None:
    apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=criteria(*FOUR))

    with translation.override("en"):
        again = apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=criteria(*FOUR))

    assert again.created == []
    assert [s.criterion.code for s in again.skipped] == list(FOUR)
    assert all("already applied" in s.reason for s in again.skipped)
    assert MVIApplication.objects.filter(lot=cw.lot).count() == 4


def test_a_criterion_given_twice_counts_once(cw: CriteriaWorld) -> None:
    one = criteria("KM-B-EI")[0]

    result = apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=[one, one])

    assert len(result.created) == 1
    assert result.skipped == []


def test_criteria_of_one_theme_and_form_are_each_recorded_but_a_hand_made_one_is_not_overwritten(
    cw: CriteriaWorld,
) -> None:
    # KM-S-EI and KM-A-EI are both requirements (minimumeis) with the main theme circulair
    significant, ambitious = criteria("KM-S-EI", "KM-A-EI")
    assert (significant.theme_id, significant.form_id) == (ambitious.theme_id, ambitious.form_id)
    selection = ApplicationForm.objects.get(code="selectie")
    services.mvi_application_create(
        user=cw.inkoper, lot=cw.lot, theme=Theme.objects.get(code="milieu"), form=selection
    )

    with translation.override("en"):
        result = apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=[significant, ambitious, *criteria("KM-B-GE")])

    assert [a.criterion for a in result.created] == [significant, ambitious]
    reasons = {s.criterion.code: s.reason for s in result.skipped}
    assert set(reasons) == {"KM-B-GE"}
    assert "Entered by hand" in reasons["KM-B-GE"]  # the hand-made application that holds its theme and form
    assert "without a catalogue criterion" in reasons["KM-B-GE"]


def test_nothing_is_written_when_one_application_is_refused(
    cw: CriteriaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = MVIApplication.full_clean

    def refuse_the_third(self: MVIApplication, *args: object, **kwargs: object) -> None:
        calls.append(self.criterion_id)
        if len(calls) == 3:
            raise ValidationError("refused")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MVIApplication, "full_clean", refuse_the_third)

    with pytest.raises(ValidationError):
        apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=criteria(*FOUR))

    assert len(calls) == 3
    assert not MVIApplication.objects.filter(lot=cw.lot).exists()


@pytest.mark.parametrize("role", ["lezer", "coordinator"])
def test_a_member_who_may_not_edit_tenders_is_refused(cw: CriteriaWorld, role: str) -> None:
    with pytest.raises(PermissionDenied):
        apply_criteria(user=getattr(cw, role), lot=cw.lot, criteria=criteria(*FOUR))

    assert not MVIApplication.objects.filter(lot=cw.lot).exists()


def test_another_organisations_member_is_refused(cw: CriteriaWorld) -> None:
    with pytest.raises(PermissionDenied):
        apply_criteria(user=cw.inkoper, lot=cw.foreign_lot, criteria=criteria(*FOUR))


def test_a_new_release_leaves_past_applications_and_their_texts_alone(cw: CriteriaWorld, tmp_path: Path) -> None:
    old_requirement = criteria("KM-B-EI")[0]
    old_text = old_requirement.text_nl
    apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=[old_requirement])

    new_release = load_next_release(tmp_path, changed_text={"S1003": "Een nieuwe tekst voor deze eis."})

    cw.release.refresh_from_db()
    assert cw.release.status == ReleaseStatus.SUPERSEDED
    application = MVIApplication.objects.get(lot=cw.lot)
    assert application.criterion_id == old_requirement.pk
    application.criterion.refresh_from_db()  # type: ignore[union-attr]
    assert application.criterion.text_nl == old_text  # type: ignore[union-attr]
    assert application.criterion.release.version == cw.release.version  # type: ignore[union-attr]
    # the application of the superseded release is still valid and can still be changed
    application.full_clean()
    services.mvi_application_update(user=cw.inkoper, application=application, evidence="Bestek paragraaf 3")
    # the same requirement in the new release is recognised as already applied; another criterion of it is applied
    new_requirement, new_award = criteria("KM-B-EI", "KM-B-GC", version=new_release.version)
    assert new_requirement.text_nl == "Een nieuwe tekst voor deze eis."
    result = apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=[new_requirement, new_award])
    assert [a.criterion for a in result.created] == [new_award]
    assert [s.criterion for s in result.skipped] == [new_requirement]
    assert cw.release.version in result.skipped[0].reason
    assert MVIApplication.objects.get(lot=cw.lot, criterion__code="KM-B-EI").criterion_id == old_requirement.pk


def test_a_criterion_of_a_superseded_release_can_still_be_applied_by_the_service(
    cw: CriteriaWorld, tmp_path: Path
) -> None:
    load_next_release(tmp_path, changed_text={})
    old = criteria("KM-S-GC")[0]

    result = apply_criteria(user=cw.inkoper, lot=cw.second_lot, criteria=[old])

    assert [a.criterion_id for a in result.created] == [old.pk]


# --- the page ------------------------------------------------------------------------------------------------------


def test_selector_opens_on_the_tenders_product_group_with_every_criterion(
    cw: CriteriaWorld, logged_in: Callable[[User], Client]
) -> None:
    response = logged_in(cw.inkoper).get(_url(cw))

    assert response.status_code == 200
    html = response.content.decode()
    assert _codes_shown(html, cw) == set(FOUR_ALL)
    assert "Milieumanagement bij de leverancier" in html  # a Dutch title
    assert "<details>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Kantoorfaciliteiten en diensten" in html  # the cluster, as a group of the product-group choice


def test_selector_filters_by_level_kind_and_theme(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(cw.inkoper)

    ambitious = client.get(_url(cw), {"level": "ambitieus"}).content.decode()
    requirements = client.get(_url(cw), {"kind": "eis"}).content.decode()
    climate = client.get(_url(cw), {"theme": "klimaat"}).content.decode()

    assert _codes_shown(ambitious, cw) == {f"KM-A-{k}" for k in ("GE", "SC", "EI", "GC", "CB")}
    assert _codes_shown(requirements, cw) == {"KM-B-EI", "KM-S-EI", "KM-A-EI"}
    # klimaat is the main theme of KM-A-GC and KM-A-GE only; the others relate to it as a further theme
    assert _codes_shown(climate, cw) == {"KM-A-CB", "KM-A-EI", "KM-A-GC", "KM-A-GE", "KM-S-GC"}


def test_selector_ignores_an_unknown_filter_value_and_says_so(
    cw: CriteriaWorld, logged_in: Callable[[User], Client]
) -> None:
    response = logged_in(cw.inkoper).get(_url(cw), {"level": "heel-hoog"})

    assert response.status_code == 200
    assert "utrecht-form-field--invalid" in response.content.decode()


def test_selector_in_english_shows_english_titles(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    with translation.override("en"):
        url = _url(cw)
    response = logged_in(cw.inkoper).get(url)

    assert url.startswith("/en/")
    html = response.content.decode()
    assert "Environmental management at the supplier" in html
    assert "Milieumanagement bij de leverancier" not in html


def test_selector_without_a_product_group_asks_for_one(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    cw.tender.product_group = None
    cw.tender.save()

    html = logged_in(cw.inkoper).get(_url(cw)).content.decode()

    assert _codes_shown(html, cw) == set()
    assert dutch("Choose a product group to see its criteria.") in html


def test_applying_two_ticked_criteria_shows_them_on_the_tender_page(
    cw: CriteriaWorld, logged_in: Callable[[User], Client]
) -> None:
    two = criteria("KM-S-GE", "KM-S-GC")

    response = logged_in(cw.inkoper).post(_url(cw), {"criteria": [c.pk for c in two]}, follow=True)

    assert response.redirect_chain[-1][0].endswith(f"#mvim-lot-{cw.lot.pk}")
    html = response.content.decode()
    applied = dutch(
        "%(count)s criterion was applied to lot %(lot)s.",
        "%(count)s criteria were applied to lot %(lot)s.",
        2,
        lot=cw.lot,
    )
    assert applied in html
    for criterion in two:
        assert escape(str(criterion)) in html
    assert {a.criterion_id for a in MVIApplication.objects.filter(lot=cw.lot)} == {c.pk for c in two}


def test_applying_a_criterion_again_says_it_was_skipped(
    cw: CriteriaWorld, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(cw.inkoper)
    one = criteria("KM-S-GE")[0]
    client.post(_url(cw), {"criteria": [one.pk]})

    html = client.post(_url(cw), {"criteria": [one.pk]}, follow=True).content.decode()

    assert dutch("No criterion was applied to lot %(lot)s.", lot=cw.lot) in html
    reason = dutch("This criterion was already applied to the lot.")
    assert escape(dutch("%(code)s was skipped: %(reason)s", code="KM-S-GE", reason=reason)) in html
    assert MVIApplication.objects.filter(lot=cw.lot).count() == 1


def test_an_applied_criterion_has_no_checkbox(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(cw.inkoper)
    apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=criteria("KM-S-GE"))

    html = client.get(_url(cw)).content.decode()

    assert _codes_shown(html, cw) == set(FOUR_ALL) - {"KM-S-GE"}
    assert dutch("already applied") in html


def test_applying_nothing_is_refused_with_a_message(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    response = logged_in(cw.inkoper).post(_url(cw), {})

    assert response.status_code == 400
    assert dutch("Tick at least one criterion to apply.") in response.content.decode()
    assert not MVIApplication.objects.filter(lot=cw.lot).exists()


def test_a_criterion_outside_the_current_release_is_refused_by_the_page(
    cw: CriteriaWorld, logged_in: Callable[[User], Client], tmp_path: Path
) -> None:
    load_next_release(tmp_path, changed_text={})
    old = criteria("KM-S-GE")[0]

    response = logged_in(cw.inkoper).post(_url(cw), {"criteria": [old.pk]})

    assert response.status_code == 400
    message = dutch("A ticked criterion is not in the current release; reload the page.")
    assert escape(message) in response.content.decode()
    assert not MVIApplication.objects.filter(lot=cw.lot).exists()


@pytest.mark.parametrize("role", ["lezer", "coordinator"])
def test_members_who_may_not_edit_tenders_get_403(
    cw: CriteriaWorld, logged_in: Callable[[User], Client], role: str
) -> None:
    client = logged_in(getattr(cw, role))

    assert client.get(_url(cw)).status_code == 403
    assert client.post(_url(cw), {"criteria": [criteria("KM-S-GE")[0].pk]}).status_code == 403
    assert not MVIApplication.objects.filter(lot=cw.lot).exists()


def test_another_organisations_lot_is_404(cw: CriteriaWorld, logged_in: Callable[[User], Client]) -> None:
    client = logged_in(cw.inkoper)
    foreign = _url(cw, lot_id=cw.foreign_lot.pk, tender_id=cw.foreign_tender.pk)
    mixed = _url(cw, lot_id=cw.foreign_lot.pk)  # own tender, another tender's lot

    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"criteria": [criteria("KM-S-GE")[0].pk]}).status_code == 404
    assert client.get(mixed).status_code == 404
    assert not MVIApplication.objects.filter(lot=cw.foreign_lot).exists()


def test_tender_page_links_the_selector_for_editors_only_and_the_export_for_all(
    cw: CriteriaWorld, logged_in: Callable[[User], Client]
) -> None:
    detail = reverse("tenders:detail", args=[cw.tender.pk])
    editor = logged_in(cw.inkoper).get(detail).content.decode()
    reader = logged_in(cw.lezer).get(detail).content.decode()

    assert _url(cw) in editor
    assert _url(cw) not in reader
    for page in (editor, reader):
        assert reverse("tenders:criteria-docx", args=[cw.tender.pk]) in page
        assert reverse("tenders:criteria-text", args=[cw.tender.pk]) in page


def test_two_ticked_criteria_of_one_theme_and_form_are_both_applied(
    cw: CriteriaWorld, logged_in: Callable[[User], Client]
) -> None:
    ambitious, significant = criteria("KM-A-EI", "KM-S-EI")  # both requirements with the main theme circulair

    logged_in(cw.inkoper).post(_url(cw), {"criteria": [ambitious.pk, significant.pk]})

    applied = set(MVIApplication.objects.filter(lot=cw.lot).values_list("criterion_id", flat=True))
    assert applied == {significant.pk, ambitious.pk}


def test_a_refusal_of_the_service_is_shown_on_the_page(
    cw: CriteriaWorld, logged_in: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: object) -> None:
        raise ValidationError("Het perceel is vergrendeld.")

    monkeypatch.setattr("mvimonitor.tenders.criteria_views.apply_criteria", refuse)

    response = logged_in(cw.inkoper).post(_url(cw), {"criteria": [criteria("KM-S-GE")[0].pk]})

    assert response.status_code == 400
    assert "Het perceel is vergrendeld." in response.content.decode()


def test_the_record_holds_one_application_per_criterion_and_one_per_theme_and_form_without(cw: CriteriaWorld) -> None:
    significant, ambitious = criteria("KM-S-EI", "KM-A-EI")
    apply_criteria(user=cw.inkoper, lot=cw.lot, criteria=[significant, ambitious])
    again = MVIApplication(
        lot=cw.lot,
        theme_id=significant.theme_id,
        form_id=significant.form_id,
        ambition_level_id=significant.ambition_level_id,
        criterion=significant,
    )
    with pytest.raises(ValidationError):
        again.full_clean()
    by_hand = MVIApplication(lot=cw.lot, theme_id=significant.theme_id, form_id=significant.form_id)
    by_hand.full_clean()  # beside the catalogue's, one without a criterion is allowed
    by_hand.save()
    second = MVIApplication(lot=cw.lot, theme_id=significant.theme_id, form_id=significant.form_id)
    with pytest.raises(ValidationError):
        second.full_clean()  # but only one
