"""API v1 serializers of the effect summaries: the figures per organisation and nationally, with the national
estimator's diagnostics and the rows per calendar year and RIVM period (mvimonitor.effects.figures.Summary)."""

from typing import Any

from rest_framework import serializers


class StratumLineSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    size_class = serializers.CharField()
    organisations = serializers.IntegerField()
    reporters = serializers.IntegerField()
    share = serializers.FloatField()
    estimated_with = serializers.CharField()


class DiagnosticsSerializer(serializers.Serializer[Any]):
    coverage = serializers.CharField()
    collapsing = serializers.CharField()
    selection = serializers.CharField()
    warning = serializers.BooleanField(help_text="Possible self-selection: reporters differ in size or kind.")
    strata = StratumLineSerializer(many=True)


class PeriodCellSerializer(serializers.Serializer[Any]):
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)


class PeriodRowSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    is_period = serializers.BooleanField(help_text="A two-year RIVM period; otherwise a calendar year.")
    cells = PeriodCellSerializer(many=True, help_text="One per figure, in the order of periodKeys.")


class FigureSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label", not Field.label
    unit = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="Lower bound of the 95% bootstrap interval.")
    high = serializers.FloatField(allow_null=True, help_text="Upper bound of the 95% bootstrap interval.")
    calculable = serializers.IntegerField()
    not_calculable = serializers.IntegerField()
    reference = serializers.CharField()
    factor_sets = serializers.ListField(child=serializers.CharField())
    method_version = serializers.CharField()
    note = serializers.CharField()
    diagnostics = DiagnosticsSerializer(allow_null=True, help_text="National figures: how each was estimated.")


class KindRowSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    unit = serializers.CharField()
    commitments = serializers.IntegerField()
    promised = serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True)
    delivered = serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True)
    submitted = serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True)


class SummarySerializer(serializers.Serializer[Any]):
    figures = FigureSerializer(many=True)
    kinds = KindRowSerializer(many=True)
    calculable = serializers.IntegerField()
    not_calculable = serializers.IntegerField()
    factor_sets = serializers.ListField(child=serializers.CharField())
    reporting = serializers.IntegerField(help_text="National: organisations that report commitments.")
    population = serializers.IntegerField(help_text="National: organisations the estimate speaks for.")
    suppressed = serializers.ListField(
        child=serializers.CharField(), help_text="Figures withheld by disclosure control."
    )
    periods = PeriodRowSerializer(many=True, help_text="Figures per calendar year and per RIVM period.")
    period_keys = serializers.ListField(child=serializers.CharField())


# --- views -----------------------------------------------------------------------------------------------------------
