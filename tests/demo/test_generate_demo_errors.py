from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from mvimonitor.tenders.models import Tender
from tests.factories import OrganisationFactory, TenderFactory

pytestmark = pytest.mark.django_db


def _generate(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("generate_demo", "--end-year", "2025", *args, stdout=out)
    return out.getvalue()


def test_without_reference_data_the_command_explains_what_to_run(db: None) -> None:
    with pytest.raises(CommandError, match="load_reference"):
        _generate("--organisations", "2", "--years", "1")


def test_bad_arguments_are_refused(reference_data: None) -> None:
    with pytest.raises(CommandError, match="--organisations"):
        _generate("--organisations", "0")


def test_real_tender_in_a_synthetic_organisation_blocks_replacement(reference_data: None) -> None:
    real = TenderFactory(organisation=OrganisationFactory(is_synthetic=True))

    with pytest.raises(CommandError, match="Real"):
        _generate("--organisations", "2", "--years", "1")
    assert Tender.objects.filter(pk=real.pk).exists()
