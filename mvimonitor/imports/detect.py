"""Detectors: what a read notice says about MVI, as proposals per lot for a buyer to confirm. Pure Python, no Django.

Three sources, in decreasing confidence (the `Confidence` of each proposal says which):

1. Explicit codes (`data/code_mapping.json`, versioned): eForms BT-06/774/775/776/805/754/71/736/717/810/811/809/726,
   vehicle counts, winner size, the innovation-partnership procedure; OCDS sustainability goals with their
   strategies; TED R2.0.9 reserved-contract flags (read as the eForms codes of the same meaning). A code mapped to a
   theme gives a proposal (high when the code names the theme, medium for umbrella / instrument codes); explicit
   negatives (`none`, `no`, `false`, `n-inc`) and codes without a theme give no proposal but a `CodeFinding`, so the
   review page can show "the buyer said no" apart from "not filled in".
2. Texts of award criteria, performance conditions, selection criteria and strategic-procurement descriptions,
   matched by `detect_text` against the term list of the text's own language(s) (`data/text_terms.json`,
   versioned), with the rules of each term class: the form of application follows from where the text stands
   (award criterion -> gunningscriterium with the criterion's weight; performance conditions -> contractbepaling;
   selection -> selectie). Exclusion grounds (BT-67) and fields not listed in `TEXT_FIELDS` are never read.
3. Descriptions and titles: the weakest signal, form left open. Where a lot's description is empty, only a number
   ("Perceel 2") or a pointer to the documents, the notice's description is read for the lot instead.

The confidence of a text proposal is calibrated: the measured precision of its context group (requirement,
description, title) and term class on the labelled sets; medium from 0.9 on at least 10 labelled matches in a
requirement text, low otherwise. The evidence says the measured precision.

`detect(notice)` returns the (proposals, attribute signals) pair of the contract in `notices.py`; `detect_all`
also returns the findings. Proposals are deduplicated per (lot, theme, form): the most confident one is kept and the
evidence of the others is appended.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from .codes import code_mapping, mapping_rows, mapping_version
from .detect_text import (
    AWARD,
    CONDITION,
    DESCRIPTION,
    REQUIREMENT_CONTEXTS,
    SELECTION,
    STRATEGIC,
    TITLE,
    TextMatch,
    calibration,
    guess_language,
    is_repair_object,
    language_code,
    terms,
)
from .detect_text import match_text as match_text  # the tests and scripts match single texts
from .detect_text import themes_in as themes_in
from .notices import AttributeSignal, Code, Confidence, Lot, Notice, Proposal, ProposalOrigin, Text

ALL_FORMS = {"gunningscriterium", "contractbepaling", "selectie", "minimumeis"}
CONFIDENCE_ORDER = {Confidence.HIGH: 3, Confidence.MEDIUM: 2, Confidence.LOW: 1}

# text field -> (form of application, context); fields not listed are never read for detection
TEXT_FIELDS: dict[str, tuple[str, str]] = {
    # an award criterion the eForms reader could not keep as one (no BT-539 type): its name and description
    "BT-734": ("gunningscriterium", AWARD),
    "BT-540": ("gunningscriterium", AWARD),
    "BT-70": ("contractbepaling", CONDITION),
    "LEFTI/PERFORMANCE_CONDITIONS": ("contractbepaling", CONDITION),
    "contractTerms.performanceTerms": ("contractbepaling", CONDITION),
    "BT-750": ("selectie", SELECTION),
    "LEFTI/TECHNICAL_PROFESSIONAL_INFO": ("selectie", SELECTION),
    "BT-777": ("", STRATEGIC),
    "sustainability.description": ("", STRATEGIC),
    "BT-24": ("", DESCRIPTION),
    "description": ("", DESCRIPTION),
    "OBJECT_DESCR/SHORT_DESCR": ("", DESCRIPTION),
    "Omschrijving aanbesteding": ("", DESCRIPTION),
    "title": ("", TITLE),
}
# Texts that are read by the readers but never propose a theme: exclusion grounds (eForms BT-67, OCDS eForms
# profile `exclusionGrounds`) and TED's suitability to pursue the professional activity (III.1.1: enrolment in
# registers, where exclusion grounds are written), which name laws to comply with, not MVI requirements.
NEVER_READ = frozenset({"BT-67", "BT-67(a)", "BT-67(b)", "exclusionGrounds", "LEFTI/SUITABILITY"})
# a lot description that says nothing of its own: empty, a number, "Perceel 2", "Lot 3", "zie bestek", a dash
PLACEHOLDER = re.compile(
    r"^\W*(?:(?:perceel|percelen|lot|los|lote|lotto|erä|part|teil|deel)\W*(?:n[or]\.?|nr\.?|n°|no\.?)?\W*\d*\w?\W*"
    r"|zie (?:het )?(?:bestek|aanbestedingsstukken|aanbestedingsdocumenten)\W*"
    r"|see (?:the )?(?:tender |procurement )?documents?\W*|siehe vergabeunterlagen\W*|\d*\W*)$",
    re.IGNORECASE,
)
CONTEXT_NAMES = {
    AWARD: "an award criterion",
    CONDITION: "a performance condition",
    SELECTION: "a selection criterion",
    STRATEGIC: "a strategic-procurement description",
    DESCRIPTION: "a description",
    TITLE: "a title",
}
MEDIUM_FROM = 0.9  # calibrated precision from which a requirement-text match is of medium confidence
MEDIUM_MIN_MATCHES = 10


def text_confidence(context: str, term_class: str) -> tuple[Confidence, str]:
    """The confidence of a text match in `context` of `term_class`, and the measured precision as evidence."""
    measured = calibration(context, term_class)
    if measured is None:
        return Confidence.LOW, "not measured"
    precision, matches = measured
    confident = context in REQUIREMENT_CONTEXTS and precision >= MEDIUM_FROM and matches >= MEDIUM_MIN_MATCHES
    return (
        Confidence.MEDIUM if confident else Confidence.LOW,
        f"{term_class} term in {CONTEXT_NAMES[context]}: {precision:.0%} right in {matches} labelled matches",
    )


@dataclass(frozen=True, slots=True)
class CodeFinding:
    """A code that gives no proposal, kept as evidence: kind `negative` (the buyer said no), `context` (no theme),
    `superseded` (an umbrella code when the specific code is present), `below_threshold` (a zero vehicle count) or
    `unknown` (a code the mapping does not know)."""

    lot_id: str
    kind: str
    field: str
    list_name: str
    value: str
    evidence: str
    rule: str


@dataclass(slots=True)
class Detection:
    proposals: list[Proposal] = field(default_factory=list)
    signals: list[AttributeSignal] = field(default_factory=list)
    findings: list[CodeFinding] = field(default_factory=list)


MAPPING_VERSION = f"codes-{mapping_version()}+terms-{terms()['version']}"


@dataclass(frozen=True, slots=True)
class _CodeRule:
    """A row of the code mapping as the detector uses it, its enums built once instead of for every code read."""

    kind: str
    rule: str
    theme: str
    attribute: str
    form: str
    origin: ProposalOrigin | None  # None for the rows that never give a proposal or signal (negative, context)
    confidence: Confidence | None
    gives: bool  # kind theme or attribute: present in a lot, it supersedes the umbrella codes of `only_if_absent`
    only_if_absent: tuple[str, ...]
    min_count: int


@cache
def _code_rules() -> dict[tuple[str, str], _CodeRule]:
    """(list name, code) -> the mapping row's rule."""
    rules = {}
    for key, row in mapping_rows().items():
        findings_only = row["kind"] in ("negative", "context")
        rules[key] = _CodeRule(
            kind=row["kind"],
            rule=row["rule"],
            theme=row["theme"],
            attribute=row["attribute"],
            form=row["form"],
            origin=None if findings_only else ProposalOrigin(row["origin"]),
            confidence=None if findings_only else Confidence(row["confidence"]),
            gives=row["kind"] in ("theme", "attribute"),
            only_if_absent=tuple(row["only_if_absent"]),
            min_count=row["min_count"],
        )
    return rules


