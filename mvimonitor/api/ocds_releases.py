"""OCDS out: the procurement record as OCDS 1.1 releases with the Sustainability extension and OCDS-for-eForms fields.

One release per published tender (a publication date; a tender without one is not published and not released),
holding everything the record knows at once: the tender with its lots, items (CPV), award criteria and the
sustainability of the lots, and an award and a contract per contract of a lot. Only public fields are written:
what a procurement notice publishes (buyer, titles, values, CPV, procedure, lots, criteria, suppliers, contract
dates) and the MVI applications of the record. Never: internal references, users, evidence, confidence or origin
of an application, proposals (open or rejected), notes, effects or their evidence files.

Sustainability comes from the MVI applications, which exist only once entered or confirmed by the buyer; an open
proposal is never released. Each application is one `sustainability` entry: the goal of its theme and the strategy of
its form of application. When the buyer confirmed a proposal read from a code that names a more precise goal (an
eForms BT-774/BT-775 code, an OCDS goal), that goal is used; otherwise the theme's goal in `THEME_GOALS`. A lot
without applications says `hasSustainability: false` when the buyer confirmed the tender's MVI registration, and
nothing when it was not confirmed (not known). The eForms-profile fields come from the same confirmed proposals:
BT-71 `res-ws` -> `otherRequirements.reservedParticipation` `shelteredWorkshop`, BT-736 `yes` ->
`contractTerms.reservedExecution`, BT-717 `true` -> `coveredBy` `EU-CVD`, BT-754 `inc` -> `hasAccessibilityCriteria`;
the tender's SME-friendly attribute -> `suitability.sme` of every lot.

Deterministic: the ocid is `<prefix>-<tender id>` (prefix: `ocid_prefix()`), the release id the ocid and a digest of
the release's content (it changes exactly when the content does), the date the latest change to the tender, its MVI
registration or its applications; lists come in a fixed order.
"""

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max, Prefetch, QuerySet

from mvimonitor.imports.codes import code_mapping
from mvimonitor.imports.models import MVIProposal, ProposalStatus
from mvimonitor.organisations.models import Organisation, OrganisationKind
from mvimonitor.tenders.models import AwardCriterion, Contract, Lot, MVIApplication, Nature, ProcedureType, Tender

DEFAULT_OCID_PREFIX = "ocds-mvimon"
DEFAULT_PUBLISHER = "MVI Monitor"
OCID_PREFIX = re.compile(r"ocds-[a-z0-9]{6}")
OCDS_VERSION = "1.1"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_sustainability_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/eforms/980ee81e376542d395ca87a290060940ca346eea/"
    "schema/profile/extension.json",
]

