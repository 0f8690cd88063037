"""Detectors: what a read notice says about MVI, as proposals per lot for a buyer to confirm. Pure Python, no Django.

Three sources, in decreasing confidence (the `Confidence` of each proposal says which):

1. Explicit codes (`data/code_mapping.json`, versioned): eForms BT-06/774/775/776/805/754/71/736/717/810/811/809/726,
   vehicle counts, winner size, the innovation-partnership procedure; OCDS sustainability goals with their
   strategies; TED R2.0.9 reserved-contract flags (read as the eForms codes of the same meaning). A code mapped to a
   theme gives a proposal (high when the code names the theme, medium for umbrella / instrument codes); explicit
   negatives (`none`, `no`, `false`, `n-inc`) and codes without a theme give no proposal but a `CodeFinding`, so the
   review page can show "the buyer said no" apart from "not filled in".
2. Texts of award criteria, performance conditions and selection criteria, matched against the Dutch/English/German
   term list (`data/text_terms.json`, versioned): the form of application follows from where the text stands (award
   criterion -> gunningscriterium with the criterion's weight; performance conditions -> contractbepaling; selection
   -> selectie), confidence medium.
3. Descriptions (lot/notice description, title): the weakest signal, confidence low, form left open.

`detect(notice)` returns the (proposals, attribute signals) pair of the contract in `notices.py`; `detect_all`
also returns the findings. Proposals are deduplicated per (lot, theme, form): the most confident one is kept and the
evidence of the others is appended.
"""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from .codes import DATA, code_mapping, mapping_rows, mapping_version
from .notices import AttributeSignal, Code, Confidence, Lot, Notice, Proposal, ProposalOrigin, Text

TERMS_FILE = DATA / "text_terms.json"
ALL_FORMS = {"gunningscriterium", "contractbepaling", "selectie", "minimumeis"}
CONFIDENCE_ORDER = {Confidence.HIGH: 3, Confidence.MEDIUM: 2, Confidence.LOW: 1}

# text field -> (form of application, confidence); fields not listed are not used for detection
TEXT_FIELDS: dict[str, tuple[str, Confidence]] = {
    "BT-70": ("contractbepaling", Confidence.MEDIUM),
    "LEFTI/PERFORMANCE_CONDITIONS": ("contractbepaling", Confidence.MEDIUM),
    "contractTerms.performanceTerms": ("contractbepaling", Confidence.MEDIUM),
    "BT-750": ("selectie", Confidence.MEDIUM),
    "LEFTI/TECHNICAL_PROFESSIONAL_INFO": ("selectie", Confidence.MEDIUM),
    "LEFTI/SUITABILITY": ("selectie", Confidence.MEDIUM),
    "BT-777": ("", Confidence.MEDIUM),
    "sustainability.description": ("", Confidence.MEDIUM),
    "BT-24": ("", Confidence.LOW),
    "description": ("", Confidence.LOW),
    "OBJECT_DESCR/SHORT_DESCR": ("", Confidence.LOW),
    "Omschrijving aanbesteding": ("", Confidence.LOW),
}


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


@dataclass(frozen=True, slots=True)
class TextMatch:
    target: str  # theme code or attribute
    is_attribute: bool
    phrase: str
    context: str


@cache
def _terms() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    return document


def _pattern(fragments: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(fragments) + r")(?!\w)", re.IGNORECASE)


