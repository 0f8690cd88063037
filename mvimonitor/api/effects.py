"""API v1 for the effects: contracts, commitments, realisations, factor sets, social-return and sanction rules, and
effect summaries.

Same rules as `records`: reads through the access module's VIEW scope (`mvimonitor.effects.selectors.visible_*`),
writes through `mvimonitor.effects.services` (`base.ServiceWriteMixin`), errors as problem+json, camelCase on the
wire. Figures are read from the stored effects, never computed here; national figures come from
`selectors.national_summary`, which passes every figure through the one disclosure-control module.
"""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mvimonitor.effects import selectors, services
from mvimonitor.effects.models import (
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    EmissionFactor,
    EmissionFactorSet,
    Realisation,
    RealisationStatus,
    SanctionRule,
    SocialReturnPolicy,
)
from mvimonitor.organisations.access import Action, organisations_for, request_user
from mvimonitor.tenders.models import Contract
from mvimonitor.themes.models import Theme

from .base import CanEditRecord, FilteredMixin, RecordWrites, ServiceWriteMixin, id_filter
from .effect_summaries import SummarySerializer
from .records import VisibleLotField

# --- serializers ----------------------------------------------------------------------------------------------------


class VisibleContractField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.visible_contracts(self.context["request"].user)


class VisibleCommitmentField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    def get_queryset(self) -> QuerySet[Commitment]:
        return selectors.visible_commitments(self.context["request"].user)


class VisibleFactorSetField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    def get_queryset(self) -> QuerySet[EmissionFactorSet]:
        return selectors.visible_factor_sets(self.context["request"].user)


class ContractSerializer(serializers.ModelSerializer[Contract]):
    lot = VisibleLotField(help_text="The awarded lot; cannot change after creation.")

    class Meta:
        model = Contract
        fields = [
            "id",
            "lot",
            "supplier_name",
            "supplier_kvk_number",
            "supplier_is_sme",
            "value",
            "currency",
            "start_date",
            "end_date",
        ]


class CommitmentSerializer(serializers.ModelSerializer[Commitment]):
    contract = VisibleContractField(help_text="The contract; cannot change after creation.")
    theme = serializers.SlugRelatedField(slug_field="code", queryset=Theme.objects.all(), help_text="Theme code.")
    factor_set = VisibleFactorSetField(required=False, allow_null=True, help_text="Id of an emission-factor set.")
    quantity = serializers.DecimalField(
        max_digits=16, decimal_places=3, required=False, min_value=Decimal(0),
        help_text="Promised quantity over the period; for social return it is computed from base and percentage.",
    )  # fmt: skip
    period_start = serializers.DateField(required=False, help_text="Defaults to the contract's start date.")
    period_end = serializers.DateField(required=False, help_text="Defaults to the contract's end date.")

    class Meta:
        model = Commitment
        fields = [
            "id",
            "contract",
            "theme",
            "kind",
            "description",
            "quantity",
            "unit",
            "factor_code",
            "reference_description",
            "reference_quantity",
            "reference_unit",
            "reference_factor_code",
            "reference_deviation_reason",
            "no_additionality",
            "factor_set",
            "recycled_share",
            "period_start",
            "period_end",
            "obligation_base",
            "wage_sum",
            "obligation_percentage",
            "obligation_cap",
            "social_return_policy",
            "block_table",
            "award_advantage",
            "sanction_rule",
            "sanction_multiple",
            "sanction_basis",
            "sanction_percentage",
            "base_excl_vat",
            "is_synthetic",
        ]
        read_only_fields = ["is_synthetic"]


class PlacementSerializer(serializers.Serializer[Any]):
    block = serializers.IntegerField(help_text="Id of a building block of the commitment's table.")
    persons = serializers.IntegerField(min_value=0, max_value=100000, help_text="Number of people (a count).")
    months = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal(0), max_value=Decimal(600), default=Decimal(0)
    )
    hours_per_week = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal(80), default=Decimal(36)
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=Decimal(0)
    )
    candidate_reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="",
        help_text="The supplier's own pseudonymous code for the candidate (e.g. K-017), the same in every report; "
        "never a name, BSN or date of birth. Empty: the line is counted on its own.",
    )  # fmt: skip


