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
from collections.abc import Iterable
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


_QUANTIFIERS = set("?*+{")


def _key(fragment: str) -> str | None:
    """The literal lower-case characters (three, else two; letters, digits, space, hyphen) a term starts with, or
    None when its start is not literal."""
    for length in (3, 2):
        head = fragment[: length + 1]
        if len(head) < length or not head[0].isalnum() or not all(c.isalnum() or c in " -'" for c in head[:length]):
            continue
        if len(head) == length + 1 and head[length] in _QUANTIFIERS:
            continue
        return head[:length].lower()
    return None


def _trie(keys: list[str]) -> str:
    """A regex matching, at a word start, any of the 2- or 3-letter keys, as a trie (first letter, then the next):
    an alternation of hundreds of literal keys would be tried one by one at every position."""
    tree: dict[str, dict[str, set[str]]] = {}
    for key in keys:
        tree.setdefault(key[0], {}).setdefault(key[1], set()).add(key[2] if len(key) == 3 else "")
    branches = []
    for first, seconds in sorted(tree.items()):
        parts = []
        for second, thirds in sorted(seconds.items()):
            if "" in thirds:
                parts.append(re.escape(second))
            else:
                parts.append(re.escape(second) + "[" + "".join(re.escape(c) for c in sorted(thirds)) + "]")
        branches.append(re.escape(first) + "(?:" + "|".join(parts) + ")")
    firsts = "".join(re.escape(first) for first in sorted(tree))
    # a character class first lets the regex engine skip quickly to candidate letters; the lookbehind then checks
    # that the letter starts a word
    return "(?=[" + firsts + "])(?<!\\w)(?:" + "|".join(branches) + ")"


_META = set("\\.^$*+?{}[]()|")


def _literal_prefix(fragment: str) -> str:
    """The lower-case literal text every match of a term starts with ("biodivers" of "biodivers(iteit|ity)")."""
    out: list[str] = []
    for index, char in enumerate(fragment):
        if char in _META:
            if char in "?*{" and out:
                out.pop()  # the character before an optional quantifier may be absent
            break
        if index + 1 < len(fragment) and fragment[index + 1] in "?*{":
            break
        out.append(char)
    prefix = "".join(out)
    lowered = prefix.lower()
    return lowered if len(lowered) == len(prefix) else ""


def _prefix_trie(prefixes: set[str]) -> str:
    """A regex for any of `prefixes` as a trie (first character, then the next, ...), matching only the first
    character and checking the rest with a lookahead, so a match never hides a word start inside it."""
    tree: dict[str, Any] = {}
    for prefix in prefixes:
        node = tree
        for char in prefix:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        if "" in node:
            return ""  # a shorter prefix already suffices
        parts = [re.escape(char) + branch(child) for char, child in sorted(node.items())]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    firsts = [
        re.escape(char) + ("(?=" + rest + ")" if (rest := branch(child)) else "")
        for char, child in sorted(tree.items())
    ]
    return "(?:" + "|".join(firsts) + ")"


def _odd_case_characters(text: str) -> frozenset[str]:
    """Characters that a case-insensitive regex for the letters of `text` matches although their lower case is
    not one of those letters (the long s U+017F for 's', the dotless i U+0131 for 'i', ...): a text holding one is
    matched the slow, case-insensitive way, so lower-casing the text first never loses a match."""
    letters = set(text)
    pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(letters)) + "]", re.IGNORECASE)
    sample = "".join(map(chr, range(0x80, 0x3000)))
    return frozenset(c for c in pattern.findall(sample) if c.lower() not in letters)


# the ASCII characters \W matches, as a character set
_ASCII_NON_WORD = "[" + "".join(re.escape(chr(c)) for c in range(128) if re.match(r"\w", chr(c)) is None) + "]"


