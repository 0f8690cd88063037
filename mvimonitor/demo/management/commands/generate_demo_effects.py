"""Add synthetic commitments and realisations to the synthetic contracts made by `generate_demo`.

Deterministic per seed (contracts are taken in a fixed order), idempotent (earlier synthetic commitments are removed
first), written with bulk_create in batches so it scales to 100,000+ contracts.
"""

import time
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mvimonitor.demo.effects import ContractRow, FactorRow, choose_factors, generate
from mvimonitor.effects import calculations as calc
from mvimonitor.effects.models import (
    BuildingBlock,
    BuildingBlockTable,
    Commitment,
    EffectCalculation,
    EmissionFactor,
    EvidenceFile,
    IndicatorFigure,
    ObligationBase,
    Placement,
    Realisation,
    SanctionRule,
)
from mvimonitor.effects.recalculation import effects_recalculate
from mvimonitor.tenders.models import Contract
from mvimonitor.themes.models import Theme

BATCH_SIZE = 5000


def synthetic_contracts() -> list[ContractRow]:
    rows = (
        Contract.objects.filter(lot__tender__is_synthetic=True, start_date__isnull=False, end_date__isnull=False)
        .order_by("lot__tender__organisation__name", "lot__tender__internal_reference", "lot__number", "pk")
        .values_list("pk", "value", "start_date", "end_date")
    )
    return [ContractRow(pk, value, start, end) for pk, value, start, end in rows if start and end]


def present_factors() -> dict[str, tuple[str, str, str]]:
    """The demo's factor codes, chosen from the factor sets in the database (newest set first)."""
    rows = EmissionFactor.objects.order_by("-factor_set__publication_year", "factor_set_id", "code").values_list(
        "code", "name", "category", "unit", "wtw"
    )
    return choose_factors(FactorRow(*row) for row in rows)


def purge_synthetic_effects() -> None:
    """Plain DELETEs, children first (the collector would load every row)."""
    synthetic = Commitment.objects.filter(is_synthetic=True)
    for queryset in (
        Placement.objects.filter(realisation__commitment__in=synthetic),
        EvidenceFile.objects.filter(realisation__commitment__in=synthetic),
        Realisation.objects.filter(commitment__in=synthetic),
        IndicatorFigure.objects.filter(commitment__in=synthetic),
        EffectCalculation.objects.filter(commitment__in=synthetic),
        synthetic,
    ):
        queryset._raw_delete(queryset.db)


@transaction.atomic
def write_demo_effects(seed: int, today: date, contracts: list[ContractRow] | None = None) -> tuple[int, int]:
    purge_synthetic_effects()
    contracts = synthetic_contracts() if contracts is None else contracts
    tables = list(BuildingBlockTable.objects.order_by("code", "valid_from"))
    if not tables:
        raise CommandError(_("No building-block tables: run load_effects_reference first."))
    blocks_by_table = [
        {
            b.code: calc.BuildingBlock(b.code, b.basis, b.value, b.max_months, counts_as_fte=not b.is_bonus)
            for b in table.blocks.all()
        }
        for table in tables
    ]
    block_ids = {(b.table_id, b.code): b.pk for b in BuildingBlock.objects.all()}
    themes = {t.code: t.pk for t in Theme.objects.all()}
    missing = {"klimaat", "circulair", "sroi"} - set(themes)
    if missing:
        raise CommandError(_("Themes missing (%(codes)s): run load_reference first.") % {"codes": ", ".join(missing)})
    rule = SanctionRule.objects.order_by("code").first()
    specs, realisation_specs = generate(contracts, seed, today, blocks_by_table, present_factors())
    commitments = [
        Commitment(
            contract_id=s.contract_id,
            theme_id=themes[s.theme],
            kind=s.kind,
            description=_("Synthetic %(kind)s commitment") % {"kind": s.kind.replace("_", " ")},
            quantity=s.quantity,
            unit=s.unit,
            factor_code=s.factor_code,
            reference_description=_("Synthetic reference option") if s.reference_factor_code else "",
            reference_quantity=s.reference_quantity,
            reference_unit=s.reference_unit,
            reference_factor_code=s.reference_factor_code,
            recycled_share=s.recycled_share,
            period_start=s.period_start,
            period_end=s.period_end,
            obligation_base=ObligationBase.CONTRACT_VALUE if s.kind == "social_return" else "",
            obligation_percentage=s.percentage,
            block_table_id=tables[s.table_index].pk if s.kind == "social_return" else None,
            award_advantage=s.award_advantage,
            sanction_rule=rule if s.with_rule else None,
            is_synthetic=True,
        )
        for s in specs
    ]
    created = Commitment.objects.bulk_create(commitments, batch_size=BATCH_SIZE)
    now = timezone.now()
    realisations = [
        Realisation(
            commitment_id=created[r.commitment_index].pk,
            period_start=r.period_start,
            period_end=r.period_end,
            quantity=r.quantity,
            recycled_share=r.recycled_share,
            status=r.status,
            submitted_at=now,
            reviewed_at=now if r.status != "submitted" else None,
            review_note=_("Synthetic rejection") if r.status == "rejected" else "",
            is_synthetic=True,
        )
        for r in realisation_specs
    ]
    saved = Realisation.objects.bulk_create(realisations, batch_size=BATCH_SIZE)
    placements = [
        Placement(
            realisation_id=saved[i].pk,
            block_id=block_ids[(tables[specs[r.commitment_index].table_index].pk, code)],
            persons=persons,
            months=months,
            hours_per_week=hours,
        )
        for i, r in enumerate(realisation_specs)
        for code, persons, months, hours in r.placements
    ]
    Placement.objects.bulk_create(placements, batch_size=BATCH_SIZE)
    return len(created), len(saved)


class Command(BaseCommand):
    help = "Add synthetic commitments and realisations to the synthetic demo contracts (deterministic per seed)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--today", type=date.fromisoformat, help="date up to which realisations exist")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when synthetic commitments exist already (what `make run` does, so a re-run keeps them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and Commitment.objects.filter(is_synthetic=True).exists():
            self.stdout.write(
                _("Synthetic commitments are present and kept (run without --if-missing to renew them).")
            )
            return
        started = time.perf_counter()
        today = options["today"] or timezone.localdate()
        commitments, realisations = write_demo_effects(options["seed"], today)
        result = effects_recalculate(as_of=today)
        self.stdout.write(
            _("%(c)s synthetic commitments and %(r)s realisations written in %(s).1f s")
            % {"c": commitments, "r": realisations, "s": time.perf_counter() - started}
        )
        self.stdout.write(
            _("%(n)s commitments: %(ok)s calculable, %(not)s not calculable (%(s).1f s)")
            % {"n": result.commitments, "ok": result.calculable, "not": result.not_calculable,
               "s": result.seconds_read + result.seconds_compute + result.seconds_write}
        )  # fmt: skip
