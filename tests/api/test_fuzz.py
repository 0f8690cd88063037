"""API v1 keeps its committed contract (docs/openapi.json) under fuzzing.

Schemathesis generates requests from the committed document for every operation except deletes and the upload of
an import: valid ones and invalid ones. They go in-process through the WSGI application, as a token user, to a test
database with the shipped reference data and two organisations with records (the user is a member of one). Every
object the user can see is also read once through its list and its detail path, so every property of every
resource is checked on real data, not only on empty lists and 404s; and every read once without a token.

Every answer must be no server error and conform to the document: a documented status code, the documented
content type and headers, and a body that matches the documented schema. All violations are collected and reported
together. The run is bounded and reproducible: a fixed number of derandomized examples per operation and mode.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode

from mvimonitor.award import services as award_services
from mvimonitor.award.models import CO2PriceSet
from mvimonitor.dashboards.services import facts_refresh
from mvimonitor.effects import services as effects_services
from mvimonitor.imports.models import ImportFailure, ImportRun, RunStatus, Severity
from mvimonitor.organisations.models import OrganisationKind, Province, Role
from mvimonitor.plans import services as plan_services
from mvimonitor.plans.models import LadderStep
from mvimonitor.themes.models import AmbitionLevel, ApplicationForm, CpvCode, Criterion, ProductGroup, Theme
from tests.factories import (
    AwardCriterionFactory,
    ContractFactory,
    LotFactory,
    MembershipFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    TenderFactory,
    api_key,
)
from tests.plans.conftest import World as PlanWorld
from tests.plans.conftest import adopted_plan

from .contract import SCHEMA, violation

EXAMPLES_PER_MODE = 15
# Writes are fuzzed too, in the test's transaction; not DELETE, which would empty the data set the reads are
# checked on, nor the upload of an import, which stores the file and queues a background run.
WRITES = {"POST", "PUT", "PATCH"}
WRITES_NOT_FUZZED = {"/import-runs"}
# Where the objects a detail path names are listed, when that is not the path without its last segment.
COLLECTION = {"/effect-summaries/{id}": "/organisations", "/import-runs/{id}/failures": "/import-runs"}
# Queries that reach answers an operation without query does not give; {organisation} is the user's own
# organisation, {other} the one the user may not see.
QUERIES: dict[str, list[dict[str, Any]]] = {
    "/kpi-values": [
        {"breakdown": "nature"},
        {"breakdown": "value_class", "year": 2025},
        {"breakdown": "nature", "year": 2016},  # a year without tenders
        {"geo": "province"},  # national analysts only
        {"scope": "organisation", "organisation": "{organisation}"},
        {"scope": "organisation", "organisation": "{organisation}", "breakdown": "european", "period": "q1"},
        {"scope": "organisation", "organisation": "{organisation}", "breakdown": "nature", "year": 2016},
        {"scope": "organisation", "organisation": "{other}"},
    ],
    "/tenders": [{"organisation": "{organisation}", "year": 2025}],
    "/import-runs/{id}/failures": [{"severity": "warning"}],
}


@dataclass
class Dataset:
    token: str
    organisation: int  # the user's own
    other: int


def _dataset() -> Dataset:
    """Reference data, two organisations with a tender, lot, award criterion, MVI application and contract each,
    and for the user's own organisation also a tender with gaps, a commitment, a realisation and import runs."""
    call_command("load_reference", "--without-cpv-list", verbosity=0)
    call_command("load_effects_reference", verbosity=0)
    theme, form, cpv = Theme.objects.get(code="klimaat"), ApplicationForm.objects.first(), CpvCode.objects.first()
    group = ProductGroup.objects.first()
    Criterion.objects.create(  # the shipped reference data has none
        product_group=group,
        code="MVI-1",
        title="Emissievrije voertuigen",
        theme=theme,
        form=form,
        ambition_level=AmbitionLevel.objects.first(),
        source="test",
        source_year=2025,
    )
    own = OrganisationFactory(name="Ministerie Eigen", kind=OrganisationKind.RIJK)  # in no province
    other = OrganisationFactory(name="Gemeente Ander", kind=OrganisationKind.GEMEENTE, province=Province.UTRECHT)
    member = MembershipFactory(organisation=own, role=Role.INKOPER).user
    manager = MembershipFactory(organisation=own, role=Role.CONTRACTMANAGER).user
    contracts = {}
    for organisation in (own, other):
        MembershipFactory(organisation=organisation, role=Role.LEZER)
        tender = TenderFactory(organisation=organisation, main_cpv=cpv, product_group=group)
        lot = LotFactory(tender=tender, main_cpv=cpv)
        AwardCriterionFactory(lot=lot)
        MVIApplicationFactory(lot=lot, theme=theme, form=form)
        contracts[organisation] = ContractFactory(
            lot=lot, start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 12, 31)
        )
    LotFactory(tender=TenderFactory(organisation=own, publication_date=None, estimated_value=None))
    commitment = effects_services.commitment_create(
        user=manager,
        contract=contracts[own],
        theme=theme,
        kind="electricity",
        description="Groene stroom",
        quantity=Decimal(100000),
        unit="kWh",
        factor_code="green-power-government-average",
        reference_description="Stroom uit het net",
        reference_factor_code="electricity-nl-mix-2021",
    )
    effects_services.realisation_submit(
        user=manager,
        commitment=commitment,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        quantity=Decimal(40000),
    )
    ImportRun.objects.create(organisation=own, source_description="upload.xml")  # queued, not started by anyone
    done = ImportRun.objects.create(
        organisation=own, started_by=member, source_description="notices.zip", status=RunStatus.DONE, failed=1
    )
    ImportFailure.objects.create(run=done, severity=Severity.ERROR, file="a.xml", notice="n1", message="Bad date")
    ImportFailure.objects.create(run=done, severity=Severity.WARNING, file="a.xml", field="value", message="Gone")
    call_command("load_award_reference", verbosity=0)
    method = award_services.set_method(
        user=member, lot=contracts[own].lot, kind="co2_price", price_set=CO2PriceSet.objects.first()
    )
    for name, tonnes in (("Aannemer A", 1000), ("Aannemer B", 1600)):
        award_services.add_bid(
            user=member, method=method, bidder_name=name, price=Decimal(1_000_000), tonnes=Decimal(tonnes)
        )
    call_command("load_plans_reference", verbosity=0)
    coordinator = MembershipFactory(organisation=own, role=Role.COORDINATOR).user
    plan_world = PlanWorld(
        own,
        coordinator,
        coordinator,
        coordinator,
        {t.code: t for t in Theme.objects.all()},
        {s.step: s for s in LadderStep.objects.all()},
    )
    plan_services.report_publish(
        user=coordinator,
        report=plan_services.report_create(user=coordinator, plan=adopted_plan(plan_world), year=2025),
    )
    facts_refresh()  # the factories write past the record's seam
    return Dataset(token=api_key(member), organisation=own.pk, other=other.pk)


