"""API v1: national effect tables. `GET /effect-tables/rivm`: per RIVM period and product group the national estimate
of each declared figure with its interval and counts, under disclosure control, a total row per period, and RIVM's
published results per period as context (never mixed into the figures). Read through
`mvimonitor.effects.selectors.rivm_table`, the read path of the page `/effects/national/rivm/` too; every signed-in
user may read it, as the national effects page (docs/effects.md, "RIVM-style national table"; ADR 0043)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mvimonitor.effects import selectors
from mvimonitor.effects.published import PublishedEffectResult
from mvimonitor.effects.rivm import RivmCell, reason_text


class RivmColumnSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="The figure, as in effect summaries (co2ExAnteTonnes, …).")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label", not Field.label
    unit = serializers.CharField(help_text="The unit of value, low and high (Mt CO2-eq, FTE-years, …).")


class RivmCellSerializer(serializers.Serializer[RivmCell]):
    value = serializers.FloatField(allow_null=True, help_text="National estimate; null when not shown or nothing.")
    low = serializers.FloatField(allow_null=True, help_text="Lower bound of the 95% bootstrap interval.")
    high = serializers.FloatField(allow_null=True, help_text="Upper bound of the 95% bootstrap interval.")
    commitments = serializers.IntegerField(allow_null=True, help_text="Calculable commitments reaching the period.")
    organisations = serializers.IntegerField(allow_null=True, help_text="Organisations with one of them.")
    suppressed = serializers.CharField(
        allow_null=True, help_text="Why the cell is not shown: too_few_organisations, dominance or secondary."
    )
    suppressed_reason = serializers.SerializerMethodField(help_text="The reason in words (the request's language).")

    def get_suppressed_reason(self, cell: RivmCell) -> str:
        return reason_text(cell.suppressed)


class RivmRowSerializer(serializers.Serializer[Any]):
    product_group = serializers.IntegerField(allow_null=True, help_text="Product group id; null: none, or the total.")
    name = serializers.CharField()
    is_total = serializers.BooleanField(help_text="The total row of the period.")
    cells = RivmCellSerializer(many=True, help_text="One per column, in the order of columns.")


class PublishedResultSerializer(serializers.ModelSerializer[PublishedEffectResult]):
    value = serializers.FloatField()
    indicator_label = serializers.CharField()

    class Meta:
        model = PublishedEffectResult
        fields = [
            "indicator", "indicator_label", "value", "unit", "product_groups", "basis", "source_title", "source_url",
            "source_year", "confidence", "note",
        ]  # fmt: skip


class RivmPeriodSerializer(serializers.Serializer[Any]):
    start = serializers.IntegerField(help_text="First calendar year of the RIVM period.")
    end = serializers.IntegerField(help_text="Last calendar year of the RIVM period.")
    label = serializers.CharField()  # type: ignore[assignment]
    rows = RivmRowSerializer(many=True, help_text="MVI Monitor's figures: product groups, then the total row.")
    published = PublishedResultSerializer(
        many=True, help_text="RIVM's published results for the period: context, another method and scope."
    )


class RivmTableSerializer(serializers.Serializer[Any]):
    columns = RivmColumnSerializer(many=True)
    periods = RivmPeriodSerializer(many=True)
    reporting = serializers.IntegerField(help_text="Organisations with a calculable commitment of any column.")
    population = serializers.IntegerField(help_text="Active organisations the estimate speaks for.")


class EffectTableViewSet(viewsets.GenericViewSet[Any]):
    """National effect tables (anonymised, extrapolated, under disclosure control)."""

    serializer_class = RivmTableSerializer
    pagination_class = None

    @extend_schema(responses=RivmTableSerializer)
    @action(detail=False, methods=["get"])
    def rivm(self, request: Request) -> Response:
        """Per RIVM period and product group: each figure's national estimate with its 95% interval and counts."""
        return Response(RivmTableSerializer(selectors.rivm_table()).data)
