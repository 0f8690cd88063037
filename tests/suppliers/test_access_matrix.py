"""The permission matrix over the supplier-reporting pages: every role of organisation A, against a reporting request
of organisation B (its supplier named as B's secret), reads and changes nothing of B. Uses the world and the helpers of
tests/access/test_permission_matrix.py with the parameter this app adds."""

from typing import Any

import pytest
from django.test import Client

from mvimonitor.suppliers.models import ReportingRequest
from tests.access.test_permission_matrix import (
    HOSTILE_FORM,
    ROLES,
    UI_PARAMETERS,
    World,
    assert_no_leak,
    make_user,
    snapshot,
    ui_and_api_urls,
    world,  # noqa: F401 - the fixture
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_role_of_a_reads_or_changes_a_supplier_request_of_b(role: str, world: World) -> None:  # noqa: F811
    request_b = world.supplier_request_b
    parameters: dict[str, Any] = {name: getattr(world, attribute) for name, attribute in UI_PARAMETERS.items()}
    user = make_user(role, world)
    client = Client()
    client.force_login(user)
    before = snapshot(world)
    before_request = ReportingRequest.objects.filter(pk=request_b.pk).values().get()
    urls = [url for url in ui_and_api_urls() if url.startswith("/supplier/")]
    assert len(urls) >= 10

    for pattern in urls:
        url = pattern
        for name, obj in parameters.items():
            value = obj.token if name == "token" else obj.pk
            url = url.replace(f"<{name}>", str(value))
        assert "<" not in url, f"{pattern} has a parameter this test does not fill"
        names_b_object = pattern != url
        for response in (client.get(url), client.post(url, HOSTILE_FORM | {"organisation": world.org_b.pk})):
            assert response.status_code < 500, f"{url} -> {response.status_code}"
            if names_b_object:
                assert response.status_code in (403, 404, 405), f"{url} as {role} -> {response.status_code}"
            assert_no_leak(response, f"{url} as {role}")

    assert snapshot(world) == before
    assert ReportingRequest.objects.filter(pk=request_b.pk).values().get() == before_request
