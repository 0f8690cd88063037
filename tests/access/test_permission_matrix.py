"""The permission matrix: every URL of the UI, the admin and the API, as every role of organisation A, against the
records of organisation B. Nothing of B may be read or changed, and no account of B's people (nor a superuser's) may be
changed or joined to A: not even the account of B's beheerder who is also a member of A.

The URL list is not written by hand: it is walked from the URL configuration, so a new URL is covered (or the test
fails asking for a value for its parameter) without anyone remembering to add it here.
"""

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from mvimonitor.api.models import ApiToken
from mvimonitor.api.tokens import token_create
from mvimonitor.award.models import AwardMethod, Bid, QualityCriterion
from mvimonitor.dashboards.models import Target
from mvimonitor.effects.models import Commitment, EmissionFactorSet, EvidenceFile, Realisation
from mvimonitor.imports.models import ImportRun, MVIProposal
from mvimonitor.isv.models import Deliverable, DueDiligenceCase, IloIssue, Risk
from mvimonitor.organisations.models import Invitation, Membership, Organisation, Role, User
from mvimonitor.plans.models import ActionPlan, Goal, Measure, ProgressReport
from mvimonitor.suppliers import services as supplier_services
from mvimonitor.suppliers.models import ReportingRequest
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, MVIApplication, Tender

from ..factories import (
    AwardCriterionFactory,
    ContractFactory,
    CpvCodeFactory,
    LotFactory,
    MembershipFactory,
    MVIApplicationFactory,
    OrganisationFactory,
    TenderFactory,
    ThemeFactory,
    UserFactory,
    api_key,
)

# What of B must never appear to A. Organisation names are public (contracting authorities publish their tenders),
# so the markers are B's records and B's people.
SECRET_TITLE = "Geheime aanbesteding van organisatie B"
SECRETS = (
    SECRET_TITLE,
    "Geheim perceel B",
    "Geheim actieplan B",
    "Geheim doel B",
    "Leverancier B-geheim",
    "b-beheerder-geheim",
    "uitnodiging-b-geheim",
    "Geheime toezegging B",
    "b-bewijs-geheim.pdf",
    "Eigen factorlijst B-geheim",
    "import-b-geheim",
)