class RealisationSerializer(serializers.ModelSerializer[Realisation]):
    commitment = VisibleCommitmentField(help_text="The commitment this delivery report belongs to.")
    quantity = serializers.DecimalField(
        max_digits=16, decimal_places=3, required=False, min_value=Decimal(0),
        help_text="Delivered quantity; for social return it is computed from the placements.",
    )  # fmt: skip
    placements = PlacementSerializer(many=True, required=False, write_only=True)
    evidence = serializers.SerializerMethodField(help_text="Download paths of the evidence files.")

    class Meta:
        model = Realisation
        fields = [
            "id",
            "commitment",
            "period_start",
            "period_end",
            "quantity",
            "recycled_share",
            "status",
            "submitted_at",
            "reviewed_at",
            "review_note",
            "placements",
            "evidence",
        ]
        read_only_fields = ["status", "submitted_at", "reviewed_at", "review_note"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The model's period rules before anything is written: a report lies within the contract's period and its
        commitment's period (the service checks them again)."""
        from django.core.exceptions import ValidationError

        commitment: Commitment | None = attrs.get("commitment")
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if commitment is not None and start and end:
            try:
                Realisation(commitment=commitment, period_start=start, period_end=end).clean()
            except ValidationError as error:
                raise serializers.ValidationError(error.message_dict) from error
        return attrs

    def get_evidence(self, realisation: Realisation) -> list[str]:
        from django.urls import reverse

        return [reverse("effects:evidence-download", args=[e.pk]) for e in realisation.evidence.all()]


class ReviewSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=[RealisationStatus.VERIFIED, RealisationStatus.REJECTED])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class EmissionFactorSerializer(serializers.ModelSerializer[EmissionFactor]):
    class Meta:
        model = EmissionFactor
        fields = ["code", "name", "category", "unit", "wtw", "ttw", "wtt", "source", "source_year", "note"]


class EmissionFactorSetSerializer(serializers.ModelSerializer[EmissionFactorSet]):
    factors = EmissionFactorSerializer(many=True, read_only=True)

    class Meta:
        model = EmissionFactorSet
        fields = [
            "id",
            "name",
            "version",
            "publication_year",
            "source",
            "note",
            "name_nl",
            "description_nl",
            "description_en",
            "organisation",
            "published_at",
            "first_used_at",
            "supersedes",
            "correction_reason",
            "factors",
        ]


class FactorUsedSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Item code in the factor set.")
    role = serializers.CharField(help_text="promised, reference, or promised+reference.")
    wtw = serializers.DecimalField(
        max_digits=14, decimal_places=6, allow_null=True, help_text="kg CO2-eq per unit, as used."
    )
    unit = serializers.CharField()
    source_year = serializers.IntegerField(allow_null=True)


class IndicatorFigureSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField(help_text="Indicator code: nox, pm10, pm25, rawMaterials or water.")
    unit = serializers.CharField(help_text="Unit of the figures: kg, t or m3.")
    ex_ante = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    ex_post = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    reference = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    calculable = serializers.BooleanField()
    problem_code = serializers.CharField(help_text="Why the figure is not calculable; empty when it is.")


class EffectCalculationSerializer(serializers.ModelSerializer[EffectCalculation]):
    """One stored calculation of a commitment, with the factor values and method it used."""

    kind = serializers.CharField(help_text="The commitment's kind (as `kind` of the commitment).")
    reason = serializers.SerializerMethodField(help_text="Why a figure is not calculable, as a sentence.")
    factors_used = serializers.SerializerMethodField(help_text="The emission factors the CO2 figures used.")
    changes = serializers.SerializerMethodField(help_text="What differs from the calculation before this one.")
    indicators = serializers.SerializerMethodField(
        help_text="Figures of the indicators beyond CO2 (only those the factor set holds values for)."
    )

    class Meta:
        model = EffectCalculation
        fields = [
            "id",
            "computed_at",
            "is_current",
            "superseded_at",
            "kind",
            "unit",
            "promised",
            "delivered_verified",
            "delivered_submitted",
            "is_co2",
            "ex_ante_kg",
            "ex_post_kg",
            "reference_kg",
            "sr_obligation",
            "sr_value",
            "sr_fte_years",
            "sr_fte_by_year",
            "calculable",
            "problem_code",
            "reason",
            "sanction_status",
            "sanction_amount",
            "factor_set",
            "factor_set_label",
            "factors_used",
            "reference_option",
            "reference_option_label",
            "reference_deviates",
            "reference_deviation_reason",
            "indicators",
            "method_version",
            "changes",
        ]

    def get_reason(self, effect: EffectCalculation) -> str:
        return str(self.context.get("reasons", {}).get(effect.pk, ""))

    @extend_schema_field(FactorUsedSerializer(many=True))
    def get_factors_used(self, effect: EffectCalculation) -> list[dict[str, Any]]:
        # a list, not an object keyed by code: item codes are data and must not be re-cased on the wire
        return [
            {
                "code": code,
                "role": used.get("role", ""),
                "wtw": used.get("wtw"),
                "unit": used.get("unit", ""),
                "source_year": used.get("source_year"),
            }
            for code, used in sorted((effect.factors_used or {}).items())
        ]

    @extend_schema_field(IndicatorFigureSerializer(many=True))
    def get_indicators(self, effect: EffectCalculation) -> list[dict[str, Any]]:
        figures = effect.indicator_figures.order_by("indicator")
        return [IndicatorFigureSerializer(figure).data for figure in figures]

    def get_changes(self, effect: EffectCalculation) -> list[str]:
        return list(self.context.get("changes", {}).get(effect.pk, []))


