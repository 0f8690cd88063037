"""Generate a synthetic national data set (organisations, tenders, lots, award criteria, MVI, contracts).

Deterministic per seed, and safe to run again: the synthetic tenders of an earlier run are removed and its
synthetic organisations reused by OIN (their members stay), so a second run replaces the synthetic data and leaves
everything else alone, also real tenders that were added to a demo organisation.
Rows are written with bulk_create in batches (no per-row queries, no simple-history rows).
"""

import hashlib
import json
import time as clock
from argparse import ArgumentParser
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.changes import record_changed
from mvimonitor.dashboards.models import SpendTotal, TenderFact
from mvimonitor.demo.tenders import (
    Catalogue,
    OrganisationSpec,
    TenderGenerator,
    TenderSpec,
    generate_organisations,
    generate_suppliers,
    spend_total,
    tenders_per_organisation_year,
)
from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, MVIApplication, Tender
from mvimonitor.themes.models import (
    KIND_FORMS,
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    CriteriaRelease,
    Criterion,
    CriterionKind,
    EuThreshold,
    ProductGroup,
    Theme,
)
from mvimonitor.themes.services import DATA_DIR

BATCH_SIZE = 2000
SOCIAL_SERVICE_DIVISION = "85"  # health and social work services: the light regime in the demo set


def _purge(queryset: models.QuerySet[Any], seen: frozenset[type[models.Model]] = frozenset()) -> int:
    """Delete `queryset` and everything that hangs off it with plain DELETE statements.

    Django's collector would load every row (simple-history listens to deletes); this follows the reverse
    relations instead: SET_NULL relations are cleared, DO_NOTHING ones (history tables) are left alone.
    """
    model = queryset.model
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        remote = relation.field
        on_delete = remote.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model._default_manager.filter(**{f"{remote.name}__in": queryset.values("pk")})
        if relation.related_model is model:
            related = related.exclude(pk__in=queryset.values("pk"))
        if on_delete is models.SET_NULL:
            related.update(**{remote.name: None})
        elif relation.related_model not in seen:
            _purge(related, seen | {model})
    return queryset._raw_delete(queryset.db)


def purge_synthetic_tenders() -> int:
    """Remove the synthetic tenders and everything under them; tenders that are not synthetic stay."""
    return _purge(Tender.objects.filter(is_synthetic=True))


def purge_stale_organisations(kept: set[int]) -> int:
    """Remove the synthetic organisations of an earlier run that this run does not reuse, unless a tender (a real
    one, added to a demo organisation) or another organisation still refers to them."""
    candidates = set(Organisation.objects.filter(is_synthetic=True).values_list("pk", flat=True)) - kept
    candidates -= set(Tender.objects.filter(organisation_id__in=candidates).values_list("organisation_id", flat=True))
    parents = Organisation.objects.filter(parent_id__in=candidates).exclude(pk__in=candidates)
    candidates -= set(parents.values_list("parent_id", flat=True))
    removed = 0
    ids = sorted(candidates)
    for start in range(0, len(ids), 500):
        removed += _purge(Organisation.objects.filter(pk__in=ids[start : start + 500]))
    return removed


def load_catalogue() -> Catalogue:
    cpv_by_nature: dict[str, list[str]] = {"works": [], "supplies": [], "services": []}
    labels: dict[str, str] = {}
    demo_labels = _demo_cpv_labels()  # the shipped labels, so official labels loaded later do not change the data
    present = CpvCode.objects.filter(code__in=demo_labels).order_by("code").values_list("code", flat=True)
    for code in present:
        labels[code] = demo_labels[code]
        division = int(code[:2])
        cpv_by_nature["works" if division == 45 else "services" if division >= 50 else "supplies"].append(code)
    if not all(cpv_by_nature.values()):
        raise CommandError(_("Reference data is missing. Run `manage.py load_reference` first."))
    thresholds: dict[str, list[tuple[date, date, Any]]] = {}
    for threshold in EuThreshold.objects.order_by("valid_from"):
        thresholds.setdefault(threshold.category, []).append(
            (threshold.valid_from, threshold.valid_until, threshold.amount)
        )
    return Catalogue(
        cpv_by_nature={nature: tuple(codes) for nature, codes in cpv_by_nature.items()},
        cpv_labels=labels,
        social_service_cpvs=frozenset(code for code in labels if code.startswith(SOCIAL_SERVICE_DIVISION)),
        thresholds=thresholds,
    )