# The goal written for a theme when no more precise goal is known. The extension has no code for "diversity and
# inclusion" as a whole; accessibility is the one the record's structured sources (BT-754, BT-775 acc-all) give.
# Every goal here is read back as the same theme (tests/api/test_ocds_releases.py checks it against the code mapping).
THEME_GOALS = {
    "milieu": "environmental",
    "klimaat": "environmental.climateChangeMitigation",
    "circulair": "environmental.circularEconomy",
    "keten": "social.humanRightsInSupplyChains",
    "d_i": "social.accessibility",
    "sroi": "social.disadvantagedEmploymentOpportunities",
}
FORM_STRATEGIES = {
    "selectie": "selectionCriteria",
    "minimumeis": "technicalSpecifications",
    "gunningscriterium": "awardCriteria",
    "contractbepaling": "contractPerformanceConditions",
}
# eForms codes (as mapping rules) -> the Sustainability extension's goal (OCP's mapping tables, normalised to the
# extension's own codes).
RULE_GOALS = {
    "BT-774:biodiv-eco": "environmental.biodiversityProtectionRestoration",
    "BT-774:circ-econ": "environmental.circularEconomy",
    "BT-774:clim-adapt": "environmental.climateChangeAdaptation",
    "BT-774:clim-mitig": "environmental.climateChangeMitigation",
    "BT-774:pollu-prev": "environmental.pollutionPrevention",
    "BT-774:water-mar": "environmental.waterResourcesProtection",
    "BT-775:acc-all": "social.accessibility",
    "BT-775:et-eq": "social.ethnicEquality",
    "BT-775:gen-eq": "social.genderEquality",
    "BT-775:hum-right": "social.humanRightsInSupplyChains",
    "BT-775:opp": "social.disadvantagedEmploymentOpportunities",
    "BT-775:work-cond": "social.laborRightsPromotion",
}
GOAL_RULE = "ocds-goal:"
RESERVED_PARTICIPATION = "BT-71:res-ws"
RESERVED_EXECUTION = "BT-736:yes"
CLEAN_VEHICLES = "BT-717:true"
ACCESSIBILITY = "BT-754:inc"
CATEGORIES = {Nature.WORKS: "works", Nature.SUPPLIES: "goods", Nature.SERVICES: "services"}
METHODS = {
    ProcedureType.OPEN: "open",
    ProcedureType.NATIONAL_OPEN: "open",
    ProcedureType.RESTRICTED: "selective",
    ProcedureType.COMPETITIVE_DIALOGUE: "selective",
    ProcedureType.NEGOTIATED_WITH_CALL: "selective",
    ProcedureType.INNOVATION_PARTNERSHIP: "selective",
    ProcedureType.MULTIPLE_PRIVATE: "limited",
    ProcedureType.NEGOTIATED_WITHOUT_CALL: "limited",
    ProcedureType.SINGLE_PRIVATE: "direct",
}
# English and fixed, whatever the language of the request: the same record gives the same release.
METHOD_DETAILS = {
    ProcedureType.OPEN: "Open procedure",
    ProcedureType.RESTRICTED: "Restricted procedure",
    ProcedureType.COMPETITIVE_DIALOGUE: "Competitive dialogue",
    ProcedureType.NEGOTIATED_WITH_CALL: "Competitive procedure with negotiation",
    ProcedureType.NEGOTIATED_WITHOUT_CALL: "Negotiated procedure without prior publication",
    ProcedureType.INNOVATION_PARTNERSHIP: "Innovation partnership",
    ProcedureType.MULTIPLE_PRIVATE: "Multiple private procedure (national)",
    ProcedureType.SINGLE_PRIVATE: "Single private procedure (national)",
    ProcedureType.NATIONAL_OPEN: "National open procedure",
    ProcedureType.OTHER: "Other procedure",
}
# eForms buyer-legal-type, only where an organisation kind means exactly that.
LEGAL_TYPES = {
    OrganisationKind.RIJK: "cga",
    OrganisationKind.PROVINCIE: "ra",
    OrganisationKind.GEMEENTE: "la",
    OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING: "body-pl",
}
CHUNK = 500


def ocid_prefix() -> str:
    """`settings.MVIMONITOR_OCDS_PREFIX` (default `ocds-mvimon`): the ocid prefix OCP registered for the publisher."""
    prefix = str(settings.MVIMONITOR_OCDS_PREFIX or DEFAULT_OCID_PREFIX)
    if not OCID_PREFIX.fullmatch(prefix):
        raise ImproperlyConfigured(
            f"MVIMONITOR_OCDS_PREFIX must be 'ocds-' and six lowercase letters or digits, not {prefix!r}"
        )
    return prefix


def publisher_name() -> str:
    """`settings.MVIMONITOR_OCDS_PUBLISHER` (default `MVI Monitor`): the publisher named in every package."""
    return str(settings.MVIMONITOR_OCDS_PUBLISHER or DEFAULT_PUBLISHER)


def releasable(tenders: QuerySet[Tender]) -> QuerySet[Tender]:
    """The published tenders of `tenders` in release order (publication date, then id)."""
    return tenders.filter(publication_date__isnull=False).order_by("publication_date", "pk")