class CommitmentEffectSerializer(serializers.Serializer[Any]):
    current = EffectCalculationSerializer(allow_null=True, help_text="The calculation that counts; null: none yet.")
    history = EffectCalculationSerializer(many=True, help_text="Earlier calculations it superseded, newest first.")


class ContractFilter(serializers.Serializer[Any]):
    lot = id_filter("Only contracts of this lot.")
    organisation = id_filter("Only contracts of this organisation.")


class CommitmentFilter(serializers.Serializer[Any]):
    contract = id_filter("Only commitments of this contract.")


class RealisationFilter(serializers.Serializer[Any]):
    commitment = id_filter("Only realisations of this commitment.")


@extend_schema_view(list=extend_schema(parameters=[ContractFilter]))
class ContractViewSet(
    ServiceWriteMixin,
    FilteredMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Contract],
):
    """Contracts (awards of lots) of the organisations you may see."""

    serializer_class = ContractSerializer
    filter_serializer = ContractFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_CONTRACTS
    writes = RecordWrites("contract", services.contract_create, services.contract_update, parent="lot")

    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.visible_contracts(self.request.user).order_by("pk")

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "lot" in filters:
            queryset = queryset.filter(lot_id=filters["lot"])
        if "organisation" in filters:
            queryset = queryset.filter(lot__tender__organisation_id=filters["organisation"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[CommitmentFilter]))
class CommitmentViewSet(
    ServiceWriteMixin,
    FilteredMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Commitment],
):
    """Commitments (promises per theme with quantity, unit and reference option) of visible contracts."""

    serializer_class = CommitmentSerializer
    filter_serializer = CommitmentFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_CONTRACTS
    writes = RecordWrites("commitment", services.commitment_create, services.commitment_update, parent="contract")

    def get_queryset(self) -> QuerySet[Commitment]:
        return selectors.visible_commitments(self.request.user).order_by("pk")

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "contract" in filters:
            queryset = queryset.filter(contract_id=filters["contract"])
        return queryset

    @extend_schema(responses=CommitmentEffectSerializer)
    @action(detail=True, methods=["get"])
    def effect(self, request: Request, pk: str | None = None) -> Response:
        """The stored effect of the commitment and its history: every earlier calculation a recalculation with a
        different result superseded, with the factor set, factor values and method version each used."""
        commitment = self.get_object()
        entries = selectors.effect_history(commitment)
        context = {
            "request": request,
            "reasons": {entry.effect.pk: entry.reason for entry in entries},
            "changes": {entry.effect.pk: entry.changes for entry in entries},
        }
        current = next((entry.effect for entry in entries if entry.effect.is_current), None)
        history = [entry.effect for entry in entries if not entry.effect.is_current]
        return Response(
            {
                "current": EffectCalculationSerializer(current, context=context).data if current else None,
                "history": EffectCalculationSerializer(history, many=True, context=context).data,
            }
        )