@cache
def _strategy_forms() -> dict[str, str]:
    """OCDS sustainability strategy -> the form of application it implies (read once, not per lot)."""
    return {r["code"]: r["form"] for r in code_mapping()["ocds_strategy_forms"]}


def _evidence(code: Code) -> str:
    return f"{code.field} {code.list_name}={code.value} ({code.path})"


class _Detector:
    def __init__(self, notice: Notice, *, findings: bool = True) -> None:
        self.notice = notice
        self.keep_findings = findings  # `detect` does not return them: not built then
        self.result = Detection()
        # the same text often stands in several fields and lots of a notice
        self.matches: dict[tuple[str, tuple[str, ...], str, bool], list[TextMatch]] = {}
        self.languages = self.notice_languages()

    def notice_languages(self) -> tuple[str, ...]:
        """The notice's languages (BT-702), else the language its texts are guessed to be in, else () (every
        language's terms apply)."""
        notice = self.notice
        declared = getattr(notice, "languages", None) or [notice.language]
        codes = tuple(sorted({code for code in (language_code(value) for value in declared) if code}))
        if codes:
            return codes
        parts = [notice.title, notice.description]
        for lot in notice.lots:
            parts += [lot.title, lot.description, *(c.name for c in lot.award_criteria)]
            parts += [text.text for text in lot.texts]
        guessed = guess_language(" ".join(part for part in parts if part)[:20_000])
        return (guessed,) if guessed else ()

    def match(self, text: str, languages: tuple[str, ...], context: str, repair_object: bool) -> list[TextMatch]:
        key = (text, languages, context, repair_object)
        found = self.matches.get(key)
        if found is None:
            found = self.matches[key] = match_text(text, languages or None, context, repair_object=repair_object)
        return found

    def run(self) -> Detection:
        winners_by_lot: dict[str, list[Code]] = {}
        for result in self.notice.results:
            for index, winner in enumerate(result.winners):
                if winner.size:
                    winners_by_lot.setdefault(result.lot_id, []).append(
                        Code(
                            "BT-165",
                            "economic-operator-size",
                            winner.size,
                            f"results[lot {result.lot_id}].winners[{index}] {winner.name}",
                        )
                    )
        for lot in self.notice.lots:
            codes = lot.codes + self.notice.codes + winners_by_lot.pop(lot.lot_id, [])
            self.codes(lot, codes)
            self.texts(lot)
        for lot_id, codes in winners_by_lot.items():  # results of lots the notice does not describe
            self.codes(Lot(lot_id=lot_id), codes)
        self.result.proposals = _dedupe(self.result.proposals)
        self.result.signals = _dedupe_signals(self.result.signals)
        return self.result

    # -- explicit codes -------------------------------------------------------------------------------------------
    def codes(self, lot: Lot, codes: list[Code]) -> None:
        if not codes:
            return
        rules = _code_rules()
        found = [(code, rules.get((code.list_name, code.value))) for code in codes]
        present_lists = {code.list_name for code, rule in found if rule is not None and rule.gives}
        strategies = [c for c in codes if c.list_name == "ocds-sustainability-strategy"]
        forms = _strategy_forms()
        for code, rule in found:
            if code.list_name == "ocds-sustainability-strategy":
                if code.value not in forms:
                    self.finding(lot, "unknown", code, "")
                continue
            if rule is None:
                self.finding(lot, "unknown", code, "")
                continue
            kind = rule.kind
            if kind in ("negative", "context"):
                self.finding(lot, kind, code, rule.rule)
                continue
            if rule.only_if_absent and any(name in present_lists for name in rule.only_if_absent):
                self.finding(lot, "superseded", code, rule.rule)
                continue
            if rule.min_count and lot.vehicle_counts.get(code.value, 0) < rule.min_count:
                self.finding(lot, "below_threshold", code, rule.rule)
                continue
            origin, confidence = rule.origin, rule.confidence
            if origin is None or confidence is None:  # cannot happen: only negative and context rows have none
                raise ValueError(f"code mapping row {rule.rule} of kind {kind!r} has no origin or confidence")
            evidence = _evidence(code)
            if code.list_name == "vehicles":
                evidence += (
                    f" count {lot.vehicle_counts.get(code.value, 0)} of {lot.vehicle_counts.get('vehicles', 0)}"
                )
            if kind == "attribute":
                self.result.signals.append(
                    AttributeSignal(lot.lot_id, rule.attribute, origin, confidence, evidence, rule.rule)
                )
                continue
            form_list = [rule.form]
            if code.list_name == "ocds-sustainability-goal":
                form_list = self.goal_forms(code, strategies, forms)
            for form in form_list:
                self.result.proposals.append(
                    Proposal(lot.lot_id, rule.theme, form, origin, confidence, evidence, rule.rule)
                )

    @staticmethod
    def goal_forms(goal: Code, strategies: list[Code], forms: dict[str, str]) -> list[str]:
        prefix = goal.path.rsplit(".goal", 1)[0] + ".strategies"
        mine = {forms.get(s.value, "") for s in strategies if s.path.startswith(prefix)} - {""}
        if not mine or mine == ALL_FORMS:  # OCP's eForms mapping sets all four: that says nothing about the form
            return [""]
        return sorted(mine)

    def finding(self, lot: Lot, kind: str, code: Code, rule: str) -> None:
        if not self.keep_findings:
            return
        self.result.findings.append(
            CodeFinding(lot.lot_id, kind, code.field, code.list_name, code.value, _evidence(code), rule)
        )

    # -- texts -------------------------------------------------------------------------------------------------
    def texts(self, lot: Lot) -> None:
        notice = self.notice
        version = terms()["version"]
        repair = is_repair_object([lot.title, notice.title], [lot.main_cpv, notice.main_cpv])
        for criterion in lot.award_criteria:
            criterion_text = " ".join(part for part in (criterion.name, criterion.description) if part)
            for match in self.match(criterion_text, self.languages, AWARD, repair):
                confidence, measured = text_confidence(AWARD, match.term_class)
                evidence = f"award criterion {criterion.path}: “{match.context}”"
                if criterion.weight is not None:
                    evidence += f" (weight {criterion.weight}%)"
                self.text_result(
                    lot,
                    match,
                    "gunningscriterium",
                    confidence,
                    f"{evidence} [{measured}]",
                    f"terms-{version}:award",
                    criterion.weight,
                )
        texts: list[Text] = [text for text in lot.texts if text.field not in NEVER_READ]
        if PLACEHOLDER.match(lot.description) and notice.description:
            texts.append(Text("description", "description", notice.description))
        if notice.title:
            texts.append(Text("title", "title", notice.title))
        if lot.title and lot.title != notice.title:
            texts.append(Text("title", f"lot {lot.lot_id} title", lot.title))
        for text in texts:
            form, context = TEXT_FIELDS.get(text.field, ("", ""))
            if not context:
                continue
            languages = (code,) if (code := language_code(text.language)) else self.languages
            for match in self.match(text.text, languages, context, repair):
                confidence, measured = text_confidence(context, match.term_class)
                evidence = f"{text.field} {text.path}: “{match.context}” [{measured}]"
                self.text_result(lot, match, form, confidence, evidence, f"terms-{version}:{text.field}", None)

    def text_result(
        self,
        lot: Lot,
        match: TextMatch,
        form: str,
        confidence: Confidence,
        evidence: str,
        rule: str,
        weight: Decimal | None,
    ) -> None:
        if match.is_attribute:
            self.result.signals.append(
                AttributeSignal(lot.lot_id, match.target, ProposalOrigin.TEXT_DETECTION, confidence, evidence, rule)
            )
        else:
            self.result.proposals.append(
                Proposal(
                    lot.lot_id, match.target, form, ProposalOrigin.TEXT_DETECTION, confidence, evidence, rule, weight
                )
            )


