"""API v1 for award on CO2: the published prices per tonne and discount schemes, and per visible lot its award method
with the stored parameters and the ranking of the bids, as the award page computes it (read only).

The ranking is computed on every read from the stored parameters and bids (`mvimonitor.award.selectors`), exactly as
the page and the award report show it; amounts are exact decimals as strings, the winner's advantage rounded to cents
as stored.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from mvimonitor.award.models import AwardMethod, CO2PriceSet, DiscountLevel, DiscountScheme, QualityCriterion
from mvimonitor.award.ranking import cents
from mvimonitor.award.selectors import AwardView, award_view
from mvimonitor.organisations.access import visible_to

from .base import FilteredMixin, id_filter


class Co2PriceSetSerializer(serializers.ModelSerializer[CO2PriceSet]):
    class Meta:
        model = CO2PriceSet
        fields = [
            "id",
            "name",
            "version",
            "price_per_tonne",
            "price_year",
            "scope",
            "source",
            "source_year",
            "confidence",
            "note",
        ]


class DiscountLevelSerializer(serializers.ModelSerializer[DiscountLevel]):
    class Meta:
        model = DiscountLevel
        fields = ["level", "discount_percent", "confidence"]


class DiscountSchemeSerializer(serializers.ModelSerializer[DiscountScheme]):
    levels = DiscountLevelSerializer(many=True, read_only=True)

    class Meta:
        model = DiscountScheme
        fields = ["id", "name", "version", "source", "source_year", "note", "levels"]


class QualityCriterionSerializer(serializers.ModelSerializer[QualityCriterion]):
    class Meta:
        model = QualityCriterion
        fields = ["id", "name", "max_discount", "max_score"]


class ScoreSerializer(serializers.Serializer[Any]):
    criterion = serializers.IntegerField(help_text="Id of the quality criterion.")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class RankedBidSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    bid = serializers.IntegerField(help_text="Id of the bid.")
    bidder_name = serializers.CharField()
    bidder_kvk = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    tonnes = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)
    ladder_level = serializers.IntegerField(allow_null=True)
    mki = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    scores = ScoreSerializer(many=True, help_text="The bid's score per quality criterion (null: not scored).")
    quality_discount = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Fictitious discount from the quality criteria, rounded to cents."
    )
    advantage = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Advantage from the CO2 criterion, rounded to cents (half up)."
    )
    fictitious_price = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Price minus the advantage, rounded to cents (half up)."
    )


class SwapPointSerializer(serializers.Serializer[Any]):
    price_per_tonne = serializers.DecimalField(max_digits=16, decimal_places=2)
    first_bid = serializers.IntegerField()
    second_bid = serializers.IntegerField()


class AwardMethodSerializer(serializers.ModelSerializer[AwardMethod]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._award_views: dict[int, AwardView] = {}

    quality_criteria = QualityCriterionSerializer(many=True, read_only=True)
    ranking = serializers.SerializerMethodField()
    swap_point = serializers.SerializerMethodField(
        help_text="CO2 price only: the price per tonne at which the first two bids are equal (null when none)."
    )

    class Meta:
        model = AwardMethod
        fields = [
            "id",
            "lot",
            "kind",
            "price_set",
            "discount_scheme",
            "price_per_tonne",
            "discount_table",
            "parameters_source",
            "created_at",
            "quality_criteria",
            "ranking",
            "swap_point",
        ]

    def _view(self, method: AwardMethod) -> AwardView:
        """The ranking, computed once per method and response."""
        views: dict[int, AwardView] = self._award_views

        if method.pk not in views:
            views[method.pk] = award_view(method)
        return views[method.pk]

    @extend_schema_field(RankedBidSerializer(many=True))
    def get_ranking(self, method: AwardMethod) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        view = self._view(method)
        for ranked, bid in view.rows:
            rows.append(
                dict(
                    RankedBidSerializer(
                        {
                            "rank": ranked.rank,
                            "bid": bid.pk,
                            "bidder_name": bid.bidder_name,
                            "bidder_kvk": bid.bidder_kvk,
                            "price": bid.price,
                            "tonnes": bid.tonnes,
                            "ladder_level": bid.ladder_level,
                            "mki": bid.mki,
                            "discount_percent": ranked.discount_percent,
                            "scores": [
                                {"criterion": criterion.pk, "score": score}
                                for criterion, score in zip(view.criteria, view.scores_of(bid), strict=True)
                            ],
                            "quality_discount": cents(ranked.quality_discount),
                            "advantage": cents(ranked.advantage),
                            "fictitious_price": cents(ranked.fictitious_price),
                        }
                    ).data
                )
            )
        return rows

    @extend_schema_field(SwapPointSerializer(allow_null=True))
    def get_swap_point(self, method: AwardMethod) -> dict[str, Any] | None:
        swap = self._view(method).swap
        if swap is None:
            return None
        return dict(
            SwapPointSerializer(
                {
                    "price_per_tonne": cents(swap.price_per_tonne),
                    "first_bid": swap.first.key,
                    "second_bid": swap.second.key,
                }
            ).data
        )


class AwardMethodFilter(serializers.Serializer[Any]):
    lot = id_filter("Id of the lot.")
    tender = id_filter("Id of the tender.")


class CO2PriceSetViewSet(viewsets.ReadOnlyModelViewSet[CO2PriceSet]):
    """Published prices per tonne CO2-eq for award, each with its price year, scope and source."""

    serializer_class = Co2PriceSetSerializer
    queryset = CO2PriceSet.objects.order_by("pk")


class DiscountSchemeViewSet(viewsets.ReadOnlyModelViewSet[DiscountScheme]):
    """Published tables of fictitious discounts per CO2-Prestatieladder level, with their source."""

    serializer_class = DiscountSchemeSerializer
    queryset = DiscountScheme.objects.prefetch_related("levels").order_by("pk")


@extend_schema_view(list=extend_schema(parameters=[AwardMethodFilter]))
class AwardMethodViewSet(FilteredMixin, viewsets.ReadOnlyModelViewSet[AwardMethod]):
    """The award method of visible lots with its stored parameters and the ranking of the bids by fictitious price;
    filter with `lot` or `tender`."""

    serializer_class = AwardMethodSerializer
    filter_serializer = AwardMethodFilter

    def get_queryset(self) -> QuerySet[AwardMethod]:
        return visible_to(
            self.request.user, AwardMethod.objects.prefetch_related("bids", "quality_criteria").order_by("pk")
        )

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "lot" in filters:
            queryset = queryset.filter(lot_id=filters["lot"])
        if "tender" in filters:
            queryset = queryset.filter(lot__tender_id=filters["tender"])
        return queryset
