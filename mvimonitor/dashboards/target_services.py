"""Writes of targets (ADR 0036): loading the shipped file, and an organisation's own targets.

Each write changes the facts version, so the cached dashboard pages (which show targets and gaps) are built again.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Organisation, OrganisationKind, User
from mvimonitor.reference import ReferenceDataError, TableResult, read_json, row_error, upsert

from .cache import facts_version_bump
from .models import Direction, Target, TargetScope
from .targets import subject

DATA = Path(__file__).resolve().parent / "data" / "targets.json"
FIELDS = (
    "kpi",
    "kpi_version",
    "scope",
    "organisation_kind",
    "year_from",
    "year_until",
    "value",
    "direction",
    "name_nl",
    "name_en",
    "source",
    "source_year",
)
# Who may add and remove an organisation's own targets: the people who enter its spend totals (beheerder, MVI
# coordinator), the ones who answer for its MVI policy.
EDIT_TARGETS = Action.EDIT_SPEND_TOTALS


def _row(path: Path, number: int, spec: Any, version: int) -> dict[str, Any]:
    """One target of the file, checked; the error names the file, the target's position and the field."""

    def error(field_name: str, message: str) -> ReferenceDataError:
        return row_error(path.name, number, field_name, message)

    if not isinstance(spec, dict):
        raise error("-", _("a target must be an object"))
    for name in ("code", *FIELDS):
        if name not in spec:
            raise error(name, _("missing"))
    values = {name: spec[name] for name in FIELDS}
    if not isinstance(values["kpi_version"], int) or isinstance(values["kpi_version"], bool):
        raise error("kpi_version", _("not a whole number"))
    if subject(str(values["kpi"]), values["kpi_version"]) is None:
        raise error(
            "kpi", _("no KPI %(kpi)s version %(version)s") % {"kpi": values["kpi"], "version": values["kpi_version"]}
        )
    if values["scope"] not in (TargetScope.NATIONAL, TargetScope.KIND):
        raise error("scope", _("a shipped target is national or for a kind of organisation"))
    if values["scope"] == TargetScope.KIND and values["organisation_kind"] not in OrganisationKind.values:
        raise error(
            "organisation_kind", _("unknown kind of organisation “%(kind)s”") % {"kind": values["organisation_kind"]}
        )
    if values["direction"] not in Direction.values:
        raise error("direction", _("use at_least or at_most"))
    try:
        values["value"] = Decimal(str(values["value"]))
    except InvalidOperation:
        raise error("value", _("not a number")) from None
    found = subject(str(values["kpi"]), values["kpi_version"])
    assert found is not None  # noqa: S101 - checked above
    values["unit"] = found.unit
    values["data_version"] = version
    values["code"] = spec["code"]
    return values


@transaction.atomic
def targets_load(*, path: Path = DATA) -> TableResult:
    """Create or update the shipped targets; refuse the whole file when one target is bad, and a changed target
    whose file version is not higher than the one it was loaded from (a policy number changes with a new version)."""
    data = read_json(path)
    specs, version = data.get("targets"), data.get("version")
    if not isinstance(specs, list) or not isinstance(version, int):
        raise ReferenceDataError(
            _("%(file)s must hold a number 'version' and a list 'targets'.") % {"file": path.name}
        )
    rows = [_row(path, number, spec, version) for number, spec in enumerate(specs, start=1)]
    codes = [row["code"] for row in rows]
    if len(set(codes)) != len(codes):
        raise ReferenceDataError(_("%(file)s names a target code twice.") % {"file": path.name})
    result = TableResult(_("targets"))
    for number, row in enumerate(rows, start=1):
        stored = Target.objects.filter(code=row["code"]).first()
        if stored is not None:
            changed = any(getattr(stored, name) != row[name] for name in (*FIELDS, "unit") if name != "value") or (
                stored.value != row["value"]
            )
            if changed and (stored.data_version or 0) >= version:
                raise row_error(
                    path.name, number, "version", _("target %(code)s changed: raise the file's version") % row
                )
            if not changed:
                result.count("unchanged")
                continue
        code = row.pop("code")
        try:
            upsert(Target, {"code": code}, row, result)
        except ValidationError as error:
            field_name, messages = next(iter(error.message_dict.items()))
            raise row_error(path.name, number, field_name, " ".join(messages)) from None
    if result.changed:
        facts_version_bump()
    return result


@transaction.atomic
def target_create(*, user: User, organisation: Organisation, **fields: Any) -> Target:
    """An organisation's own target for a KPI and year(s), with its source (beheerder or MVI coordinator)."""
    if not permitted(user, EDIT_TARGETS, organisation):
        raise PermissionDenied(_("You may not set targets for this organisation."))
    found = subject(str(fields.get("kpi", "")), int(fields.get("kpi_version") or 0))
    if found is None:
        raise ValidationError({"kpi": _("Choose a figure of the KPI catalogue.")})
    target = Target(
        scope=TargetScope.ORGANISATION, organisation=organisation, unit=found.unit, created_by=user, **fields
    )
    target.full_clean()
    target.save()
    facts_version_bump()
    return target


@transaction.atomic
def target_delete(*, user: User, target: Target) -> None:
    """Remove an organisation's own target (the history keeps it); shipped targets change only with the file."""
    if target.scope != TargetScope.ORGANISATION or target.organisation_id is None:
        raise ValidationError(_("A shipped target changes only with a new version of the targets file."))
    if not permitted(user, EDIT_TARGETS, target.organisation_id):
        raise PermissionDenied(_("You may not set targets for this organisation."))
    target.delete()
    facts_version_bump()