def with_release_data(tenders: QuerySet[Tender]) -> QuerySet[Tender]:
    """`tenders` with everything a release reads fetched in a fixed number of queries."""
    return tenders.select_related("organisation").prefetch_related(
        "additional_cpvs",
        Prefetch(
            "lots",
            Lot.objects.order_by("number", "pk").prefetch_related(
                Prefetch("award_criteria", AwardCriterion.objects.order_by("pk")),
                Prefetch(
                    "mvi_applications",
                    MVIApplication.objects.select_related("theme", "form").order_by(
                        "theme__order", "theme__code", "form__order", "form__code", "pk"
                    ),
                ),
                Prefetch("contracts", Contract.objects.order_by("pk")),
            ),
        ),
    )


def _rules(tenders: Sequence[Tender]) -> dict[int, set[str]]:
    """Per MVI application: the mapping rules of the proposals the buyer confirmed into it."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = MVIProposal.objects.filter(
        status=ProposalStatus.CONFIRMED, application__isnull=False, lot__tender__in=[t.pk for t in tenders]
    ).values_list("application_id", "rule")
    for application_id, rule in rows:
        if application_id is not None and rule:
            found[application_id].add(rule)
    return found


def _goal_themes() -> dict[str, str]:
    return {
        row["code"]: row["theme"]
        for row in code_mapping()["rows"]
        if row["list"] == "ocds-sustainability-goal" and row["kind"] == "theme"
    }


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: date) -> str:
    return f"{value.isoformat()}T00:00:00Z"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(value: Decimal | None, currency: str) -> dict[str, Any] | None:
    return None if value is None else {"amount": _number(value), "currency": currency or "EUR"}


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is not known: None, empty strings, lists and objects (OCDS strings have a minimum length)."""
    return {key: value for key, value in data.items() if value is not None and value not in ("", [], {})}


def _organisation(organisation: Organisation, fallback: str) -> tuple[str, dict[str, Any]]:
    if organisation.oin:
        scheme, identifier = "NL-OIN", organisation.oin
    elif organisation.kvk_number:
        scheme, identifier = "NL-KVK", organisation.kvk_number
    else:
        scheme, identifier = "", organisation.national_id
    party_id = f"{scheme}-{identifier}" if scheme else fallback
    legal_type = LEGAL_TYPES.get(OrganisationKind(organisation.kind)) if organisation.kind in LEGAL_TYPES else None
    return party_id, _clean(
        {
            "id": party_id,
            "name": organisation.name,
            "identifier": _clean({"scheme": scheme, "id": identifier, "legalName": organisation.name}),
            "roles": ["buyer"],
            "details": {"classifications": [{"scheme": "eu-buyer-legal-type", "id": legal_type}]}
            if legal_type
            else None,
        }
    )