def _operations() -> Iterator[Any]:
    """The reads first, so that they see the data set as made; then the writes, whose rare successes (a lot made or
    renamed by a generated body) stay in the test's transaction."""
    operations = [result.ok() for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]
    yield from (operation for operation in operations if operation.method.upper() == "GET")
    for operation in operations:
        if operation.method.upper() in WRITES and operation.path not in WRITES_NOT_FUZZED:
            yield operation


def _check(operation: Any, case: Any, headers: dict[str, str], label: str) -> str | None:
    _response, broken = violation(case, headers)
    return None if broken is None else f"{operation.method.upper()} {operation.path} ({label}): {broken}"


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not raised: nothing to shrink
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def run(case: Any) -> None:
        if (failure := _check(operation, case, headers, mode.value)) is not None:
            failures.append(failure)

    try:
        run()
    except Unsatisfiable:
        # Nothing of this operation can be made invalid (a free-text path segment is always some string).
        assert mode == GenerationMode.NEGATIVE, f"{operation.method.upper()} {operation.path}: no valid request"
    return failures


def _known(operation: Any, headers: dict[str, str], data: Dataset) -> list[str]:
    """The operation on every object of the data set the user can see (the list itself, or each object its path
    parameter names), without query and with the queries of QUERIES."""
    if operation.method.upper() != "GET":
        return []
    queries = [{}] + [
        {key: str(value).format(organisation=data.organisation, other=data.other) for key, value in query.items()}
        for query in QUERIES.get(operation.path, [])
    ]
    paths: list[dict[str, Any]] = [{}]
    if operation.path_parameters:
        (parameter,) = [p.name for p in operation.path_parameters]
        collection = COLLECTION.get(operation.path, operation.path.rsplit("/{", 1)[0])
        listed, _broken = violation(SCHEMA[collection]["GET"].Case(query={"pageSize": 500}), headers)
        listed = listed.json()
        assert listed["results"], f"the data set has nothing at {collection}"
        paths = [{parameter: row[parameter]} for row in listed["results"]]
    failures = []
    for path in paths:
        for query in queries:
            case = operation.Case(path_parameters=path, query=query)
            if (failure := _check(operation, case, headers, f"{path} {query}")) is not None:
                failures.append(failure)
    return failures


def _anonymous(operation: Any) -> list[str]:
    """The operation without a token: public figures answer, everything else is a documented 401 problem."""
    if operation.method.upper() != "GET":
        return []
    case = operation.Case(path_parameters={p.name: "1" for p in operation.path_parameters})
    failure = _check(operation, case, {}, "without a token")
    return [failure] if failure else []


@pytest.mark.django_db
def test_api_keeps_its_contract_under_fuzzing(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis's WSGI client sends
    # Fuzzing is not the load the throttle rates are meant for (test_contract.py checks the 429).
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    data = _dataset()
    headers = {"Authorization": f"Token {data.token}"}
    failures: list[str] = []
    operations = list(_operations())
    for operation in operations:
        failures += _known(operation, headers, data) + _anonymous(operation)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, mode, headers)

    assert len(operations) > 40, "the committed document lost its operations"
    assert not failures, f"{len(failures)} answers break the contract:\n\n" + "\n\n".join(failures)