def _demo_cpv_labels() -> dict[str, str]:
    rows = json.loads((DATA_DIR / "demo_cpv.json").read_text(encoding="utf-8"))["rows"]
    return {row["code"]: row["label_nl"] for row in rows}


def _catalogue_criteria() -> dict[tuple[str, str, str, str], int]:
    """(product group code, theme, form, level) -> a criterion of the current release that has them, so that demo
    applications of tenders in its product groups name a catalogue criterion (the first by code). Empty when the
    current release has no criteria (production loads no sample release)."""
    release = CriteriaRelease.objects.current()
    if release is None:
        return {}
    found: dict[tuple[str, str, str, str], int] = {}
    rows = (
        Criterion.objects.filter(product_group__product_group_set=release)
        .exclude(kind="")
        .order_by("code")
        .values_list("pk", "product_group__code", "theme__code", "kind", "ambition_level__code")
    )
    for pk, group, theme, kind, level in rows:
        found.setdefault((group, theme, KIND_FORMS[CriterionKind(kind)], level), pk)
    return found


class Writer:
    """Writes tender specs in batches; keeps a digest of everything it wrote."""

    def __init__(self, organisation_ids: dict[int, int]) -> None:
        self.organisation_ids = organisation_ids
        self.themes = dict(Theme.objects.values_list("code", "pk"))
        self.forms = dict(ApplicationForm.objects.values_list("code", "pk"))
        self.ambitions = dict(AmbitionLevel.objects.values_list("code", "pk"))
        # Product group code -> the group in the newest set that has it (the shipped groups are in one set).
        self.product_groups = dict(
            ProductGroup.objects.order_by("product_group_set__valid_from", "pk").values_list("code", "pk")
        )
        self.catalogue = _catalogue_criteria()
        if len(self.themes) < 6 or len(self.forms) < 4 or len(self.ambitions) < 3:
            raise CommandError(_("Reference data is missing. Run `manage.py load_reference` first."))
        self.counts = {"tenders": 0, "lots": 0, "award criteria": 0, "MVI applications": 0, "contracts": 0}
        self.digest = hashlib.sha256()
        self.value_by_organisation_year: defaultdict[tuple[int, int], Decimal] = defaultdict(Decimal)

    def write(self, specs: list[TenderSpec]) -> None:
        for spec in specs:
            self.digest.update(repr(spec).encode())
            self.value_by_organisation_year[(spec.organisation_index, spec.drawn_date.year)] += (
                spec.estimated_value or 0
            )
        tenders = Tender.objects.bulk_create(
            [
                Tender(
                    organisation_id=self.organisation_ids[spec.organisation_index],
                    title=spec.title,
                    internal_reference=spec.internal_reference,
                    ted_notice_id=spec.ted_notice_id,
                    publication_date=spec.publication_date,
                    nature=spec.nature,
                    procedure_type=spec.procedure_type,
                    is_european=spec.is_european,
                    estimated_value=spec.estimated_value,
                    main_cpv_id=spec.main_cpv,
                    product_group_id=self.product_groups.get(spec.product_group),
                    mvi_confirmed_at=confirmed_at(spec),
                    is_synthetic=True,
                )
                for spec in specs
            ],
            batch_size=BATCH_SIZE,
        )
        lot_specs = [(tender.pk, lot) for tender, spec in zip(tenders, specs, strict=True) for lot in spec.lots]
        group_of = {tender.pk: spec.product_group for tender, spec in zip(tenders, specs, strict=True)}
        lots = Lot.objects.bulk_create(
            [
                Lot(
                    tender_id=tender_id,
                    number=lot.number,
                    title=lot.title,
                    estimated_value=lot.estimated_value,
                    main_cpv_id=lot.main_cpv,
                )
                for tender_id, lot in lot_specs
            ],
            batch_size=BATCH_SIZE,
        )
        criteria: list[AwardCriterion] = []
        applications: list[MVIApplication] = []
        contracts: list[Contract] = []
        for lot, (tender_id, lot_spec) in zip(lots, lot_specs, strict=True):
            criteria.extend(
                AwardCriterion(lot_id=lot.pk, criterion_type=kind, name=name, weight=weight)
                for kind, name, weight in lot_spec.criteria
            )
            applications.extend(
                MVIApplication(
                    lot_id=lot.pk,
                    theme_id=self.themes[app.theme],
                    form_id=self.forms[app.form],
                    ambition_level_id=self.ambitions[app.ambition_level],
                    award_weight=app.award_weight,
                    criterion_id=self.catalogue.get((group_of[tender_id], app.theme, app.form, app.ambition_level)),
                )
                for app in lot_spec.applications
            )
            if lot_spec.contract is not None:
                contracts.append(
                    Contract(
                        lot_id=lot.pk,
                        supplier_name=lot_spec.contract.supplier.name,
                        supplier_kvk_number=lot_spec.contract.supplier.kvk_number,
                        supplier_is_sme=lot_spec.contract.supplier.is_sme,
                        value=lot_spec.contract.value,
                        start_date=lot_spec.contract.start_date,
                        end_date=lot_spec.contract.end_date,
                    )
                )
        AwardCriterion.objects.bulk_create(criteria, batch_size=BATCH_SIZE)
        MVIApplication.objects.bulk_create(applications, batch_size=BATCH_SIZE)
        Contract.objects.bulk_create(contracts, batch_size=BATCH_SIZE)
        for name, number in (
            ("tenders", len(tenders)),
            ("lots", len(lots)),
            ("award criteria", len(criteria)),
            ("MVI applications", len(applications)),
            ("contracts", len(contracts)),
        ):
            self.counts[name] += number


