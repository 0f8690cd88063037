"""Bids from a CSV file: all rows checked before any is written, problems by row and column, a second import of the
same file changes nothing."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mvimonitor.award import services
from mvimonitor.award.bid_import import import_bids, read_bids
from mvimonitor.award.models import AwardKind, AwardMethod, Bid
from mvimonitor.organisations.models import User

from .conftest import AwardWorld

pytestmark = pytest.mark.django_db

GOOD = "inschrijver;kvk;prijs;ton\nAannemer A;12345678;1000000;1000\nAannemer B;;900000,50;1600\n"


def _method(world: AwardWorld) -> AwardMethod:
    return services.set_method(user=world.inkoper, lot=world.lot, kind=AwardKind.CO2_PRICE, price_set=world.price_700)


def _post(client: Client, world: AwardWorld, text: str) -> object:
    upload = SimpleUploadedFile("bids.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("award:lot-bid-import", args=[world.lot.pk]), {"file": upload})


def test_a_good_file_adds_every_bid_and_ranks_them(world: AwardWorld) -> None:
    method = _method(world)

    result = import_bids(user=world.inkoper, method=method, rows=read_bids(GOOD.encode()))

    assert (result.created, result.unchanged) == (2, 0)
    bids = {bid.bidder_name: bid for bid in method.bids.all()}
    assert bids["Aannemer B"].price == Decimal("900000.50")  # Dutch decimal comma, the default language
    assert bids["Aannemer A"].bidder_kvk == "12345678"
    assert bids["Aannemer A"].award_advantage == Decimal("420000.00")


def test_importing_the_same_file_again_changes_nothing(world: AwardWorld) -> None:
    method = _method(world)
    import_bids(user=world.inkoper, method=method, rows=read_bids(GOOD.encode()))

    result = import_bids(user=world.inkoper, method=method, rows=read_bids(GOOD.encode()))

    assert (result.created, result.unchanged) == (0, 2)
    assert method.bids.count() == 2


def test_one_bad_row_refuses_the_file_and_names_every_problem(world: AwardWorld) -> None:
    _method(world)
    text = "bidder,price,tonnes\nGood,100,10\nBad price,abc,10\nNo tonnes,100,\n,5,5\n"

    with pytest.raises(ValidationError) as raised:
        read_bids(text.encode())

    messages = raised.value.messages
    assert any(message.startswith("Rij 3, Prijs (€)") for message in messages), messages
    assert any(message.startswith("Rij 5, Inschrijver") for message in messages), messages
    assert Bid.objects.count() == 0


def test_a_missing_figure_of_the_method_refuses_the_whole_file(world: AwardWorld) -> None:
    method = _method(world)
    rows = read_bids(b"bidder,price,tonnes\nGood,100,10\nNo tonnes,100,\n")

    with pytest.raises(ValidationError, match="Rij 3"):
        import_bids(user=world.inkoper, method=method, rows=rows)

    assert method.bids.count() == 0  # the good row was rolled back with the bad one


def test_a_different_bid_of_a_known_bidder_is_refused_not_overwritten(world: AwardWorld) -> None:
    method = _method(world)
    import_bids(user=world.inkoper, method=method, rows=read_bids(GOOD.encode()))

    with pytest.raises(ValidationError, match="Aannemer A"):
        import_bids(user=world.inkoper, method=method, rows=read_bids(b"bidder;kvk;price;tonnes\nA bv;12345678;1;1\n"))

    assert method.bids.get(bidder_kvk="12345678").price == Decimal(1_000_000)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "leeg"),
        (b"bidder,colour\nA,red\n", "Kolom 2 (colour)"),
        (b"tonnes\n5\n", "ontbreekt"),
        (b"bidder,price\n\xff\xfe,1\n", "UTF-8"),
        (b"bidder,price\nA,1,2\n", "Rij 2 heeft 3 waarden"),
    ],
)
def test_files_that_cannot_be_read_say_why(data: bytes, problem: str) -> None:
    with pytest.raises(ValidationError) as raised:
        read_bids(data)

    assert any(problem in message for message in raised.value.messages), raised.value.messages


def test_the_page_imports_for_an_editor_and_refuses_a_reader(
    world: AwardWorld, logged_in: Callable[[User], Client]
) -> None:
    _method(world)

    assert _post(logged_in(world.lezer), world, GOOD).status_code == 403  # type: ignore[attr-defined]
    response = _post(logged_in(world.inkoper), world, GOOD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert Bid.objects.count() == 2
    bad = _post(logged_in(world.inkoper), world, "bidder,price\nC,abc\n")
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "Rij 2, Prijs (€)" in bad.content.decode()  # type: ignore[attr-defined]
    assert Bid.objects.count() == 2


def test_quality_scores_come_from_the_columns_named_after_the_criteria(world: AwardWorld) -> None:
    method = _method(world)
    plan = services.add_quality_criterion(
        user=world.inkoper, method=method, name="Plan van aanpak", max_discount=Decimal(500_000)
    )
    text = b"bidder;price;tonnes;plan van aanpak\nA;10000000;1000;4\nB;9800000;1600;10\n"

    rows = read_bids(text, [plan])
    import_bids(user=world.inkoper, method=method, rows=rows)
    again = import_bids(user=world.inkoper, method=method, rows=read_bids(text, [plan]))

    assert again.unchanged == 2
    winner = method.bids.exclude(award_advantage=None).get()
    assert winner.bidder_name == "B"  # 9,800,000 - 500,000 beats 10,000,000 - 420,000 - 200,000
    with pytest.raises(ValidationError, match="Plan van aanpak"):
        read_bids(b"bidder;price;tonnes\nC;1;1\n", [plan])  # the score column is missing
    with pytest.raises(ValidationError, match="Rij 2"):
        read_bids(b"bidder;price;tonnes;Plan van aanpak\nC;1;1;11\n", [plan])  # above the full score
