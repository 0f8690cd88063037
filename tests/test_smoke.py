import pytest
from django.test import Client


@pytest.mark.django_db
def test_login_page_is_served_in_dutch_by_default(client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    assert 'lang="nl"' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get("/tenders/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
