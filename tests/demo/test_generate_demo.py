import hashlib
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import translation

from mvimonitor.demo.tenders import organisation_counts
from mvimonitor.organisations.models import Organisation
from mvimonitor.organisations.validators import validate_kvk, validate_oin
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, MVIApplication, Tender
from mvimonitor.themes.models import KIND_FORMS, CriterionKind
from tests.factories import TenderFactory

pytestmark = pytest.mark.django_db
TINY = ("--organisations", "8", "--years", "1", "--tenders-per-year", "15")  # about 120 tenders
SMALL = ("--organisations", "20", "--years", "2", "--tenders-per-year", "25")  # about 1,000 tenders


def _generate(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("generate_demo", "--end-year", "2025", *args, stdout=out)
    return out.getvalue()


def _digest() -> str:
    """Everything generated, without primary keys or timestamps."""
    digest = hashlib.sha256()
    rows = [
        Organisation.objects.filter(is_synthetic=True).order_by("oin").values_list("name", "kind", "oin", "province"),
        Tender.objects.order_by("internal_reference").values_list(
            "organisation__oin", "internal_reference", "title", "publication_date", "nature", "procedure_type",
            "is_european", "estimated_value", "main_cpv_id", "product_group__code",
        ),
        Lot.objects.order_by("tender__internal_reference", "number").values_list(
            "tender__internal_reference", "number", "estimated_value", "main_cpv_id"
        ),
        AwardCriterion.objects.order_by("lot__tender__internal_reference", "lot__number", "name").values_list(
            "lot__tender__internal_reference", "lot__number", "name", "weight"
        ),
        MVIApplication.objects.order_by("lot__tender__internal_reference", "lot__number", "theme__code").values_list(
            "lot__tender__internal_reference", "lot__number", "theme__code", "form__code", "ambition_level__code",
            "award_weight",
        ),
        Contract.objects.order_by("lot__tender__internal_reference", "lot__number").values_list(
            "lot__tender__internal_reference", "supplier_kvk_number", "value", "start_date", "end_date"
        ),
    ]  # fmt: skip
    for queryset in rows:
        digest.update(repr(list(queryset)).encode())
    return digest.hexdigest()


@pytest.fixture
def tiny_demo(reference_data: None) -> None:
    _generate(*TINY, "--seed", "11")


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """One data set shared by the read-only tests of this module; the database is emptied afterwards."""
    with django_db_blocker.unblock():
        call_command("load_reference", "--without-cpv-list", verbosity=0)
        _generate(*SMALL, "--seed", "11")
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_same_seed_gives_identical_data(tiny_demo: None) -> None:
    first = _digest()

    _generate(*TINY, "--seed", "11")

    assert _digest() == first


def test_other_seed_gives_other_data(tiny_demo: None) -> None:
    first = _digest()

    _generate(*TINY, "--seed", "12")

    assert _digest() != first


def test_second_run_replaces_instead_of_doubling(tiny_demo: None) -> None:
    counts = (Organisation.objects.count(), Tender.objects.count(), Lot.objects.count(), Contract.objects.count())

    output = _generate(*TINY, "--seed", "11", "--replace")

    assert (Organisation.objects.count(), Tender.objects.count(), Lot.objects.count(), Contract.objects.count()) == (
        counts
    )
    assert "Replaced earlier synthetic data" in output


def test_real_data_is_kept_when_replacing(tiny_demo: None) -> None:
    real = TenderFactory()

    _generate("--organisations", "5", "--years", "1", "--seed", "11")

    assert Tender.objects.filter(pk=real.pk).exists()
    assert Organisation.objects.filter(pk=real.organisation_id).exists()


def test_everything_is_marked_synthetic(demo: None) -> None:
    assert Organisation.objects.filter(is_synthetic=False).count() == 0
    assert Tender.objects.filter(is_synthetic=False).count() == 0
    assert all("(synthetisch)" in name for name in Organisation.objects.values_list("name", flat=True))


def test_no_history_rows_are_written(demo: None) -> None:
    assert Tender.history.count() == 0
    assert Organisation.history.count() == 0


def test_identifiers_are_valid_test_oins_and_kvk_numbers(demo: None) -> None:
    for oin, kvk in Organisation.objects.values_list("oin", "kvk_number"):
        validate_oin(oin)
        validate_kvk(kvk)
        assert oin.startswith("00000099")


def test_organisation_kinds_follow_national_proportions() -> None:
    counts = organisation_counts(500)

    assert sum(counts.values()) == 500
    assert counts["provincie"] == 12
    assert counts["waterschap"] == 21
    assert counts["gemeente"] > 10 * counts["provincie"]
    assert 4 <= counts["gemeente"] / counts["rijk"] <= 8


def test_a_small_set_still_has_every_kind() -> None:
    counts = organisation_counts(6)

    assert all(count == 1 for count in counts.values())


def test_share_of_tenders_with_mvi_is_about_six_in_ten(demo: None) -> None:
    total = Tender.objects.count()
    with_mvi = Tender.objects.filter(lots__mvi_applications__isnull=False).distinct().count()

    assert 0.5 <= with_mvi / total <= 0.7


def test_social_return_is_the_most_frequent_theme(demo: None) -> None:
    per_theme = Counter(
        dict(MVIApplication.objects.values_list("theme__code").annotate(n=Count("lot__tender", distinct=True)))
    )

    assert per_theme.most_common(1)[0][0] == "sroi"


def test_minimum_requirement_is_the_most_frequent_form(demo: None) -> None:
    per_form = Counter(dict(MVIApplication.objects.values_list("form__code").annotate(n=Count("id"))))

    assert per_form.most_common(1)[0][0] == "minimumeis"


def test_european_tenders_apply_more_themes(demo: None) -> None:
    def themes_per_tender(european: bool) -> float:
        tenders = Tender.objects.filter(is_european=european)
        themes = tenders.annotate(n=Count("lots__mvi_applications__theme", distinct=True)).aggregate(s=Sum("n"))["s"]
        return float(themes) / tenders.count()

    assert themes_per_tender(True) > 1.2 * themes_per_tender(False)


def test_above_threshold_tenders_are_european(demo: None) -> None:
    assert not Tender.objects.filter(nature="works", estimated_value__gte=5_538_000, is_european=False).exists()
    assert not (
        Tender.objects.exclude(nature="works")
        .exclude(main_cpv_id="85312000")  # social services: EUR 750,000
        .filter(estimated_value__gte=221_000, is_european=False)
        .exists()
    )
    assert not Tender.objects.filter(estimated_value__gte=750_000, main_cpv_id="85312000", is_european=False).exists()


def test_award_weights_sum_to_100_per_lot(demo: None) -> None:
    sums = set(AwardCriterion.objects.values("lot").annotate(total=Sum("weight")).values_list("total", flat=True))

    assert sums == {100}


def test_most_tenders_have_one_lot_and_some_several(demo: None) -> None:
    lots = Counter(Tender.objects.annotate(n=Count("lots")).values_list("n", flat=True))

    assert lots[1] / sum(lots.values()) > 0.6
    assert sum(count for number, count in lots.items() if number > 1) > 0


def test_a_sample_is_valid_per_full_clean(demo: None) -> None:
    samples = [
        *Organisation.objects.order_by("?")[:10],
        *Tender.objects.order_by("?")[:25],
        *Lot.objects.order_by("?")[:25],
        *AwardCriterion.objects.order_by("?")[:25],
        *MVIApplication.objects.order_by("?")[:25],
        *Contract.objects.order_by("?")[:25],
    ]

    for instance in samples:
        instance.full_clean()


def test_most_registrations_are_confirmed_after_publication(demo: None) -> None:
    tenders = Tender.objects.all()
    confirmed = tenders.filter(mvi_confirmed_at__isnull=False)

    assert 0.6 < confirmed.count() / tenders.count() < 0.8
    dated = confirmed.filter(publication_date__isnull=False).order_by("pk")[:200]  # some demo tenders have no date
    assert all(t.mvi_confirmed_at.date() > t.publication_date for t in dated)


def test_every_organisation_year_has_a_spend_total_above_its_tender_value(demo: None) -> None:
    from mvimonitor.dashboards.models import SpendTotal

    known = Tender.objects.filter(publication_date__isnull=False, estimated_value__isnull=False)
    tender_value = {
        (row["organisation"], row["publication_date__year"]): row["value"]
        for row in known.values("organisation", "publication_date__year").annotate(value=Sum("estimated_value"))
    }
    spend = {(s.organisation_id, s.year): s.amount for s in SpendTotal.objects.all()}

    assert set(spend) == set(tender_value)
    assert all(spend[key] > value for key, value in tender_value.items())


def test_tenders_in_a_criteria_product_group_feed_the_product_group_kpis(demo: None) -> None:
    from mvimonitor.dashboards.models import TenderFact
    from mvimonitor.demo.tenders import DEMO_PRODUCT_GROUPS

    grouped = Tender.objects.filter(product_group__isnull=False)
    # exactly the tenders whose main CPV code the demo maps to a product group, and that group
    assert grouped.count() == Tender.objects.filter(main_cpv_id__in=DEMO_PRODUCT_GROUPS).count() > 0
    for cpv, code in grouped.values_list("main_cpv_id", "product_group__code").distinct():
        assert DEMO_PRODUCT_GROUPS[cpv] == code
    share = grouped.count() / Tender.objects.count()
    assert 0.05 < share < 0.5  # some, not all: the product-group KPIs have a numerator and a denominator
    facts = TenderFact.objects.filter(in_product_group=True)
    assert facts.count() == grouped.count()
    assert facts.filter(theme_count__gt=0).exists()
    assert facts.filter(theme_count=0).exists()


def test_applications_in_the_sample_releases_groups_name_a_matching_catalogue_criterion(demo: None) -> None:
    linked = MVIApplication.objects.filter(criterion__isnull=False).select_related("criterion", "lot__tender")
    assert linked.exists()
    for application in linked[:200]:
        criterion = application.criterion
        assert criterion is not None
        assert (application.theme_id, application.ambition_level_id) == (
            criterion.theme_id,
            criterion.ambition_level_id,
        )
        assert application.form.code == KIND_FORMS[CriterionKind(criterion.kind)]
        assert application.lot.tender.product_group is not None
        assert application.lot.tender.product_group.code == criterion.product_group.code