@cache
def _compiled() -> tuple[list[tuple[str, bool, re.Pattern[str]]], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    terms = _terms()
    patterns = [(theme, False, _pattern(fragments)) for theme, fragments in terms["themes"].items()]
    patterns += [(attribute, True, _pattern(fragments)) for attribute, fragments in terms["attributes"].items()]
    negation = re.compile(r"(?<!\w)(?:" + "|".join(terms["negations"]) + r")(?!\w)", re.IGNORECASE)
    excluded = _pattern(terms["excluded"])
    harms = re.compile(r"(?:" + "|".join(terms["not_negated"]) + r")$", re.IGNORECASE)
    return patterns, negation, excluded, harms


MAPPING_VERSION = f"codes-{mapping_version()}+terms-{_terms()['version']}"


def match_text(text: str) -> list[TextMatch]:
    """Themes and attributes a text signals, one match per target (the first phrase), negated matches left out."""
    patterns, negation, excluded, harms = _compiled()
    cleaned = excluded.sub(lambda m: " " * len(m.group(0)), text)
    found: list[TextMatch] = []
    for target, is_attribute, pattern in patterns:
        for match in pattern.finditer(cleaned):
            before = cleaned[max(0, match.start() - 40) : match.start()]
            clause = re.split(r"[.;:!?\n]", before)[-1]
            if negation.search(" ".join(clause.split()[-4:])) and not harms.match(match.group(0)):
                continue
            start, end = max(0, match.start() - 40), min(len(text), match.end() + 40)
            context = ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")
            found.append(TextMatch(target, is_attribute, text[match.start() : match.end()], context))
            break
    return found


def themes_in(text: str) -> set[str]:
    """The theme codes a text signals (used by the measurement script)."""
    return {m.target for m in match_text(text) if not m.is_attribute}


def _evidence(code: Code) -> str:
    return f"{code.field} {code.list_name}={code.value} ({code.path})"


class _Detector:
    def __init__(self, notice: Notice) -> None:
        self.notice = notice
        self.result = Detection()

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
        rows = mapping_rows()
        present_lists = {
            c.list_name for c in codes if rows.get((c.list_name, c.value), {}).get("kind") in ("theme", "attribute")
        }
        strategies = [c for c in codes if c.list_name == "ocds-sustainability-strategy"]
        forms = {r["code"]: r["form"] for r in code_mapping()["ocds_strategy_forms"]}
        for code in codes:
            if code.list_name == "ocds-sustainability-strategy":
                if code.value not in forms:
                    self.finding(lot, "unknown", code, "")
                continue
            row = rows.get((code.list_name, code.value))
            if row is None:
                self.finding(lot, "unknown", code, "")
                continue
            kind = row["kind"]
            if kind in ("negative", "context"):
                self.finding(lot, kind, code, row["rule"])
                continue
            if any(name in present_lists for name in row["only_if_absent"]):
                self.finding(lot, "superseded", code, row["rule"])
                continue
            if row["min_count"] and lot.vehicle_counts.get(code.value, 0) < row["min_count"]:
                self.finding(lot, "below_threshold", code, row["rule"])
                continue
            origin, confidence = ProposalOrigin(row["origin"]), Confidence(row["confidence"])
            evidence = _evidence(code)
            if code.list_name == "vehicles":
                evidence += (
                    f" count {lot.vehicle_counts.get(code.value, 0)} of {lot.vehicle_counts.get('vehicles', 0)}"
                )
            if kind == "attribute":
                self.result.signals.append(
                    AttributeSignal(lot.lot_id, row["attribute"], origin, confidence, evidence, row["rule"])
                )
                continue
            form_list = [row["form"]]
            if code.list_name == "ocds-sustainability-goal":
                form_list = self.goal_forms(code, strategies, forms)
            for form in form_list:
                self.result.proposals.append(
                    Proposal(lot.lot_id, row["theme"], form, origin, confidence, evidence, row["rule"])
                )

    @staticmethod
    def goal_forms(goal: Code, strategies: list[Code], forms: dict[str, str]) -> list[str]:
        prefix = goal.path.rsplit(".goal", 1)[0] + ".strategies"
        mine = {forms.get(s.value, "") for s in strategies if s.path.startswith(prefix)} - {""}
        if not mine or mine == ALL_FORMS:  # OCP's eForms mapping sets all four: that says nothing about the form
            return [""]
        return sorted(mine)

    def finding(self, lot: Lot, kind: str, code: Code, rule: str) -> None:
        self.result.findings.append(
            CodeFinding(lot.lot_id, kind, code.field, code.list_name, code.value, _evidence(code), rule)
        )

    # -- texts -------------------------------------------------------------------------------------------------
    def texts(self, lot: Lot) -> None:
        version = _terms()["version"]
        for criterion in lot.award_criteria:
            criterion_text = " ".join(part for part in (criterion.name, criterion.description) if part)
            for match in match_text(criterion_text):
                evidence = f"award criterion {criterion.path}: “{match.context}”"
                if criterion.weight is not None:
                    evidence += f" (weight {criterion.weight}%)"
                self.text_result(
                    lot,
                    match,
                    "gunningscriterium",
                    Confidence.MEDIUM,
                    evidence,
                    f"terms-{version}:award",
                    criterion.weight,
                )
        texts: list[Text] = list(lot.texts)
        if self.notice.title:
            texts.append(Text("title", "title", self.notice.title))
        for text in texts:
            form, confidence = (
                TEXT_FIELDS.get(text.field, ("", Confidence.LOW)) if text.field != "title" else ("", Confidence.LOW)
            )
            for match in match_text(text.text):
                evidence = f"{text.field} {text.path}: “{match.context}”"
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
    result = detect_all(notice)
    return result.proposals, result.signals
