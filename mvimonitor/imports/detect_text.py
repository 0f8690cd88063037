"""Text detection: which MVI themes and attributes a free text signals, by language, term class and context.

Pure Python, no Django. The term list (`data/text_terms.json`, versioned) holds terms per theme and per language
(lower-case ISO 639-2 codes as eForms publishes them, `*` for names and acronyms of every language). A text is
matched only against the terms of its own language(s): the text's `languageID`, else the notice's languages, else a
stop-word guess (`guess_language`); when no language is known or guessed, every language's terms are used.

Each term has a class (`classes` in the term list): `strong` (names the theme as a requirement), `weak` (a generic
word: counts in requirement texts, and in descriptions only in a sentence with a requirement cue), `object` (repair:
counts only in requirement texts of a lot whose object is not repair work) and `group` (people who may be the
service's beneficiaries: counts only in a sentence with an employment cue). Titles count only strong terms. A
sentence naming exclusion grounds is never read. The confidence of what a match proposes is calibrated per context
and class on the labelled sets (`calibration` in the term list, written by `scripts/detection_quality.py
--calibrate`).
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from .codes import DATA
from .detect_index import TermIndex

TERMS_FILE = DATA / "text_terms.json"
EVERY_LANGUAGE = "*"
EXCLUDED = "excluded"  # the false friends' target, next to the themes and attributes (those start "attr:")

# where a text stands: the requirement contexts, descriptions, titles
AWARD, CONDITION, SELECTION, STRATEGIC, DESCRIPTION, TITLE = (
    "award",
    "condition",
    "selection",
    "strategic",
    "description",
    "title",
)
REQUIREMENT_CONTEXTS = frozenset({AWARD, CONDITION, SELECTION, STRATEGIC})
STRONG, WEAK, OBJECT, GROUP = "strong", "weak", "object", "group"
CLASS_ORDER = {STRONG: 0, OBJECT: 1, GROUP: 1, WEAK: 2}

# ISO 639-1 (TED R2.0.9 LG, OCDS language) and ISO 639-2/B codes -> the codes eForms publishes, lower case
_TWO_LETTER = {
    "nl": "nld", "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "fi": "fin", "da": "dan",
    "sv": "swe", "no": "nor", "nb": "nor", "nn": "nor", "pt": "por", "pl": "pol", "et": "est", "cs": "ces",
    "sk": "slk", "sl": "slv", "hu": "hun", "ro": "ron", "bg": "bul", "el": "ell", "hr": "hrv", "lt": "lit",
    "lv": "lav", "mt": "mlt", "ga": "gle", "is": "isl",
}  # fmt: skip
_BIBLIOGRAPHIC = {"dut": "nld", "ger": "deu", "fre": "fra", "gre": "ell", "cze": "ces", "slo": "slk", "rum": "ron"}

# a few frequent function words per language: enough to tell the languages of a notice apart
_STOP_WORDS = {
    "nld": "de het een en van voor met wordt worden zijn op te dat niet aan door bij naar ook als deze",
    "eng": "the and of to for with is are be by this that will on from which shall or an",
    "deu": "der die das und für mit von zu den ist werden wird auf im eine nicht des dem oder sind",
    "fra": "le la les et des pour avec est sont du une dans par sur au aux ou qui être",
    "spa": "el la los las y del para con es son una por que se al lo como su",
    "ita": "il la le e di per con è sono del una della che gli dei delle nel alla",
    "fin": "ja on ovat sekä tai kanssa joka jotka myös ei tämän tai että kuin",
    "dan": "og af til for med er det den som på en et ikke skal vil ved fra",
    "swe": "och av till för med är det den som på en ett inte ska från vid",
    "nor": "og av til for med er det den som på en et ikke skal fra ved",
}
_STOP_SETS = {language: frozenset(words.split()) for language, words in _STOP_WORDS.items()}


@cache
def language_code(value: str) -> str:
    """A published language code (NLD, NL, en, dut) as the lower-case three-letter code the term list uses."""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if len(code) == 2:
        return _TWO_LETTER.get(code, "")
    return _BIBLIOGRAPHIC.get(code, code) if len(code) == 3 and code.isalpha() else ""


def guess_language(text: str) -> str:
    """The language of a text from its function words, or "" when the text is too short or mixed to tell."""
    counts = dict.fromkeys(_STOP_SETS, 0)
    for word in re.findall(r"\w+", text.lower()):
        for language, words in _STOP_SETS.items():
            if word in words:
                counts[language] += 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    (best, first), (_, second) = ranked[0], ranked[1]
    return best if first >= 3 and first >= 2 * second else ""


@cache
def terms() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    return document


@cache
def _term_classes() -> dict[str, str]:
    classes = terms()["classes"]
    return {term: name for name in (WEAK, OBJECT, GROUP) for term in classes[name]}


def _cue(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(terms()["cues"][name]) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Rules:
    negation: re.Pattern[str]
    harms: re.Pattern[str]
    requirement: re.Pattern[str]
    employment: re.Pattern[str]
    exclusion: re.Pattern[str]
    circular_repair: re.Pattern[str]
    objects: re.Pattern[str]
    object_cpvs: tuple[str, ...]


@cache
def _rules() -> _Rules:
    document = terms()
    return _Rules(
        negation=re.compile(r"(?<!\w)(?:" + "|".join(document["negations"]) + r")(?!\w)", re.IGNORECASE),
        harms=re.compile(r"(?:" + "|".join(document["not_negated"]) + r")$", re.IGNORECASE),
        requirement=_cue("requirement"),
        employment=_cue("employment"),
        exclusion=_cue("exclusion"),
        circular_repair=_cue("circular_repair"),
        objects=re.compile(r"(?<!\w)(?:" + "|".join(document["classes"][OBJECT]) + r")(?!\w)", re.IGNORECASE),
        object_cpvs=tuple(document["object_cpv_prefixes"]),
    )


@cache
def _index(languages: frozenset[str] | None) -> TermIndex:
    """The terms of `languages` (every language for None) and the false friends, in one index; targets are
    `theme|class` and `attr:name|class`."""
    document = terms()
    classes = _term_classes()
    groups: dict[str, list[str]] = {}
    for prefix, section in (("", document["themes"]), ("attr:", document["attributes"])):
        for name, by_language in section.items():
            for language, fragments in by_language.items():
                if languages is not None and language != EVERY_LANGUAGE and language not in languages:
                    continue
                for fragment in fragments:
                    groups.setdefault(f"{prefix}{name}|{classes.get(fragment, STRONG)}", []).append(fragment)
    groups[EXCLUDED] = list(document["excluded"])
    return TermIndex(groups)


@dataclass(frozen=True, slots=True)
class TextMatch:
    target: str  # theme code or attribute
    is_attribute: bool
    phrase: str
    context: str
    term_class: str = STRONG


_SENTENCE_END = re.compile("[.;!?](?!\\S)|[\n\u2022]|\\s[\u2014\u2013]\\s|:\\s")  # and bullets, dashes between spaces
_CLAUSE_END = re.compile(r"[.;:!?\n]")
_FULL_STOP = re.compile(r"[.;!?](?!\S)|\n")  # a colon introduces what an exclusion-grounds heading names


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    following = _SENTENCE_END.search(text, end)
    return text[left : following.start() if following else len(text)]


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


# literal pieces one of which every exclusion cue holds (a test checks it)
_EXCLUSION_STEMS = ("uitsluit", "exclu", "ausschlu", "esclusi", "poissulk", "prohibicion")


def _without_exclusion_grounds(text: str, rules: _Rules) -> str:
    """The text with every sentence that names exclusion grounds blanked: those are not requirements."""
    lowered = text.lower()
    if not any(stem in lowered for stem in _EXCLUSION_STEMS):  # most texts: a quick look instead of the regex
        return text
    spans = []
    for found in rules.exclusion.finditer(text):
        left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, found.start())), default=0)
        following = _FULL_STOP.search(text, found.end())
        spans.append((left, following.start() if following else len(text)))
    return _blank(text, spans)


def _accepted(term_class: str, context: str, sentence: str, repair_object: bool, rules: _Rules) -> bool:
    if context == TITLE:
        return term_class == STRONG
    if term_class == WEAK:
        return context in REQUIREMENT_CONTEXTS or rules.requirement.search(sentence) is not None
    if term_class == OBJECT:
        return context in REQUIREMENT_CONTEXTS and (
            not repair_object or rules.circular_repair.search(sentence) is not None
        )
    if term_class == GROUP:
        return rules.employment.search(sentence) is not None
    return True


def text_languages(text: str, languages: Iterable[str] | None) -> frozenset[str] | None:
    """The languages whose terms apply: the given ones, else the guessed one, else None (every language)."""
    given = frozenset(code for code in (language_code(value) for value in languages or ()) if code)
    if given:
        return given
    guessed = guess_language(text)
    return frozenset({guessed}) if guessed else None


def is_repair_object(titles: Iterable[str], cpvs: Iterable[str]) -> bool:
    """Whether a lot's object is repair work: a repair CPV code or a repair term in its title."""
    rules = _rules()
    return any(cpv.startswith(rules.object_cpvs) for cpv in cpvs if cpv) or any(
        rules.objects.search(title) is not None for title in titles if title
    )