class _Builder:
    def __init__(self, prefix: str, rules: dict[int, set[str]]) -> None:
        self.prefix = prefix
        self.rules = rules
        self.goal_themes = _goal_themes()

    def release(self, tender: Tender) -> dict[str, Any]:
        ocid = f"{self.prefix}-{tender.pk}"
        buyer_id, buyer = _organisation(tender.organisation, f"{ocid}-buyer")
        lots = list(tender.lots.all())
        parties = [buyer]
        suppliers: dict[str, str] = {}
        awards, contracts = [], []
        changed = [tender.updated_at, tender.mvi_confirmed_at]
        for lot in lots:
            changed += [application.updated_at for application in lot.mvi_applications.all()]
            for contract in lot.contracts.all():
                supplier_id = self.supplier(contract, suppliers, parties, ocid)
                award_id = f"award-{contract.pk}"
                period = _clean(
                    {
                        "startDate": _day(contract.start_date) if contract.start_date else None,
                        "endDate": _day(contract.end_date) if contract.end_date else None,
                    }
                )
                value = _amount(contract.value, contract.currency)
                awards.append(
                    _clean(
                        {
                            "id": award_id,
                            "status": "active",
                            "date": _day(contract.conclusion_date) if contract.conclusion_date else None,
                            "value": value,
                            "suppliers": [{"id": supplier_id, "name": contract.supplier_name}],
                            "contractPeriod": period,
                            "relatedLots": [lot.number],
                        }
                    )
                )
                contracts.append(
                    _clean(
                        {
                            "id": f"contract-{contract.pk}",
                            "awardID": award_id,
                            "period": period,
                            "value": value,
                            "dateSigned": _day(contract.conclusion_date) if contract.conclusion_date else None,
                        }
                    )
                )
        tags = ["tender", "award", "contract"] if contracts else ["tender"]
        release = _clean(
            {
                "ocid": ocid,
                "id": "",
                "date": _timestamp(max(moment for moment in changed if moment is not None)),
                "tag": tags,
                "initiationType": "tender",
                "parties": parties,
                "buyer": {"id": buyer_id, "name": tender.organisation.name},
                "tender": self.tender(tender, lots),
                "awards": awards,
                "contracts": contracts,
            }
        )
        digest = hashlib.sha256(json.dumps(release, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return {"ocid": ocid, "id": f"{ocid}-{digest[:16]}", **{k: v for k, v in release.items() if k != "ocid"}}

    @staticmethod
    def supplier(contract: Contract, known: dict[str, str], parties: list[dict[str, Any]], ocid: str) -> str:
        key = contract.supplier_kvk_number or contract.supplier_name
        if key in known:
            return known[key]
        party_id = (
            f"NL-KVK-{contract.supplier_kvk_number}" if contract.supplier_kvk_number else f"supplier-{len(known) + 1}"
        )
        known[key] = party_id
        scale = None if contract.supplier_is_sme is None else "sme" if contract.supplier_is_sme else "large"
        parties.append(
            _clean(
                {
                    "id": party_id,
                    "name": contract.supplier_name,
                    "identifier": {"scheme": "NL-KVK", "id": contract.supplier_kvk_number}
                    if contract.supplier_kvk_number
                    else None,
                    "roles": ["supplier"],
                    "details": {"scale": scale} if scale else None,
                }
            )
        )
        return party_id

    def tender(self, tender: Tender, lots: list[Lot]) -> dict[str, Any]:
        items = []
        if tender.main_cpv_id:
            items.append(
                _clean(
                    {
                        "id": "tender",
                        "classification": {"scheme": "CPV", "id": str(tender.main_cpv_id)},
                        "additionalClassifications": [
                            {"scheme": "CPV", "id": cpv.code}
                            for cpv in sorted(tender.additional_cpvs.all(), key=lambda c: c.code)
                        ],
                    }
                )
            )
        for lot in lots:
            if lot.main_cpv_id:
                items.append(
                    {
                        "id": f"lot-{lot.number}",
                        "classification": {"scheme": "CPV", "id": str(lot.main_cpv_id)},
                        "relatedLot": lot.number,
                    }
                )
        procedure = ProcedureType(tender.procedure_type) if tender.procedure_type in ProcedureType.values else None
        return _clean(
            {
                "id": str(tender.pk),
                "title": tender.title,
                "description": tender.description,
                "mainProcurementCategory": CATEGORIES.get(Nature(tender.nature)) if tender.nature else None,
                "procurementMethod": METHODS.get(procedure) if procedure else None,
                "procurementMethodDetails": METHOD_DETAILS.get(procedure) if procedure else None,
                "value": _amount(tender.estimated_value, tender.currency),
                "items": items,
                "lots": [self.lot(tender, lot) for lot in lots],
            }
        )

    def lot(self, tender: Tender, lot: Lot) -> dict[str, Any]:
        applications = list(lot.mvi_applications.all())
        rules: set[str] = set()
        sustainability = []
        for application in applications:
            mine = self.rules.get(application.pk, set())
            rules |= mine
            entry = _clean(
                {
                    "goal": self.goal(application.theme.code, mine),
                    "strategies": [FORM_STRATEGIES[application.form.code]]
                    if application.form.code in FORM_STRATEGIES
                    else None,
                }
            )
            if entry.get("goal") and entry not in sustainability:
                sustainability.append(entry)
        has_sustainability = True if sustainability else False if tender.mvi_confirmed_at else None
        criteria = [
            _clean(
                {
                    "type": criterion.criterion_type,
                    "name": criterion.name,
                    "numbers": [{"number": _number(criterion.weight), "weight": "percentageExact"}]
                    if criterion.weight is not None
                    else None,
                }
            )
            for criterion in lot.award_criteria.all()
        ]
        return _clean(
            {
                "id": lot.number,
                "title": lot.title,
                "description": lot.description,
                "value": _amount(lot.estimated_value, tender.currency),
                "hasSustainability": has_sustainability,
                "sustainability": sustainability,
                "awardCriteria": {"criteria": criteria} if criteria else None,
                "otherRequirements": {"reservedParticipation": ["shelteredWorkshop"]}
                if RESERVED_PARTICIPATION in rules
                else None,
                "contractTerms": {"reservedExecution": True} if RESERVED_EXECUTION in rules else None,
                "coveredBy": ["EU-CVD"] if CLEAN_VEHICLES in rules else None,
                "hasAccessibilityCriteria": True if ACCESSIBILITY in rules else None,
                "suitability": {"sme": tender.is_sme_friendly} if tender.is_sme_friendly is not None else None,
            }
        )

    def goal(self, theme: str, rules: set[str]) -> str | None:
        """The most precise goal the confirmed proposals name for this theme, else the theme's own goal."""
        named = sorted(
            {rule.removeprefix(GOAL_RULE) for rule in rules if rule.startswith(GOAL_RULE)}
            | {RULE_GOALS[rule] for rule in rules if rule in RULE_GOALS}
        )
        precise = [goal for goal in named if "." in goal and self.goal_themes.get(goal) == theme]
        return precise[0] if precise else THEME_GOALS.get(theme)


def releases(tenders: Sequence[Tender], *, prefix: str | None = None) -> list[dict[str, Any]]:
    """The releases of `tenders` (fetched with `with_release_data`), in their order."""
    builder = _Builder(prefix or ocid_prefix(), _rules(tenders))
    return [builder.release(tender) for tender in tenders]


def iter_releases(tenders: QuerySet[Tender], *, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """The releases of the published tenders of `tenders`, `chunk` tenders fetched at a time: memory stays flat."""
    prefix = ocid_prefix()
    ids = list(releasable(tenders).values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        fetched = {t.pk: t for t in with_release_data(Tender.objects.filter(pk__in=part))}
        yield from releases([fetched[pk] for pk in part if pk in fetched], prefix=prefix)


def published_date(tenders: QuerySet[Tender]) -> str:
    """The last change to what the releases of `tenders` hold (for a package made on demand), or the Unix epoch."""
    published = releasable(tenders)
    moments = [
        published.aggregate(m=Max("updated_at"))["m"],
        published.aggregate(m=Max("mvi_confirmed_at"))["m"],
        published.aggregate(m=Max("lots__mvi_applications__updated_at"))["m"],
    ]
    known = [moment for moment in moments if moment is not None]
    return _timestamp(max(known)) if known else "1970-01-01T00:00:00Z"


def package_head(*, uri: str, published: str) -> dict[str, Any]:
    """The metadata of a release package (everything but `releases`)."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": published,
        "publisher": {"name": publisher_name()},
    }


def write_package(out: IO[str], head: dict[str, Any], items: Iterable[dict[str, Any]]) -> int:
    """Write a release package to `out`, one release at a time (never all in memory); returns the count."""
    opening = json.dumps(head, ensure_ascii=False)
    out.write(opening[:-1] + ', "releases": [')
    count = 0
    for release in items:
        out.write(("," if count else "") + "\n" + json.dumps(release, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