def confirmed_at(spec: TenderSpec) -> datetime | None:
    """A confirmed registration is dated four weeks after publication (synthetic)."""
    if not spec.mvi_confirmed:
        return None
    return timezone.make_aware(datetime.combine(spec.drawn_date + timedelta(days=28), time(12)))


def create_spend_totals(seed: int, writer: Writer) -> int:
    """One synthetic spend total per organisation and year with tenders, for the coverage KPI."""
    rows = [
        SpendTotal(
            organisation_id=writer.organisation_ids[index],
            year=year,
            amount=spend_total(seed, index, year, value),
            source_note=_("Synthetic demo figure, not a real spend analysis"),
        )
        for (index, year), value in sorted(writer.value_by_organisation_year.items())
        if value > 0
    ]
    SpendTotal.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def place_organisations(specs: list[OrganisationSpec]) -> dict[int, int]:
    """Write the organisations, parents before children; returns spec index -> primary key.

    A synthetic organisation of an earlier run with the same OIN is updated instead of replaced, so its members,
    and any real tenders added to it, stay with it. Its synthetic spend totals are replaced (`create_spend_totals`).
    """
    existing = dict(Organisation.objects.filter(is_synthetic=True).exclude(oin="").values_list("oin", "pk"))
    ids: dict[int, int] = {}
    fields = ["name", "kind", "province", "kvk_number", "parent", "status", "is_synthetic"]
    for level in (False, True):
        batch = [spec for spec in specs if (spec.parent_index is not None) is level]
        rows = [
            Organisation(
                pk=existing.get(spec.oin),
                name=spec.name,
                kind=spec.kind,
                province=spec.province,
                kvk_number=spec.kvk_number,
                oin=spec.oin,
                parent_id=ids[spec.parent_index] if spec.parent_index is not None else None,
                is_synthetic=True,
            )
            for spec in batch
        ]
        Organisation.objects.bulk_update([row for row in rows if row.pk], fields, batch_size=BATCH_SIZE)
        Organisation.objects.bulk_create([row for row in rows if not row.pk], batch_size=BATCH_SIZE)
        ids.update({spec.index: row.pk for spec, row in zip(batch, rows, strict=True)})
    _purge(SpendTotal.objects.filter(organisation_id__in=Organisation.objects.filter(is_synthetic=True).values("pk")))
    return ids