# URLs that are not about organisation B's records, with the reason.
EXEMPT = {
    "/organisation/invitations/<token>/": "whoever holds the token may accept; see tests/organisations",
    "/api/v1/openapi.json": "public contract, no records",
    "/logout/": "would end the session the rest of the walk needs; tested in tests/security",
    "/monitoring/criteria/<criterion_id>/": "a catalogue criterion, no organisation's record: its counts are the "
    "viewer's organisation's and national ones under disclosure control (tests/themes/test_criterion_page.py)",
}


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    tender_b: Tender
    lot_b: Lot
    criterion_b: AwardCriterion
    application_b: MVIApplication
    contract_b: Contract
    membership_b: Membership
    invitation_b: Invitation
    commitment_b: Commitment
    realisation_b: Realisation
    evidence_b: EvidenceFile
    factor_set_b: EmissionFactorSet
    run_b: ImportRun
    proposal_b: MVIProposal
    api_token_b: ApiToken
    bid_b: Bid
    quality_b: QualityCriterion
    plan_b: ActionPlan
    goal_b: Goal
    measure_b: Measure
    report_b: ProgressReport
    supplier_request_b: ReportingRequest
    target_b: Target
    isv_deliverable_b: Deliverable
    isv_risk_b: Risk

    @property
    def award_method_b(self) -> AwardMethod:
        return self.bid_b.method

    shared: User  # a beheerder of B who is also a lezer of A: A may see the name, never change the account
    root: User  # a superuser without memberships
    lot_a: Lot
    commitment_a: Commitment


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Any) -> World:
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)
    CpvCodeFactory()
    org_a = OrganisationFactory(name="Gemeente A")
    org_b = OrganisationFactory(name="Waterschap B", kind="waterschap")
    tender_b = TenderFactory(organisation=org_b, title=SECRET_TITLE)
    lot_b = LotFactory(tender=tender_b, title="Geheim perceel B")
    membership_b = MembershipFactory(
        organisation=org_b, role=Role.BEHEERDER, user=UserFactory(username="b-beheerder-geheim")
    )
    invitation_b = Invitation.objects.create(
        organisation=org_b,
        email="uitnodiging-b-geheim@example.org",
        role=Role.LEZER,
        token="b-token",
        invited_by=membership_b.user,
        expires_at="2099-01-01T00:00:00Z",
    )
    lot_a = LotFactory(tender=TenderFactory(organisation=org_a, title="Aanbesteding van A"), title="Perceel A")
    contract_a = ContractFactory(lot=lot_a, supplier_name="Leverancier A")
    commitment_a = Commitment.objects.create(
        contract=contract_a, theme=ThemeFactory(), kind="other", description="Toezegging A", quantity=10, unit="kWh",
        period_start=contract_a.start_date, period_end=contract_a.end_date,
    )  # fmt: skip
    contract_b = ContractFactory(lot=lot_b, supplier_name="Leverancier B-geheim")
    commitment_b = Commitment.objects.create(
        contract=contract_b, theme=ThemeFactory(), kind="other", description="Geheime toezegging B", quantity=10,
        unit="kWh", period_start=contract_b.start_date, period_end=contract_b.end_date,
    )  # fmt: skip
    realisation_b = Realisation.objects.create(
        commitment=commitment_b, period_start=contract_b.start_date, period_end=contract_b.start_date, quantity=5
    )
    evidence_b = EvidenceFile.objects.create(
        realisation=realisation_b, original_name="b-bewijs-geheim.pdf", file=SimpleUploadedFile("b.pdf", b"%PDF")
    )
    factor_set_b = EmissionFactorSet.objects.create(
        name="Eigen factorlijst B-geheim", version="1", publication_year=2025, source="B", organisation=org_b
    )
    api_token_b, _key = token_create(user=membership_b.user, name="Script van B-geheim")
    shared = MembershipFactory(organisation=org_b, role=Role.BEHEERDER, user__username="gedeelde-beheerder").user
    MembershipFactory(organisation=org_a, role=Role.LEZER, user=shared)
    isv_case_b = DueDiligenceCase.objects.create(contract=contract_b)
    plan_b = ActionPlan.objects.create(
        organisation=org_b, period="2022-2025", title="Geheim actieplan B", ladder="MVOI 2022-2025"
    )
    bid_b = Bid.objects.create(
        method=AwardMethod.objects.create(lot=lot_b, kind="mki"), bidder_name="Inschrijver B-geheim", price=100
    )
    return World(
        org_a=org_a,
        org_b=org_b,
        tender_b=tender_b,
        lot_b=lot_b,
        criterion_b=AwardCriterionFactory(lot=lot_b),
        application_b=MVIApplicationFactory(lot=lot_b),
        contract_b=contract_b,
        membership_b=membership_b,
        invitation_b=invitation_b,
        commitment_b=commitment_b,
        realisation_b=realisation_b,
        evidence_b=evidence_b,
        factor_set_b=factor_set_b,
        run_b=ImportRun.objects.create(organisation=org_b, source_description="import-b-geheim.xml"),
        proposal_b=MVIProposal.objects.create(
            lot=lot_b, theme=ThemeFactory(code="milieu"), origin="explicit_code", confidence="high", evidence="BT-774"
        ),
        api_token_b=api_token_b,
        bid_b=bid_b,
        quality_b=QualityCriterion.objects.create(method=bid_b.method, name="Kwaliteit B-geheim", max_discount=1),
        plan_b=plan_b,
        goal_b=Goal.objects.create(
            plan=plan_b, title="Geheim doel B", indicator_kind="not_measured", indicator_text="x"
        ),
        measure_b=Measure.objects.create(plan=plan_b, description="Geheime maatregel B", owner="team B"),
        report_b=ProgressReport.objects.create(plan=plan_b, year=2025),
        isv_deliverable_b=Deliverable.objects.create(case=isv_case_b, kind="risk_analysis", due_date="2026-01-31"),
        isv_risk_b=Risk.objects.create(
            case=isv_case_b,
            country="CN",
            ilo_issue=IloIssue.objects.create(
                code="forced-labour",
                name_nl="Dwangarbeid",
                name_en="Forced labour",
                conventions="C29, C105",
                source="t",
                source_year=2023,
            ),
            description="Risico B-geheim",
            found_on="2026-01-01",
        ),
        target_b=Target.objects.create(
            kpi="sme-suitable",
            kpi_version=1,
            scope="organisation",
            organisation=org_b,
            value=30,
            unit="percent",
            name_nl="Doel B-geheim",
            source="Actieplan B",
            source_year=2025,
        ),
        supplier_request_b=supplier_services.request_send(
            user=membership_b.user,
            contract=contract_b,
            period_start=contract_b.start_date,
            period_end=contract_b.end_date,
            due_date=timezone.localdate() + dt.timedelta(days=30),
            recipient_email="leverancier-b@example.org",
            base_url="http://testserver/",
        ),
        shared=shared,
        root=User.objects.create_superuser("root", "root@example.org", "correct-horse-battery-staple"),
        lot_a=lot_a,
        commitment_a=commitment_a,
    )