class _Index:
    """Finds terms at word starts only, trying just the terms that begin with the letters found there.

    One regex with hundreds of alternatives, run over every position of every text, made detection the slowest part
    of an import; finding the word starts that begin some term in one C-level scan, then trying only the terms with
    those first letters, gives the same matches (terms are anchored at a word start and end at a word end either
    way) in a fraction of the time.
    """

    def __init__(self, groups: dict[str, list[str]]) -> None:
        by_key: dict[str, dict[str, list[str]]] = {}
        loose: dict[str, list[str]] = {}
        for target, fragments in groups.items():
            for fragment in fragments:
                key = _key(fragment)
                if key is None:
                    loose.setdefault(target, []).append(fragment)
                else:
                    by_key.setdefault(key, {}).setdefault(target, []).append(fragment)
        suffix = r")(?!\w)"
        self.by_key = {
            key: [(target, re.compile("(?:" + "|".join(f) + suffix, re.IGNORECASE)) for target, f in targets.items()]
            for key, targets in by_key.items()
        }
        # one pattern per key with every target's terms: most candidate word starts match nothing, said in one call
        self.any_by_key = {
            key: re.compile("(?:" + "|".join(f for fs in targets.values() for f in fs) + suffix, re.IGNORECASE)
            for key, targets in by_key.items()
        }
        # terms whose start is not literal; those starting with a sign ("% van de opdrachtsom") may follow a digit
        self.loose = [
            (
                target,
                re.compile(
                    "(?:"
                    + "|".join(("(?<!\\w)" if f[0].isalnum() else "") + "(?:" + f + ")" for f in fragments)
                    + r")(?!\w)",
                    re.IGNORECASE,
                ),
            )
            for target, fragments in loose.items()
        ]
        self.starts = re.compile(_trie(list(self.by_key)), re.IGNORECASE) if self.by_key else None
        # The fast way in: on the lower-cased text, the word starts where some term's literal beginning stands
        # (`\b` before a letter is a word start); most texts have a handful, not one per word.
        prefixes = {
            p for fs in groups.values() for f in fs if _key(f) is not None and len(p := _literal_prefix(f)) >= 2
        }
        prefixes |= {key for key in self.by_key if not any(key.startswith(p) or p.startswith(key) for p in prefixes)}
        # A word start is the text's start or a position after a non-word character (every prefix starts with a
        # letter or digit). Searching for the non-word character lets the regex engine skip the letters inside words
        # in its fast C loop instead of trying the trie at every position.
        trie = _prefix_trie(prefixes) if prefixes else ""
        self.fast_head = re.compile(trie) if prefixes else None
        self.fast = re.compile(r"\W" + trie) if prefixes else None
        # the same for an ASCII text, with its non-word characters spelt out: a set the engine tests with a bitmap
        # instead of the Unicode category test of \W on every character
        self.fast_ascii = re.compile(_ASCII_NON_WORD + trie) if prefixes else None
        odd = _odd_case_characters("".join(prefixes))
        self.odd = re.compile("[" + "".join(re.escape(c) for c in sorted(odd)) + "]") if odd else None

    def find(self, text: str) -> list[tuple[int, str, re.Match[str]]]:
        """(start, target, match) of every term occurrence at a word start, in text order."""
        found = []
        lowered = text.lower()
        positions: Iterable[int]
        is_ascii = text.isascii()
        if (
            self.fast is not None
            and self.fast_ascii is not None
            and self.fast_head is not None
            and len(lowered) == len(text)
            and (is_ascii or self.odd is None or self.odd.search(text) is None)
        ):
            scan = self.fast_ascii if is_ascii else self.fast
            positions = [match.start() + 1 for match in scan.finditer(lowered)]
            if self.fast_head.match(lowered) is not None:
                positions.insert(0, 0)
        else:
            positions = [match.start() for match in self.starts.finditer(text)] if self.starts is not None else []
            lowered = ""
        by_key = self.by_key
        for position in positions:
            for length in (3, 2):
                key = lowered[position : position + length] if lowered else text[position : position + length].lower()
                candidates = by_key.get(key)
                if candidates is None or self.any_by_key[key].match(text, position) is None:
                    continue
                for target, pattern in candidates:
                    match = pattern.match(text, position)
                    if match is not None:
                        found.append((position, target, match))
        for target, pattern in self.loose:
            found += [(match.start(), target, match) for match in pattern.finditer(text)]
        found.sort(key=lambda item: item[0])
        return found


EXCLUDED = "excluded"  # the false friends' target, next to the themes and attributes (those start "attr:")


@cache
def _compiled() -> tuple[_Index, _Index, set[str], re.Pattern[str], re.Pattern[str]]:
    terms = _terms()
    targets = {**terms["themes"], **{f"attr:{k}": v for k, v in terms["attributes"].items()}}
    index = _Index(targets)
    # the terms and the false friends in one index: one scan of a text finds both (false friends are rare)
    with_excluded = _Index({**targets, EXCLUDED: terms["excluded"]})
    attributes = {f"attr:{k}" for k in terms["attributes"]}
    negation = re.compile(r"(?<!\w)(?:" + "|".join(terms["negations"]) + r")(?!\w)", re.IGNORECASE)
    harms = re.compile(r"(?:" + "|".join(terms["not_negated"]) + r")$", re.IGNORECASE)
    return index, with_excluded, attributes, negation, harms


MAPPING_VERSION = f"codes-{mapping_version()}+terms-{_terms()['version']}"


def match_text(text: str) -> list[TextMatch]:
    """Themes and attributes a text signals, one match per target (the first phrase), negated matches left out."""
    index, with_excluded, attributes, negation, harms = _compiled()
    cleaned = text
    hits = with_excluded.find(text)
    false_friends = [(start, match) for start, target, match in hits if target == EXCLUDED]
    if false_friends:  # blank them out and look again, so no term is found inside one
        for start, match in false_friends:
            cleaned = cleaned[:start] + " " * (match.end() - start) + cleaned[match.end() :]
        hits = index.find(cleaned)
    found: list[TextMatch] = []
    done: set[str] = set()
    for start, target, match in hits:
        if target in done or target == EXCLUDED:
            continue
        before = cleaned[max(0, start - 40) : start]
        clause = _CLAUSE_END.split(before)[-1]
        if negation.search(" ".join(clause.split()[-4:])) and not harms.match(match.group(0)):
            continue
        done.add(target)
        end = match.end()
        left, right = max(0, start - 40), min(len(text), end + 40)
        context = ("…" if left else "") + " ".join(text[left:right].split()) + ("…" if right < len(text) else "")
        is_attribute = target in attributes
        found.append(TextMatch(target[5:] if is_attribute else target, is_attribute, text[start:end], context))
    return found


def themes_in(text: str) -> set[str]:
    """The theme codes a text signals (used by the measurement script)."""
    return {m.target for m in match_text(text) if not m.is_attribute}


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


_CLAUSE_END = re.compile(r"[.;:!?\n]")


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
        self.matches: dict[str, list[TextMatch]] = {}  # the same text often stands in several fields of a notice

    def match(self, text: str) -> list[TextMatch]:
        found = self.matches.get(text)
        if found is None:
            found = self.matches[text] = match_text(text)
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
        version = _terms()["version"]
        for criterion in lot.award_criteria:
            criterion_text = " ".join(part for part in (criterion.name, criterion.description) if part)
            for match in self.match(criterion_text):
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
            for match in self.match(text.text):
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