def match_text(
    text: str,
    languages: Iterable[str] | None = None,
    context: str = AWARD,
    *,
    repair_object: bool = False,
) -> list[TextMatch]:
    """Themes and attributes a text signals, one match per target (the strongest, then the first), negated and
    unaccepted matches left out. `languages`: the text's languages (guessed from the text when none is given);
    `context`: where the text stands (award, condition, selection, strategic, description, title)."""
    rules = _rules()
    cleaned = _without_exclusion_grounds(text, rules)
    index = _index(text_languages(text, languages))
    hits = index.find(cleaned)
    false_friends = [(start, match.end()) for start, target, match in hits if target == EXCLUDED]
    if false_friends:  # blank them out and look again, so no term is found inside one
        cleaned = _blank(cleaned, false_friends)
        hits = index.find(cleaned)
    best: dict[str, tuple[int, int, TextMatch]] = {}
    for start, target, match in hits:
        if target == EXCLUDED:
            continue
        name, term_class = target.rsplit("|", 1)
        current = best.get(name)
        if current is not None and current[0] <= CLASS_ORDER[term_class]:
            continue
        before = cleaned[max(0, start - 40) : start]
        clause = _CLAUSE_END.split(before)[-1]
        if rules.negation.search(" ".join(clause.split()[-4:])) and not rules.harms.match(match.group(0)):
            continue
        end = match.end()
        if not _accepted(term_class, context, _sentence(cleaned, start, end), repair_object, rules):
            continue
        left, right = max(0, start - 40), min(len(text), end + 40)
        excerpt = ("…" if left else "") + " ".join(text[left:right].split()) + ("…" if right < len(text) else "")
        is_attribute = name.startswith("attr:")
        found = TextMatch(name[5:] if is_attribute else name, is_attribute, text[start:end], excerpt, term_class)
        best[name] = (CLASS_ORDER[term_class], start, found)
    return [found for _, _, found in sorted(best.values(), key=lambda item: item[1])]


def themes_in(text: str, languages: Iterable[str] | None = None, context: str = AWARD) -> set[str]:
    """The theme codes a text signals (used by the measurement scripts)."""
    return {m.target for m in match_text(text, languages, context) if not m.is_attribute}


def context_group(context: str) -> str:
    """The calibration group of a context: requirement, description or title."""
    return "requirement" if context in REQUIREMENT_CONTEXTS else context


def calibration(context: str, term_class: str) -> tuple[float, int] | None:
    """The measured precision and the number of labelled matches of a context group and term class, if measured."""
    entry = terms().get("calibration", {}).get("groups", {}).get(f"{context_group(context)}:{term_class}")
    if not entry:
        return None
    return float(entry["precision"]), int(entry["matches"])