def snapshot(world: World) -> dict[str, Any]:
    """Everything of organisation B that a request could change, including its history rows."""
    b = world.org_b

    def rows(qs: models.QuerySet[Any]) -> list[dict[str, Any]]:
        return [{k: str(v) for k, v in row.items()} for row in qs.order_by("pk").values()]

    people = User.objects.filter(models.Q(memberships__organisation=b) | models.Q(is_superuser=True)).distinct()
    return {
        "organisation": rows(Organisation.objects.filter(pk=b.pk)),
        "memberships": rows(Membership.objects.filter(organisation=b)),
        # B's people and the superusers: their accounts (password hash included) and where they are members
        "people": rows(people),
        "their_memberships": rows(Membership.objects.filter(user__in=people.values("pk"))),
        "their_api_tokens": rows(ApiToken.objects.filter(user__in=people.values("pk"))),
        "invitations": rows(Invitation.objects.filter(organisation=b)),
        "tenders": rows(Tender.objects.filter(organisation=b)),
        "lots": rows(Lot.objects.filter(tender__organisation=b)),
        "criteria": rows(AwardCriterion.objects.filter(lot__tender__organisation=b)),
        "applications": rows(MVIApplication.objects.filter(lot__tender__organisation=b)),
        "contracts": rows(Contract.objects.filter(lot__tender__organisation=b)),
        "import_runs": rows(ImportRun.objects.filter(organisation=b)),
        "proposals": rows(MVIProposal.objects.filter(lot__tender__organisation=b)),
        "tender_history": Tender.history.filter(organisation_id=b.pk).count(),  # type: ignore[attr-defined]
        "commitments": rows(Commitment.objects.filter(contract__lot__tender__organisation=b)),
        "realisations": rows(Realisation.objects.filter(commitment__contract__lot__tender__organisation=b)),
        "evidence": rows(EvidenceFile.objects.filter(realisation__commitment__contract__lot__tender__organisation=b)),
        "factor_sets": rows(EmissionFactorSet.objects.filter(organisation=b)),
        "bids": rows(Bid.objects.filter(method__lot__tender__organisation=b)),
        "quality_criteria": rows(QualityCriterion.objects.filter(method__lot__tender__organisation=b)),
        "plans": rows(ActionPlan.objects.filter(organisation=b)),
        "isv_risks": rows(Risk.objects.filter(case__contract__lot__tender__organisation=b)),
        "isv_deliverables": rows(Deliverable.objects.filter(case__contract__lot__tender__organisation=b)),
        "supplier_requests": rows(ReportingRequest.objects.filter(contract__lot__tender__organisation=b)),
    }


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # walked per registered model below
            yield from _walk(entry.url_patterns, prefix + _route(entry.pattern))
        else:
            yield prefix + _route(entry.pattern)


