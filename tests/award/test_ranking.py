"""The pure ranking: the worked examples, ties, rounding and the sensitivity point."""

from decimal import Decimal

from mvimonitor.award.ranking import (
    CO2_PRICE,
    LADDER_DISCOUNT,
    MKI,
    BidFigures,
    Parameters,
    QualityRule,
    cents,
    discount_for,
    rank,
    swap_point,
)

PRORAIL = {"0": "0", "1": "1", "2": "2", "3": "4", "4": "7", "5": "10"}
MILLION = Decimal(1_000_000)


def test_ladder_level_3_turns_30_million_into_28_8_million_and_beats_29_million_without_a_level() -> None:
    a = BidFigures(key=1, bidder_name="A", price=Decimal("30.0") * MILLION, ladder_level=3)
    b = BidFigures(key=2, bidder_name="B", price=Decimal("29.0") * MILLION)

    ranked = rank(Parameters(LADDER_DISCOUNT, discount_table=PRORAIL), [b, a])

    assert [r.bid.bidder_name for r in ranked] == ["A", "B"]
    assert ranked[0].fictitious_price == Decimal("28.8") * MILLION
    assert ranked[0].advantage == Decimal("1.2") * MILLION
    assert ranked[0].discount_percent == 4
    assert ranked[1].fictitious_price == Decimal("29.0") * MILLION
    assert ranked[1].advantage == 0


def test_1000_against_1600_tonnes_at_700_per_tonne_gives_a_an_advantage_of_420000() -> None:
    a = BidFigures(key=1, bidder_name="A", price=Decimal(10_000_000), tonnes=Decimal(1000))
    b = BidFigures(key=2, bidder_name="B", price=Decimal(10_000_000), tonnes=Decimal(1600))

    ranked = rank(Parameters(CO2_PRICE, price_per_tonne=Decimal(700)), [b, a])

    assert [r.bid.bidder_name for r in ranked] == ["A", "B"]
    assert ranked[0].advantage == Decimal(420_000)
    assert ranked[0].fictitious_price == Decimal(9_580_000)
    assert ranked[1].advantage == 0


def test_the_co2_order_is_that_of_price_plus_emissions_cost() -> None:
    bids = [
        BidFigures(key=1, bidder_name="Cheap but dirty", price=Decimal(1_000_000), tonnes=Decimal(2000)),
        BidFigures(key=2, bidder_name="Dear but clean", price=Decimal(1_300_000), tonnes=Decimal(1000)),
        BidFigures(key=3, bidder_name="Middle", price=Decimal(1_200_000), tonnes=Decimal(1500)),
    ]
    per_tonne = Decimal(400)

    ranked = rank(Parameters(CO2_PRICE, price_per_tonne=per_tonne), bids)

    by_full_cost = sorted(bids, key=lambda b: b.price + (b.tonnes or 0) * per_tonne)
    assert [r.bid for r in ranked] == by_full_cost
    assert [r.rank for r in ranked] == [1, 2, 3]


def test_mki_gives_the_lowest_environmental_cost_its_difference_to_the_highest_as_advantage() -> None:
    a = BidFigures(key=1, bidder_name="A", price=Decimal(500_000), mki=Decimal(20_000))
    b = BidFigures(key=2, bidder_name="B", price=Decimal(480_000), mki=Decimal(50_000))

    ranked = rank(Parameters(MKI), [b, a])

    assert [r.bid.bidder_name for r in ranked] == ["A", "B"]
    assert ranked[0].advantage == Decimal(30_000)
    assert ranked[0].fictitious_price == Decimal(470_000)


def test_equal_fictitious_prices_go_to_the_lower_real_price_then_to_the_bidder_name() -> None:
    table = {"1": "10"}
    # 100 with 10% discount and 90 without are both 90; the real price 90 wins.
    discounted = BidFigures(key=1, bidder_name="Aardig", price=Decimal(100), ladder_level=1)
    plain = BidFigures(key=2, bidder_name="Zeker", price=Decimal(90))
    # Same price, no level: decided by name, case-insensitive.
    twin_b = BidFigures(key=3, bidder_name="bouw", price=Decimal(95))
    twin_a = BidFigures(key=4, bidder_name="Aanneming", price=Decimal(95))

    ranked = rank(Parameters(LADDER_DISCOUNT, discount_table=table), [discounted, twin_b, plain, twin_a])

    assert [r.bid.bidder_name for r in ranked] == ["Zeker", "Aardig", "Aanneming", "bouw"]


def test_a_level_the_table_does_not_list_takes_the_highest_listed_level_below_it() -> None:
    table = {"1": "5", "2": "10", "3": "15"}

    assert discount_for(table, 5) == 15
    assert discount_for(table, 2) == 10
    assert discount_for(table, 0) == 0
    assert discount_for(table, None) == 0