def _dedupe(proposals: list[Proposal]) -> list[Proposal]:
    best: dict[tuple[str, str, str], Proposal] = {}
    extra: dict[tuple[str, str, str], list[str]] = {}
    weights: dict[tuple[str, str, str], Decimal] = {}
    for proposal in proposals:
        key = (proposal.lot_id, proposal.theme, proposal.form)
        if proposal.award_weight is not None:  # several award criteria of one theme: their weights add up
            weights[key] = weights.get(key, Decimal(0)) + proposal.award_weight
        current = best.get(key)
        if current is None or CONFIDENCE_ORDER[proposal.confidence] > CONFIDENCE_ORDER[current.confidence]:
            if current is not None:
                extra.setdefault(key, []).append(current.evidence)
            best[key] = proposal
        else:
            extra.setdefault(key, []).append(proposal.evidence)
    out = []
    for key, proposal in best.items():
        if key not in extra and key not in weights:  # found once, nothing to add: the proposal as it is
            out.append(proposal)
            continue
        evidence = "; ".join([proposal.evidence, *extra.get(key, [])][:4])
        out.append(
            Proposal(
                proposal.lot_id,
                proposal.theme,
                proposal.form,
                proposal.origin,
                proposal.confidence,
                evidence,
                proposal.rule,
                weights.get(key, proposal.award_weight),
            )
        )
    return out


def _dedupe_signals(signals: list[AttributeSignal]) -> list[AttributeSignal]:
    best: dict[tuple[str, str], AttributeSignal] = {}
    for signal in signals:
        key = (signal.lot_id, signal.attribute)
        current = best.get(key)
        if current is None or CONFIDENCE_ORDER[signal.confidence] > CONFIDENCE_ORDER[current.confidence]:
            best[key] = signal
    return list(best.values())


def detect_all(notice: Notice) -> Detection:
    return _Detector(notice).run()


def detect(notice: Notice) -> tuple[list[Proposal], list[AttributeSignal]]:
    """Proposed MVI applications and attribute signals for every lot of a notice."""
    result = _Detector(notice, findings=False).run()
    return result.proposals, result.signals
