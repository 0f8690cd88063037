"""load_reference loads the sample release of criteria, except in production."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from mvimonitor.themes.models import CriteriaRelease, Criterion, ReleaseStatus

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_reference", "--without-cpv-list", *args, stdout=out)
    return out.getvalue()


def test_the_sample_release_is_loaded_outside_production() -> None:
    output = _run()

    assert "criteria: 45 created, 0 updated, 0 unchanged" in output
    assert CriteriaRelease.objects.filter(is_sample=True).count() == 1


def test_the_sample_release_is_not_loaded_in_production(settings: Any) -> None:
    settings.PRODUCTION = True

    output = _run()

    assert "The sample release of criteria is not loaded in production." in output
    assert not CriteriaRelease.objects.filter(is_sample=True).exists()
    assert not Criterion.objects.exists()
    assert CriteriaRelease.objects.filter(version="mvi-criteria-2024", status=ReleaseStatus.CURRENT).exists()


def test_the_sample_release_can_be_left_out() -> None:
    _run("--without-sample-criteria")

    assert not CriteriaRelease.objects.filter(is_sample=True).exists()
