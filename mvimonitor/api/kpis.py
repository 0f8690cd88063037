"""API v1: the KPI catalogue (`/kpis`) and KPI values (`/kpi-values`) with the filters and the disclosure control of
the dashboards.

- `/kpis` and national values are public, like the national web page.
- Organisation values (`scope=organisation`) need a login and the VIEW right on that organisation
  (`mvimonitor.organisations.access`); another organisation's figures give 403.
- National values go through `mvimonitor.disclosure`; per kind of organisation and per province only for national
  analysts (`access.geographies_for`). Suppressed cells come back with `value: null` and the reason. A year without
  any tenders has no national values (an empty list).

Values come from `mvimonitor.dashboards.selectors.kpi_values`, the read path of the dashboard pages too.
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from mvimonitor.dashboards import definitions, selectors, targets
from mvimonitor.dashboards.kpis import BY_ID, CATALOGUE, Breakdown, Kpi
from mvimonitor.dashboards.models import FIRST_YEAR, LAST_YEAR
from mvimonitor.dashboards.vocabulary import PERIODS, Figure
from mvimonitor.organisations.access import GEO_LEVELS
from mvimonitor.organisations.models import Organisation

from .base import id_filter

SCOPES = selectors.SCOPES


class KpiSerializer(serializers.Serializer[Kpi]):
    id = serializers.CharField(help_text="Stable identifier, such as mvi-share-tenders.")
    version = serializers.IntegerField(help_text="Version of the definition; a changed definition gets a new one.")
    name_nl = serializers.CharField()
    name_en = serializers.CharField()
    unit = serializers.CharField(help_text="percent or percentage_points.")
    family = serializers.CharField(help_text="share, partition or ratio: how numerator and denominator relate.")
    unit_of_count = serializers.CharField(source="counts")
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    filters = serializers.CharField()
    multi_lot = serializers.CharField(help_text="How tenders with several lots are counted.")
    missing_values = serializers.CharField(source="missing")
    breakdowns = serializers.ListField(child=serializers.CharField())
    per = serializers.CharField(help_text="theme, form, ambition or theme_count when there is a figure per item.")
    effective = serializers.CharField(help_text="The date (ISO) from which this version of the definition holds.")
    change_note = serializers.CharField(help_text="What changed in this version (the definitions register).")


class TargetSerializer(serializers.Serializer[Any]):
    """A target the figure is held against, with the gap (figure minus target) and whether it is met."""

    name = serializers.CharField(help_text="The target's name in the request's language.")
    scope = serializers.CharField(help_text="national, kind (of organisation) or organisation (its own).")
    organisation_kind = serializers.CharField(allow_blank=True)
    years = serializers.CharField(help_text="The years it holds for, in words.")
    direction = serializers.CharField(help_text="at_least or at_most.")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    unit = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.source
    source_year = serializers.IntegerField()
    gap = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, coerce_to_string=False,
        help_text="The figure minus the target; null when the figure is missing or hidden.",
    )  # fmt: skip
    met = serializers.BooleanField(allow_null=True, help_text="null when the figure is missing or hidden.")


def _judged(target: Any, figure: Figure) -> dict[str, Any]:
    value = figure.value if figure.suppressed is None else None
    return {
        "name": targets.name(target),
        "scope": target.scope,
        "organisation_kind": target.organisation_kind,
        "years": targets.years_text(target),
        "direction": target.direction,
        "value": target.value,
        "unit": target.unit,
        "source": target.source,
        "source_year": target.source_year,
        "gap": targets.gap(target, value),
        "met": targets.met(target, value),
    }


class KpiValueSerializer(serializers.Serializer[Figure]):
    kpi = serializers.CharField()
    kpi_version = serializers.IntegerField(source="version")
    item = serializers.CharField(help_text="all, or the theme/form/ambition code or number of themes.")
    year = serializers.IntegerField()
    breakdown = serializers.CharField()
    bucket = serializers.CharField(help_text="all, or the part of the breakdown (works, european, below-250k, ...).")
    geo = serializers.CharField(help_text="organisation, nl, kind:<kind> or province:<code>.")
    numerator = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=False)
    denominator = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=False)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=False)
    suppressed = serializers.CharField(
        allow_null=True,
        help_text=(
            "Why there is no value: a national value hidden by disclosure control (too_few_organisations, dominance, "
            "secondary), or calendar_year_only (a KPI defined per calendar year, asked for a part of a year)."
        ),
    )
    targets = serializers.SerializerMethodField(
        help_text="The targets this undivided figure is held against (none for the parts of a breakdown)."
    )

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, figure: Figure) -> list[dict[str, Any]]:
        candidates = self.context.get("targets", [])
        found = targets.for_figure(candidates, figure, kind=self.context.get("kind"))
        return [dict(TargetSerializer(_judged(target, figure)).data) for target in found]


class KpiValueFilter(serializers.Serializer[Any]):
    kpi = serializers.CharField(required=False, help_text="A KPI id from /kpis; all KPIs when left out.")
    year = serializers.IntegerField(
        required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text="Default: newest."
    )
    period = serializers.ChoiceField(
        choices=list(PERIODS), required=False, help_text="Part of the year; organisation scope only."
    )
    breakdown = serializers.ChoiceField(choices=[b.value for b in Breakdown], required=False)
    scope = serializers.ChoiceField(choices=SCOPES, required=False, help_text="national (default) or organisation.")
    organisation = id_filter("Required for scope organisation.")
    geo = serializers.ChoiceField(
        choices=GEO_LEVELS, required=False, help_text="nl (default); kind and province for national analysts."
    )
    definition_version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "The publication of the definitions register to compute under (default: the newest), to reproduce "
            "figures published under an earlier version."
        ),
    )

    def validate_definition_version(self, value: int) -> int:
        if value not in definitions.versions():
            raise serializers.ValidationError(
                _("There is no definition version %(version)s; published: %(versions)s.")
                % {"version": value, "versions": ", ".join(map(str, definitions.versions()))}
            )
        return value

    def validate_kpi(self, value: str) -> str:
        if value not in BY_ID:
            raise serializers.ValidationError(
                _("Unknown KPI “%(kpi)s”; see /api/v1/kpis for the identifiers.") % {"kpi": value}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        scope = attrs.get("scope", "national")
        if scope == "national" and attrs.get("period", "year") != "year":
            raise serializers.ValidationError(
                {"period": _("National figures exist per calendar year only; leave out period or use 'year'.")}
            )
        if scope == "organisation" and "organisation" not in attrs:
            raise serializers.ValidationError({"organisation": _("Give the organisation id for scope organisation.")})
        if scope == "organisation" and attrs.get("geo", "nl") != "nl":
            raise serializers.ValidationError({"geo": _("geo applies to national figures only.")})
        if attrs.get("geo", "nl") != "nl" and attrs.get("breakdown", "all") != "all":
            raise serializers.ValidationError(
                {
                    "breakdown": _(
                        "Per kind of organisation or province there are only undivided figures (breakdown all)."
                    )
                }
            )
        return attrs


@extend_schema_view(
    list=extend_schema(auth=[], description="The KPI catalogue: every monitoring figure with its definition."),
    retrieve=extend_schema(auth=[], description="One KPI definition."),
)
class KpiViewSet(viewsets.GenericViewSet[Any]):
    """The KPI catalogue (public), a paginated list like every other."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "id"
    lookup_value_regex = "[a-z0-9-]+"
    serializer_class = KpiSerializer

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(list(CATALOGUE))
        return self.get_paginated_response(KpiSerializer(page, many=True).data)  # type: ignore[arg-type]

    def retrieve(self, request: Request, id: str) -> Response:
        kpi = BY_ID.get(id)
        if kpi is None:
            raise exceptions.NotFound(_("There is no KPI “%(kpi)s”.") % {"kpi": id})
        return Response(KpiSerializer(kpi).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[KpiValueFilter],
        description=(
            "KPI values for one year. National values (default) are public and pass disclosure control; "
            "organisation values need the VIEW right on the organisation."
        ),
    )
)
class KpiValueViewSet(viewsets.GenericViewSet[Any]):
    """KPI values with the filters and the suppression of the dashboards."""

    permission_classes = [permissions.AllowAny]
    serializer_class = KpiValueSerializer

    def list(self, request: Request) -> Response:
        data = underscoreize(request.query_params.dict(), **camel_settings.JSON_UNDERSCOREIZE)
        query = KpiValueFilter(data=data)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        kpis = [BY_ID[filters["kpi"]]] if "kpi" in filters else list(CATALOGUE)
        breakdown = Breakdown(filters.get("breakdown", Breakdown.ALL))
        if filters.get("scope", "national") == "organisation":
            figures = self._organisation_values(request, filters, kpis, breakdown)
        else:
            figures = self._national_values(request, filters, kpis, breakdown)
        page = self.paginate_queryset(figures)
        organisation = None
        if filters.get("scope", "national") == "organisation":
            organisation = Organisation.objects.filter(pk=filters["organisation"]).first()
        context = {
            "targets": targets.visible(organisation.pk if organisation else None),
            "kind": organisation.kind if organisation else None,
        }
        serializer = KpiValueSerializer(
            page if page is not None else figures,  # type: ignore[arg-type]
            many=True,
            context=context,
        )
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def _organisation_values(
        self, request: Request, filters: dict[str, Any], kpis: Sequence[Kpi], breakdown: Breakdown
    ) -> Sequence[Figure]:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        organisation = Organisation.objects.filter(pk=filters["organisation"]).first()
        year = filters.get("year") or next(iter(selectors.data_years()), None)
        try:
            return selectors.kpi_values(
                request.user,
                scope=selectors.ORGANISATION_SCOPE,
                organisation=organisation,
                years=[year] if year is not None else [],
                kpis=kpis,
                breakdown=breakdown,
                period=filters.get("period", "year"),
                definition_version=filters.get("definition_version"),
            )
        except PermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from denied

    def _national_values(
        self, request: Request, filters: dict[str, Any], kpis: Sequence[Kpi], breakdown: Breakdown
    ) -> Sequence[Figure]:
        years = selectors.data_years()
        year = filters.get("year") or next(iter(years), None)
        if year not in years:
            return []  # no tenders that year anywhere: there are no national figures to protect or show
        try:
            return selectors.kpi_values(
                request.user,
                scope=selectors.NATIONAL_SCOPE,
                years=[year],
                kpis=kpis,
                breakdown=breakdown,
                geo=filters.get("geo", "nl"),
                definition_version=filters.get("definition_version"),
            )
        except PermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from denied