def batched(specs: Iterator[TenderSpec], size: int) -> Iterator[list[TenderSpec]]:
    batch: list[TenderSpec] = []
    for spec in specs:
        batch.append(spec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Command(BaseCommand):
    help = "Generate synthetic demo data (replaces earlier synthetic data, keeps real data; deterministic per seed)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--organisations", type=int, default=60, help="number of organisations")
        parser.add_argument("--years", type=int, default=3, help="number of years, ending with --end-year")
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same data")
        parser.add_argument(
            "--tenders-per-year", type=float, default=20.0, help="average tenders per organisation per year"
        )
        parser.add_argument(
            "--end-year", type=int, default=None, help="last year of data (default: the last complete year)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="accepted for clarity; earlier synthetic data is always replaced"
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when synthetic tenders exist already (what `make run` does, so a re-run keeps the data)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisations, years, seed = options["organisations"], options["years"], options["seed"]
        per_year: float = options["tenders_per_year"]
        end_year: int = options["end_year"] or date.today().year - 1  # noqa: DTZ011 - a calendar year is enough
        if not 1 <= organisations <= 100_000:
            raise CommandError(_("--organisations must be between 1 and 100000."))
        if not 1 <= years <= 50:
            raise CommandError(_("--years must be between 1 and 50."))
        if not 0 <= per_year <= 100_000:
            raise CommandError(_("--tenders-per-year must be between 0 and 100000."))
        if options["if_missing"] and Tender.objects.filter(is_synthetic=True).exists():
            if options["verbosity"]:
                self.stdout.write(
                    _("Synthetic demo data is present and kept (run without --if-missing to generate it anew).")
                )
            return
        started = clock.monotonic()
        with transaction.atomic():
            catalogue = load_catalogue()
            removed_tenders = purge_synthetic_tenders()
            org_specs = generate_organisations(seed, organisations)
            writer_digest_seed = repr(org_specs).encode()
            organisation_ids = place_organisations(org_specs)
            removed_organisations = purge_stale_organisations(set(organisation_ids.values()))
            writer = Writer(organisation_ids)
            writer.digest.update(writer_digest_seed)
            suppliers = generate_suppliers(seed, max(50, organisations * 8))
            year_range = range(end_year - years + 1, end_year + 1)
            generator = TenderGenerator(seed, catalogue, suppliers, org_specs, year_range)
            expected = tenders_per_organisation_year(org_specs, per_year)
            stream = (
                tender
                for year in year_range
                for spec in org_specs
                for tender in generator.for_organisation_year(spec, year, expected[spec.index])
            )
            for batch in batched(stream, BATCH_SIZE):
                writer.write(batch)
            writer.counts["spend totals"] = create_spend_totals(seed, writer)
            record_changed(everything=True)  # the monitoring facts (and stored effects) are rebuilt as a whole
            writer.counts["monitoring facts"] = TenderFact.objects.count()
        if options["verbosity"]:
            self._report(removed_tenders, removed_organisations, len(org_specs), writer, clock.monotonic() - started)
            real = Tender.objects.filter(organisation__is_synthetic=True, is_synthetic=False).count()
            if real:
                self.stdout.write(
                    _("Kept %(count)s real (non-synthetic) tenders of synthetic organisations.") % {"count": real}
                )

    def _report(
        self, removed_tenders: int, removed_orgs: int, organisations: int, writer: Writer, took: float
    ) -> None:
        if removed_tenders or removed_orgs:
            self.stdout.write(
                _("Replaced earlier synthetic data: %(tenders)s tenders and %(organisations)s organisations removed.")
                % {"tenders": removed_tenders, "organisations": removed_orgs}
            )
        self.stdout.write(_("Synthetic organisations: %(count)s") % {"count": organisations})
        for name, count in writer.counts.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(
            _("Done in %(seconds).1f s. Digest: %(digest)s")
            % {"seconds": took, "digest": writer.digest.hexdigest()[:16]}
        )
