"""Notices built by hand for the import service tests, and a detector that proposes what the notice's codes say."""

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mvimonitor.imports import notices as n
from mvimonitor.imports.models import ImportRun
from mvimonitor.imports.services import RunReport, import_run_create, import_run_execute
from mvimonitor.organisations.models import Organisation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


FORMS = {"selectie", "minimumeis", "gunningscriterium", "contractbepaling"}


def code_detector(notice: n.Notice) -> tuple[list[n.Proposal], list[n.AttributeSignal]]:
    """Test detector: a lot code `theme` in list `form` proposes that theme/form; field BT-726 signals SME-friendly."""
    proposals: list[n.Proposal] = []
    signals: list[n.AttributeSignal] = []
    for lot in notice.lots:
        for code in lot.codes:
            if code.field == "BT-726":
                signals.append(
                    n.AttributeSignal(
                        lot.lot_id, "sme_friendly", n.ProposalOrigin.EXPLICIT_CODE, n.Confidence.HIGH, code.path, "t"
                    )
                )
                continue
            proposals.append(
                n.Proposal(
                    lot_id=lot.lot_id,
                    theme=code.value,
                    form=code.list_name if code.list_name in FORMS else "",
                    origin=n.ProposalOrigin.EXPLICIT_CODE,
                    confidence=n.Confidence.HIGH,
                    evidence=f"{code.field} {code.path} = {code.value}",
                    rule="test",
                    award_weight=Decimal(15) if code.list_name == "gunningscriterium" else None,
                )
            )
    return proposals, signals


def make_notice(**changes: Any) -> n.Notice:
    lot = n.Lot(
        lot_id="LOT-0001",
        title="Schoonmaak",
        estimated_value=Decimal("100000"),
        main_cpv="90910000",
        codes=[n.Code("BT-774", "environmental-impact", "milieu", "/cbc:EnvironmentalImpactCode")],
        award_criteria=[
            n.AwardCriterion("price", "Prijs", weight=Decimal(60)),
            n.AwardCriterion("quality", "Duurzaamheid", weight=Decimal(40)),
        ],
    )
    notice = n.Notice(
        source_format=n.SourceFormat.EFORMS,
        notice_id="11111111-1111-1111-1111-111111111111",
        version="01",
        procedure_id="aaaa-procedure-1",
        family=n.NoticeFamily.COMPETITION,
        notice_type="cn-standard",
        publication_date=date(2025, 3, 1),
        buyer=n.Party(name="Gemeente Voorbeeld", national_id="00000001234567890000", country="NLD"),
        title="Schoonmaak gemeentehuis",
        description="Schoonmaak van het gemeentehuis",
        nature="services",
        procedure_type="open",
        is_european=True,
        estimated_value=Decimal("100000"),
        currency="EUR",
        main_cpv="90910000",
        lots=[lot],
    )
    return dataclasses.replace(notice, **changes)


def raw(notice: n.Notice, content: bytes | None = None, file: str = "test.xml") -> n.RawNotice:
    data = content if content is not None else repr(notice).encode()
    return n.RawNotice(file=file, locator="", raw=data, notice=notice)


@pytest.fixture
def run_import(db: None) -> Callable[..., RunReport]:
    def run(
        items: Iterable[n.RawNotice],
        *,
        organisation: Organisation | None = None,
        dry_run: bool = False,
        read_ahead: bool = False,
    ) -> RunReport:
        import_run: ImportRun = import_run_create(
            source_description="test", organisation=organisation, dry_run=dry_run
        )
        return import_run_execute(run=import_run, raw_notices=items, detector=code_detector, read_ahead=read_ahead)

    return run


@pytest.fixture
def shipped_reference(reference_data: None) -> None:
    """The shipped reference data (themes, forms, levels) plus the CPV codes the notices name."""
    from tests.factories import CpvCodeFactory

    CpvCodeFactory(code="90910000")
    CpvCodeFactory(code="90911000", label_nl="Schoonmaak gebouwen", label_en="Building cleaning")