def test_amounts_round_half_up_to_cents_only_when_asked() -> None:
    bid = BidFigures(key=1, bidder_name="A", price=Decimal("100.01"), ladder_level=1)

    ranked = rank(Parameters(LADDER_DISCOUNT, discount_table={"1": "2.5"}), [bid])

    assert ranked[0].fictitious_price == Decimal("97.509750")
    assert cents(ranked[0].fictitious_price) == Decimal("97.51")
    assert cents(Decimal("0.005")) == Decimal("0.01")
    assert cents(Decimal("2.345")) == Decimal("2.35")


def test_sensitivity_gives_the_price_per_tonne_at_which_the_first_two_bids_swap() -> None:
    a = BidFigures(key=1, bidder_name="A", price=Decimal(10_000_000), tonnes=Decimal(1000))
    b = BidFigures(key=2, bidder_name="B", price=Decimal(9_700_000), tonnes=Decimal(1600))
    parameters = Parameters(CO2_PRICE, price_per_tonne=Decimal(700))

    ranked = rank(parameters, [a, b])
    point = swap_point(parameters, ranked)

    assert [r.bid.bidder_name for r in ranked] == ["A", "B"]
    assert point is not None
    assert point.price_per_tonne == Decimal(500)  # 300,000 / 600 t
    below = rank(Parameters(CO2_PRICE, price_per_tonne=Decimal(499)), [a, b])
    assert below[0].bid.bidder_name == "B"


def test_no_sensitivity_point_when_the_tonnes_are_equal_or_no_price_would_swap_them() -> None:
    parameters = Parameters(CO2_PRICE, price_per_tonne=Decimal(700))
    same = [
        BidFigures(key=1, bidder_name="A", price=Decimal(100), tonnes=Decimal(10)),
        BidFigures(key=2, bidder_name="B", price=Decimal(120), tonnes=Decimal(10)),
    ]
    dominant = [
        BidFigures(key=1, bidder_name="A", price=Decimal(100), tonnes=Decimal(5)),
        BidFigures(key=2, bidder_name="B", price=Decimal(120), tonnes=Decimal(10)),
    ]

    assert swap_point(parameters, rank(parameters, same)) is None
    assert swap_point(parameters, rank(parameters, dominant)) is None
    assert swap_point(parameters, rank(parameters, same[:1])) is None


def test_quality_criteria_lower_the_fictitious_price_by_their_score_share_of_the_weight() -> None:
    # CO2 at 700/t: A gets (1,600 - 1,000) x 700 = 420,000. Quality "plan" worth 500,000 for 10 points:
    # A scores 4 (200,000), B scores 10 (500,000). A: 10,000,000 - 420,000 - 200,000 = 9,380,000;
    # B: 9,800,000 - 0 - 500,000 = 9,300,000, so B wins on quality although A wins on CO2.
    plan = QualityRule(key=7, max_discount=Decimal(500_000), max_score=Decimal(10))
    a = BidFigures(key=1, bidder_name="A", price=Decimal(10_000_000), tonnes=Decimal(1000), scores={7: Decimal(4)})
    b = BidFigures(key=2, bidder_name="B", price=Decimal(9_800_000), tonnes=Decimal(1600), scores={7: Decimal(10)})
    parameters = Parameters(CO2_PRICE, price_per_tonne=Decimal(700), quality=(plan,))

    ranked = rank(parameters, [a, b])

    assert [(r.bid.bidder_name, r.fictitious_price, r.quality_discount) for r in ranked] == [
        ("B", Decimal(9_300_000), Decimal(500_000)),
        ("A", Decimal(9_380_000), Decimal(200_000)),
    ]
    assert ranked[1].advantage == Decimal(420_000)  # the CO2 advantage stays apart from quality
    # B's effective price 9,300,000 + 1,600x = A's 9,800,000 + 1,000x at x = 833.33: beyond it A wins
    swap = swap_point(parameters, ranked)
    assert swap is not None
    assert cents(swap.price_per_tonne) == Decimal("833.33")


def test_a_missing_quality_score_counts_as_zero() -> None:
    plan = QualityRule(key=1, max_discount=Decimal(100), max_score=Decimal(5))
    bid = BidFigures(key=1, bidder_name="A", price=Decimal(1000), ladder_level=None)

    [ranked] = rank(Parameters(LADDER_DISCOUNT, discount_table=PRORAIL, quality=(plan,)), [bid])

    assert (ranked.quality_discount, ranked.fictitious_price) == (0, Decimal(1000))
