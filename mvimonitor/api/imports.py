"""API v1 for import runs: list and read the runs of your organisations, page through the failures of one
(`/import-runs/{id}/failures`; the run itself only counts them, since a large import can have a hundred thousand),
and start one by uploading a file (202 Accepted with the queued run; follow it with GET until `status` is done or
failed).

Same conventions as the other resource modules (problem+json, camelCase, pagination, visibility through
`mvimonitor.organisations.access`).
"""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mvimonitor.imports.forms import ACCEPTED_SUFFIXES, MAX_UPLOAD_BYTES
from mvimonitor.imports.models import ImportFailure, ImportRun, Severity
from mvimonitor.imports.services import import_upload_create
from mvimonitor.imports.tasks import import_run_task
from mvimonitor.organisations.access import Action, organisations_for, request_user, visible_to
from mvimonitor.organisations.models import Organisation


class ImportFailureSerializer(serializers.ModelSerializer[ImportFailure]):
    class Meta:
        model = ImportFailure
        fields = ["severity", "file", "locator", "notice", "field", "message"]
        read_only_fields = fields


class ImportRunSerializer(serializers.ModelSerializer[ImportRun]):
    started_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who started the run; null for a run from the command line or of a removed user.",
    )

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "organisation",
            "started_by",
            "source_description",
            "status",
            "dry_run",
            "created_at",
            "started_at",
            "finished_at",
            "seen",
            "created",
            "updated",
            "unchanged",
            "failed",
            "message",
        ]
        read_only_fields = fields


class ImportRunDetailSerializer(ImportRunSerializer):
    error_count = serializers.IntegerField(read_only=True, help_text="Failures with severity error.")
    warning_count = serializers.IntegerField(read_only=True, help_text="Failures with severity warning.")
    failures_url = serializers.SerializerMethodField(help_text="The paginated list of the failures of this run.")

    class Meta(ImportRunSerializer.Meta):
        fields = [*ImportRunSerializer.Meta.fields, "error_count", "warning_count", "failures_url"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_failures_url(self, run: ImportRun) -> str:
        path = reverse("api:import-run-failures", args=[run.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ImportFailureFilter(serializers.Serializer[Any]):
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, help_text="Only errors (not imported) or only warnings."
    )


@extend_schema_field(OpenApiTypes.INT)
class EditableOrganisationField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """Only organisations where the caller may change tenders; any other id reads as 'does not exist'."""

    def get_queryset(self) -> QuerySet[Organisation]:
        return organisations_for(self.context["request"].user, Action.EDIT_TENDERS)


class ImportRunCreateSerializer(serializers.Serializer[Any]):
    organisation = EditableOrganisationField(help_text="The organisation the notices are imported for.")
    file = serializers.FileField(help_text="eForms/TED XML, OCDS JSON, TenderNed CSV/XLSX, or a zip/tar.gz of them.")

    def validate_file(self, value: Any) -> Any:
        name = (value.name or "").lower()
        if not name.endswith(ACCEPTED_SUFFIXES):
            raise serializers.ValidationError(
                _("%(name)s is not a file type the import reads (%(types)s).")
                % {"name": value.name, "types": ", ".join(ACCEPTED_SUFFIXES)}
            )
        if value.size == 0:
            raise serializers.ValidationError(_("%(name)s is empty.") % {"name": value.name})
        if value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(_("The file is larger than 200 MB."))
        return value


class ImportRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[ImportRun]):
    """Import runs of the organisations you may see: counts per notice, and per run its failures with file, notice
    and field."""

    def get_queryset(self) -> QuerySet[ImportRun]:
        runs = ImportRun.objects.select_related("started_by")
        if self.action == "retrieve":
            runs = runs.annotate(
                error_count=Count("failures", filter=Q(failures__severity=Severity.ERROR)),
                warning_count=Count("failures", filter=Q(failures__severity=Severity.WARNING)),
            )
        return visible_to(self.request.user, runs)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return ImportRunDetailSerializer
        if self.action == "create":
            return ImportRunCreateSerializer
        if self.action == "failures":
            return ImportFailureSerializer
        return ImportRunSerializer

    @extend_schema(
        parameters=[ImportFailureFilter],
        responses=ImportFailureSerializer(many=True),
        description="The failures of one run, in the order they were found, paginated like every list.",
    )
    @action(detail=True, methods=["get"])
    def failures(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        query = ImportFailureFilter(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        failures = ImportFailure.objects.filter(run=run).order_by("pk")
        if "severity" in query.validated_data:
            failures = failures.filter(severity=query.validated_data["severity"])
        page = self.paginate_queryset(failures)  # type: ignore[arg-type]  # a list of another model than the view's
        return self.get_paginated_response(ImportFailureSerializer(page, many=True).data)  # type: ignore[arg-type]

    def get_parsers(self) -> list[parsers.BaseParser]:
        if getattr(self, "action", None) == "create" or self.request is None or self.request.method == "POST":
            return [parsers.MultiPartParser()]
        return super().get_parsers()

    @extend_schema(
        request={"multipart/form-data": ImportRunCreateSerializer},
        responses={202: ImportRunSerializer},
        description="Upload one file and queue its import. Answers 202 with the queued run.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        run = import_upload_create(
            user=request_user(request),
            organisation=data.validated_data["organisation"],
            files=[(upload.name, upload.read())],
        )
        import_run_task.enqueue(run.pk)
        run.refresh_from_db()
        body = ImportRunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": f"/api/v1/import-runs/{run.pk}"})