def _route(pattern: Any) -> str:
    text = str(pattern)
    if hasattr(pattern, "_route"):
        return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", text)
    # regex patterns (DRF routers): (?P<name>...) becomes <name>
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)
    return text.lstrip("^").rstrip("$").replace("\\.", ".")


def ui_and_api_urls() -> list[str]:
    urls = sorted({"/" + u for u in _walk(get_resolver().url_patterns) if not u.startswith("i18n/")})
    return [u for u in urls if u not in EXEMPT]


API_OBJECTS = {
    "organisations": "org_b",
    "tenders": "tender_b",
    "lots": "lot_b",
    "award-criteria": "criterion_b",
    "mvi-applications": "application_b",
    "contracts": "contract_b",
    "commitments": "commitment_b",
    "realisations": "realisation_b",
    "emission-factor-sets": "factor_set_b",
    "effect-summaries": "org_b",
    "import-runs": "run_b",
    "award-methods": "award_method_b",
    "action-plans": "plan_b",
    "plan-reports": "report_b",
}
UI_PARAMETERS = {
    "tender_id": "tender_b",
    "lot_id": "lot_b",
    "application_id": "application_b",
    "pk": "membership_b",
    "token": "invitation_b",
    "contract_id": "contract_b",
    "commitment_id": "commitment_b",
    "realisation_id": "realisation_b",
    "evidence_id": "evidence_b",
    "run_id": "run_b",
    "proposal_id": "proposal_b",
    "token_id": "api_token_b",
    "bid_id": "bid_b",
    "quality_id": "quality_b",
    "request_id": "supplier_request_b",
    "plan_id": "plan_b",
    "goal_id": "goal_b",
    "measure_id": "measure_b",
    "report_id": "report_b",
    "target_id": "target_b",
    "deliverable_id": "isv_deliverable_b",
    "risk_id": "isv_risk_b",
}
# Parameters that name no object: the value every URL of the matrix gets.
LITERAL_PARAMETERS = {"file_format": "pdf", "language": "nl", "kind": "pdf"}


def fill(url: str, world: World) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if url.startswith("/api/v1/"):
            resource = url.removeprefix("/api/v1/").split("/")[0]
            if name == "pk" and resource in API_OBJECTS:
                return str(getattr(world, API_OBJECTS[resource]).pk)
            return "1"  # catalogue resources hold no organisation data
        if name in LITERAL_PARAMETERS:
            return LITERAL_PARAMETERS[name]
        if name not in UI_PARAMETERS:
            pytest.fail(f"URL {url} has parameter <{name}>: add it to UI_PARAMETERS in this test")
        obj = getattr(world, UI_PARAMETERS[name])
        return str(obj.token if name == "token" else obj.pk)

    return re.sub(r"<(\w+)>", value, url)


HOSTILE_FORM = {
    "title": "overgenomen",
    "name": "overgenomen",
    "organisation": "",
    "role": Role.BEHEERDER,
    "email": "indringer@example.org",
    "nature": "services",
    "procedure_type": "open",
    "number": "LOT-X",
    "criterion_type": "quality",
    "theme": "sroi",
    "form": "gunningscriterium",
    "kind": "gemeente",
}


def hostile_api_body(url: str, world: World) -> dict[str, Any]:
    return {
        "organisation": world.org_b.pk,
        "tender": world.tender_b.pk,
        "lot": world.lot_b.pk,
        "title": "overgenomen",
        "name": "overgenomen",
        "number": "LOT-X",
        "nature": "services",
        "procedureType": "open",
        "criterionType": "quality",
        "theme": "sroi",
        "form": "gunningscriterium",
    }