@extend_schema_view(list=extend_schema(parameters=[RealisationFilter]))
class RealisationViewSet(
    ServiceWriteMixin,
    FilteredMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Realisation],
):
    """Delivery reports per period (submitted, verified or rejected); social return as counted placements only."""

    serializer_class = RealisationSerializer
    filter_serializer = RealisationFilter
    permission_classes = [permissions.IsAuthenticated, CanEditRecord]
    edit_action = Action.EDIT_CONTRACTS
    writes = RecordWrites("realisation", services.realisation_submit)

    def get_queryset(self) -> QuerySet[Realisation]:
        return selectors.visible_realisations(self.request.user).prefetch_related("evidence").order_by("pk")

    def apply_filters(self, queryset: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
        if "commitment" in filters:
            queryset = queryset.filter(commitment_id=filters["commitment"])
        return queryset

    def service_data(self, serializer: serializers.BaseSerializer[Any]) -> dict[str, Any]:
        """Placement lines become `services.PlacementInput`s with their block, which must be one of the table of the
        commitment."""
        data = dict(serializer.validated_data)
        commitment: Commitment = data["commitment"]
        placements = []
        blocks = {b.pk: b for b in BuildingBlock.objects.filter(table_id=commitment.block_table_id)}
        for index, line in enumerate(data.pop("placements", [])):
            block = blocks.get(line["block"])
            if block is None:
                raise serializers.ValidationError(
                    {"placements": {str(index): {"block": ["Not a block of the commitment's building-block table."]}}}
                )
            placements.append(
                services.PlacementInput(
                    block=block,
                    persons=line["persons"],
                    months=line["months"],
                    hours_per_week=line["hours_per_week"],
                    amount=line.get("amount"),
                    candidate_reference=line.get("candidate_reference", ""),
                )
            )
        return {**data, "placements": placements}

    @extend_schema(request=ReviewSerializer, responses=RealisationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Verify or reject a submitted realisation (records who and when; a rejection needs a note)."""
        realisation = self.get_object()  # 404 if not visible, 403 without EDIT_CONTRACTS (CanEditRecord)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.realisation_review(
            user=request_user(request),
            realisation=realisation,
            status=body.validated_data["status"],
            note=body.validated_data["note"],
        )
        return Response(RealisationSerializer(realisation, context={"request": request}).data)


class EmissionFactorSetViewSet(viewsets.ReadOnlyModelViewSet[EmissionFactorSet]):
    """Emission-factor sets: public ones and your organisations' own; WTW, TTW, WTT in kg CO2-eq per unit."""

    serializer_class = EmissionFactorSetSerializer

    def get_queryset(self) -> QuerySet[EmissionFactorSet]:
        return selectors.visible_factor_sets(self.request.user).prefetch_related("factors").order_by("pk")


class BuildingBlockTableSerializer(serializers.ModelSerializer[BuildingBlockTable]):
    blocks = serializers.SerializerMethodField()

    class Meta:
        model = BuildingBlockTable
        fields = [
            "id",
            "code",
            "region",
            "valid_from",
            "source",
            "source_year",
            "counting_rules",
            "counting_rules_nl",
            "blocks",
        ]

    def get_blocks(self, table: BuildingBlockTable) -> list[dict[str, Any]]:
        return [
            {
                "id": b.pk,
                "code": b.code,
                "name": b.name_en,
                "nameNl": b.name_nl,
                "basis": b.basis,
                "value": None if b.value is None else str(b.value),
                "maxMonths": b.max_months,
                "isBonus": b.is_bonus,
            }
            for b in table.blocks.all()
        ]


class BuildingBlockTableViewSet(viewsets.ReadOnlyModelViewSet[BuildingBlockTable]):
    """Social-return building-block value tables per region, versioned, with their source."""

    serializer_class = BuildingBlockTableSerializer
    queryset = BuildingBlockTable.objects.prefetch_related("blocks").order_by("pk")


class SocialReturnPolicySerializer(serializers.ModelSerializer[SocialReturnPolicy]):
    class Meta:
        model = SocialReturnPolicy
        fields = [
            "id", "code", "name", "name_nl", "base", "percentage", "cap", "applies_above_value",
            "min_duration_months", "contract_kinds", "source", "source_year",
        ]  # fmt: skip


class SanctionRuleSerializer(serializers.ModelSerializer[SanctionRule]):
    class Meta:
        model = SanctionRule
        fields = ["id", "code", "name", "name_nl", "basis", "multiple", "percentage", "source", "source_year"]


class SocialReturnPolicyViewSet(viewsets.ReadOnlyModelViewSet[SocialReturnPolicy]):
    """Published social-return obligation rules (base and percentage) with their source."""

    serializer_class = SocialReturnPolicySerializer
    queryset = SocialReturnPolicy.objects.order_by("pk")


class SanctionRuleViewSet(viewsets.ReadOnlyModelViewSet[SanctionRule]):
    """Published sanction rules (a multiple of the award advantage) with their source."""

    serializer_class = SanctionRuleSerializer
    queryset = SanctionRule.objects.order_by("pk")


class EffectSummaryViewSet(viewsets.GenericViewSet[Any]):
    """Effect figures with uncertainty: per organisation you may see, and national (anonymised, extrapolated)."""

    serializer_class = SummarySerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Any]:
        return organisations_for(self.request.user, Action.VIEW)

    def _response(self, summary: selectors.Summary) -> Response:
        return Response(SummarySerializer(summary).data)

    @extend_schema(responses=SummarySerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """The effect summary of one organisation you may see (id in the path)."""
        organisation = self.get_object()
        return self._response(selectors.organisation_summary(organisation))

    @extend_schema(responses=SummarySerializer)
    @action(detail=False, methods=["get"])
    def national(self, request: Request) -> Response:
        """National figures: disclosure-controlled observed totals, extrapolated with a ratio estimator."""
        return self._response(selectors.national_summary())