ROLES = [*Role, "national_analyst", "staff", "staff_member_admin"]
# What a staff beheerder who is not a superuser typically holds to manage their organisation's people in the admin.
MEMBER_ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("membership", "user", "invitation", "organisation")
    for action in ("add", "change", "delete", "view")
]


def make_user(role: str, world: World) -> User:
    if role == "national_analyst":
        return UserFactory(national_analyst=True)  # type: ignore[no-any-return]
    if role == "staff":
        # A staff member of A with every model permission: the admin must still scope to A.
        user = MembershipFactory(organisation=world.org_a, role=Role.BEHEERDER).user
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.all())
        return user  # type: ignore[no-any-return]
    if role == "staff_member_admin":
        user = MembershipFactory(organisation=world.org_a, role=Role.BEHEERDER).user
        user.is_staff = True
        user.save()
        user.user_permissions.set(Permission.objects.filter(codename__in=MEMBER_ADMIN_PERMISSIONS))
        return user  # type: ignore[no-any-return]
    return MembershipFactory(organisation=world.org_a, role=role).user  # type: ignore[no-any-return]


def assert_no_leak(response: Any, where: str) -> None:
    body = response.content.decode(errors="replace")
    shown = [secret for secret in SECRETS if secret in body]
    assert shown == [], f"{where} shows B's {shown}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_role_of_a_reads_or_changes_anything_of_b_through_ui_or_api(role: str, world: World) -> None:
    user = make_user(role, world)
    client = Client()
    client.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    before = snapshot(world)
    checked = 0

    for pattern in ui_and_api_urls():
        url = fill(pattern, world)
        is_api = url.startswith("/api/")
        http = api if is_api else client
        names_b_object = pattern != url and not (is_api and "<pk>" in pattern and url.endswith("/1"))

        response = http.get(url)
        assert response.status_code < 500, f"GET {url} -> {response.status_code}"
        if names_b_object:
            assert response.status_code in (302, 403, 404, 405), f"GET {url} as {role} -> {response.status_code}"
        assert_no_leak(response, f"GET {url} as {role}")

        if is_api:
            body = json.dumps(hostile_api_body(url, world))
            for method in ("post", "put", "patch", "delete"):
                response = getattr(api, method)(url, body, content_type="application/json")
                assert response.status_code < 500, f"{method.upper()} {url} -> {response.status_code}"
                assert response.status_code not in (200, 201, 204) or not names_b_object, (
                    f"{method.upper()} {url} as {role} -> {response.status_code}"
                )
                assert_no_leak(response, f"{method.upper()} {url} as {role}")
        else:
            response = client.post(url, HOSTILE_FORM | {"organisation": world.org_b.pk})
            assert response.status_code < 500, f"POST {url} -> {response.status_code}"
            if names_b_object:
                assert response.status_code in (302, 403, 404, 405), f"POST {url} as {role} -> {response.status_code}"
                if response.status_code == 302:
                    assert "/login/" in response["Location"], f"POST {url} as {role} redirected, not refused"
        checked += 1

    # The walk ran logged in throughout, and switching to B did not work: B's records stay invisible.
    assert "_auth_user_id" in client.session
    assert_no_leak(client.get("/tenders/"), f"tender list after switch attempt as {role}")
    assert snapshot(world) == before
    assert checked >= 30


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_role_of_a_reads_or_changes_b_in_the_admin(role: str, world: World) -> None:
    user = make_user(role, world)
    client = Client()
    client.force_login(user)
    before = snapshot(world)
    b_objects: dict[type[models.Model], models.Model] = {
        Organisation: world.org_b,
        Membership: world.membership_b,
        Invitation: world.invitation_b,
        Tender: world.tender_b,
        Lot: world.lot_b,
        AwardCriterion: world.criterion_b,
        MVIApplication: world.application_b,
        Contract: world.contract_b,
        User: world.membership_b.user,
    }

    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        response = client.get(base)
        assert response.status_code < 500, f"GET {base} -> {response.status_code}"
        assert_no_leak(response, f"admin changelist {base} as {role}")
        obj = b_objects.get(model)
        if obj is None:
            continue
        for action in ("change", "delete", "history"):
            url = f"{base}{obj.pk}/{action}/"
            response = client.get(url)
            assert response.status_code in (302, 403, 404), f"GET {url} as {role} -> {response.status_code}"
            if response.status_code == 302:
                assert "/login/" in response["Location"] or response["Location"] == "/admin/", url
            response = client.post(url, {"post": "yes", "name": "overgenomen", "title": "overgenomen"})
            assert response.status_code in (302, 403, 404), f"POST {url} as {role} -> {response.status_code}"

    attempt_account_takeovers(client, world, role)
    point_own_records_at_b(client, world, role)
    assert snapshot(world) == before


TAKEN_OVER_PASSWORD = "Overgenomen-wachtwoord-2026"


def attempt_account_takeovers(client: Client, world: World, role: str) -> None:
    """Join B's people or a superuser to A, make an API token for them, set their password, change their account:
    each must be refused."""
    offered = client.get(
        "/admin/autocomplete/",
        {"app_label": "organisations", "model_name": "membership", "field_name": "user", "term": ""},
    )
    assert offered.status_code in (200, 302, 403), f"user autocomplete as {role} -> {offered.status_code}"
    victims = (world.membership_b.user, world.shared, world.root)
    if offered.status_code == 200:
        names = {row["text"] for row in offered.json()["results"]}
        assert not names & {victim.username for victim in victims}, f"user autocomplete as {role} offers {names}"
    for victim in victims:
        client.post(
            "/admin/organisations/membership/add/",
            {"user": victim.pk, "organisation": world.org_a.pk, "role": Role.BEHEERDER},
        )
        client.post("/admin/api/apitoken/add/", {"user": victim.pk, "name": "x"})  # a token acts as its account
        base = f"/admin/organisations/user/{victim.pk}/"
        password = {"password1": TAKEN_OVER_PASSWORD, "password2": TAKEN_OVER_PASSWORD, "usable_password": "true"}
        account = {
            "username": victim.username,
            "email": "indringer@example.org",
            "is_active": "on",
            "date_joined_0": victim.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": victim.date_joined.strftime("%H:%M:%S"),
        }
        for url, data in ((f"{base}password/", password), (f"{base}change/", account)):
            for response in (client.get(url), client.post(url, data)):
                assert response.status_code in (302, 403, 404), f"{url} as {role} -> {response.status_code}"
                if response.status_code == 302:
                    assert "/login/" in response["Location"], f"{url} as {role} -> {response['Location']}"


def point_own_records_at_b(client: Client, world: World, role: str) -> None:
    """Edit A's own lot and commitment in the admin with the number of B's tender or B's own factor set typed in:
    neither is accepted, and the refused form does not name it (a raw-id box shows the name of the row it holds)."""
    attempts: list[tuple[str, models.Model, dict[str, Any]]] = [
        (f"/admin/tenders/lot/{world.lot_a.pk}/change/", world.lot_a, {"tender": world.tender_b.pk}),
        (
            f"/admin/effects/commitment/{world.commitment_a.pk}/change/",
            world.commitment_a,
            {"factor_set": world.factor_set_b.pk},
        ),
    ]
    for url, instance, changes in attempts:
        data = {key: ("" if value is None else value) for key, value in model_to_dict(instance).items()}
        response = client.post(url, data | changes)
        assert response.status_code < 500, f"POST {url} as {role} -> {response.status_code}"
        assert_no_leak(response, f"POST {url} pointing at B as {role}")
    assert Lot.objects.get(pk=world.lot_a.pk).tender_id != world.tender_b.pk
    assert Commitment.objects.get(pk=world.commitment_a.pk).factor_set_id != world.factor_set_b.pk
