"""Links between what a notice asks and the criteria of the MVI catalogue, proposed for the buyer to confirm.

A lot's award criteria, and the requirement texts the readers keep for it (award criteria without a type, performance
conditions, selection criteria, strategic-procurement descriptions: the texts `detect.TEXT_FIELDS` reads in a
requirement context), are matched against the criteria of the current release (`CriteriaRelease.objects.current()`):

- a criterion's code or its id in the criteria tool named literally (as a whole word, in any case) gives a proposal
  of high confidence (rule `catalogue-code`);
- a criterion's title, Dutch or English, contained in the text once both are normalised (lower case, punctuation and
  extra spaces removed; whole words only) gives a proposal of medium confidence (rule `catalogue-title`).

A match counts only when the tender's product group is unknown (always so for a new procedure) or is the criterion's
(the same group in any release). Each match is a `CatalogueProposal`: the criterion's main theme, the form of
application of its kind, origin `catalogue`, the criterion's id, and evidence that names the criterion, what matched
and the excerpt. The evidence is stored in one fixed English shape (so a run in another language never counts as
new evidence) and put into words in the reader's language by `review.evidence_items`.

Identifiers shorter than `MIN_IDENTIFIER_CHARS` or made of digits only, and titles shorter than `MIN_TITLE_CHARS`
once normalised, are never matched: such strings stand in texts as amounts, years, weights and common words.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from mvimonitor.themes.models import KIND_FORMS, CriteriaRelease, Criterion, CriterionKind, ProductGroup

from . import notices as n
from .detect import NEVER_READ, TEXT_FIELDS
from .detect_text import REQUIREMENT_CONTEXTS

RULE_CODE = "catalogue-code"
RULE_TITLE = "catalogue-title"
MIN_IDENTIFIER_CHARS = 3
MIN_TITLE_CHARS = 12
EXCERPT_MARGIN = 60  # characters of context kept on either side of what matched

# a code or id as it stands in a text: word characters, joined by hyphens, dots or slashes ("KM-B-GC", "S1004")
_IDENTIFIER = re.compile(r"\w+(?:[-./]\w+)*")
_WORD = re.compile(r"[^\W_]+")
# what the evidence of one match looks like; `review.evidence_items` reads it back
EVIDENCE = re.compile(
    r"^catalogue criterion (?P<code>.+?) \((?P<how>code|id|title)\) in (?P<field>.+?) "
    r"\[(?P<path>.*?)\]: “(?P<excerpt>.*)”$"
)
_CODE, _ID, _TITLE = "code", "id", "title"
_RANK = {n.Confidence.HIGH: 2, n.Confidence.MEDIUM: 1}


@dataclass(frozen=True, slots=True)
class CatalogueProposal(n.Proposal):
    """A proposal that links a lot to a criterion of the catalogue (`criterion_id`)."""

    criterion_id: int = 0


@dataclass(frozen=True, slots=True)
class _Criterion:
    pk: int
    code: str
    theme: str  # Theme.code of the main theme
    form: str  # ApplicationForm.code
    product_group_id: int
    product_group: str  # ProductGroup.code: the same group in every release


@dataclass(frozen=True, slots=True)
class _Match:
    criterion: _Criterion
    how: str
    start: int
    end: int


def normalise(text: str) -> str:
    """Lower case, punctuation as spaces, one space between words."""
    return " ".join(word.casefold() for word in _WORD.findall(text))


def _identifier_usable(value: str) -> bool:
    return len(value) >= MIN_IDENTIFIER_CHARS and not value.isdigit()


def _excerpt(text: str, start: int, end: int) -> str:
    left, right = max(0, start - EXCERPT_MARGIN), min(len(text), end + EXCERPT_MARGIN)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _title_span(text: str, title: str) -> tuple[int, int]:
    """Where in `text` the normalised `title` stands (the whole text if it cannot be told)."""
    wanted = title.split()
    words = list(_WORD.finditer(text))
    folded = [word.group().casefold() for word in words]
    for index in range(len(words) - len(wanted) + 1):
        if folded[index : index + len(wanted)] == wanted:
            return words[index].start(), words[index + len(wanted) - 1].end()
    return 0, len(text)


class CatalogueIndex:
    """The criteria of one release, indexed for matching; built once per run (`load`)."""

    def __init__(self, version: str, rows: list[tuple[_Criterion, str, str, str, str]]) -> None:
        """`rows`: (criterion, code, external id, Dutch title, English title)."""
        self.version = version
        self.group_codes: dict[int, str] = {}
        self.identifiers: dict[str, list[tuple[_Criterion, str]]] = defaultdict(list)
        self.loose: list[tuple[re.Pattern[str], _Criterion, str]] = []  # identifiers that are not one token
        # normalised titles by their longest word: a text without that word cannot contain the title
        self.titles: dict[str, list[tuple[str, _Criterion]]] = defaultdict(list)
        for criterion, code, external_id, *titles in rows:
            self.group_codes[criterion.product_group_id] = criterion.product_group
            for value, how in ((code.strip(), _CODE), (external_id.strip(), _ID)):
                if not _identifier_usable(value):
                    continue
                if _IDENTIFIER.fullmatch(value):
                    self.identifiers[value.casefold()].append((criterion, how))
                else:
                    pattern = re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])", re.IGNORECASE)
                    self.loose.append((pattern, criterion, how))
            for title in {normalise(title) for title in titles}:
                if len(title) >= MIN_TITLE_CHARS:
                    self.titles[max(title.split(), key=len)].append((title, criterion))
        self._other_groups: dict[int, str] = {}

    @classmethod
    def load(cls) -> "CatalogueIndex | None":
        """The current release's criteria, or None when there is no current release or it has no criteria."""
        release = CriteriaRelease.objects.current()
        if release is None:
            return None
        rows = []
        for pk, code, external_id, title, title_en, theme, kind, form, group_id, group in Criterion.objects.filter(
            product_group__product_group_set=release
        ).values_list(
            "pk",
            "code",
            "external_id",
            "title",
            "title_en",
            "theme__code",
            "kind",
            "form__code",
            "product_group_id",
            "product_group__code",
        ):
            form_code = KIND_FORMS[CriterionKind(kind)] if kind else form
            rows.append((_Criterion(pk, code, theme, form_code, group_id, group), code, external_id, title, title_en))
        return cls(release.version, rows) if rows else None

    def group_code(self, product_group_id: int) -> str:
        """The code of a product group, of this release or another (read once per group and run)."""
        code = self.group_codes.get(product_group_id) or self._other_groups.get(product_group_id)
        if code is None:
            code = ProductGroup.objects.filter(pk=product_group_id).values_list("code", flat=True).first() or ""
            self._other_groups[product_group_id] = code
        return code

    def matches(self, text: str) -> list[_Match]:
        """Every criterion `text` names by code or id, or whose title it contains, in the order they stand."""
        found = []
        folded_text = text.casefold()
        # Most texts name no criterion: their words, taken by the regular expression engine and compared as sets,
        # tell so before any word is looked at one by one.
        if not self.identifiers.keys().isdisjoint(_IDENTIFIER.findall(folded_text)):
            for token in _IDENTIFIER.finditer(text):
                for criterion, how in self.identifiers.get(token.group().casefold(), ()):
                    found.append(_Match(criterion, how, token.start(), token.end()))
        for pattern, criterion, how in self.loose:
            for hit in pattern.finditer(text):
                found.append(_Match(criterion, how, hit.start(), hit.end()))
        words = _WORD.findall(folded_text)
        anchors = self.titles.keys() & set(words)
        if anchors:
            normalised = f" {' '.join(words)} "
            for anchor in anchors:
                for title, criterion in self.titles[anchor]:
                    if f" {title} " in normalised:
                        found.append(_Match(criterion, _TITLE, *_title_span(text, title)))
        return sorted(found, key=lambda match: (match.start, match.end, match.how, match.criterion.pk))

    def proposals(self, notice: n.Notice, product_group_id: int | None = None) -> list[CatalogueProposal]:
        """The catalogue criteria each lot of `notice` names, one proposal per lot and criterion (a code before a
        title), for a tender of product group `product_group_id` (None: unknown)."""
        group = self.group_code(product_group_id) if product_group_id is not None else None
        out: list[CatalogueProposal] = []
        for lot in notice.lots:
            best: dict[int, CatalogueProposal] = {}
            for text, field, path, weight in _lot_texts(lot):
                flat = " ".join(text.split())
                for match in self.matches(flat):
                    criterion = match.criterion
                    if group is not None and group != criterion.product_group:
                        continue  # the tender is of another product group
                    confidence = n.Confidence.MEDIUM if match.how == _TITLE else n.Confidence.HIGH
                    held = best.get(criterion.pk)
                    if held is not None and _RANK[held.confidence] >= _RANK[confidence]:
                        continue
                    excerpt = _excerpt(flat, match.start, match.end)
                    evidence = f"catalogue criterion {criterion.code} ({match.how}) in {field} [{path}]: “{excerpt}”"
                    best[criterion.pk] = CatalogueProposal(
                        lot_id=lot.lot_id,
                        theme=criterion.theme,
                        form=criterion.form,
                        origin=n.ProposalOrigin.CATALOGUE,
                        confidence=confidence,
                        evidence=evidence,
                        rule=RULE_TITLE if match.how == _TITLE else RULE_CODE,
                        award_weight=weight if criterion.form == "gunningscriterium" else None,
                        criterion_id=criterion.pk,
                    )
            out.extend(best.values())
        return out


def _lot_texts(lot: n.Lot) -> list[tuple[str, str, str, Decimal | None]]:
    """(text, field, path, award weight) of every text of `lot` that is matched: its award criteria, then its
    requirement texts."""
    texts: list[tuple[str, str, str, Decimal | None]] = []
    for criterion in lot.award_criteria:
        text = " ".join(part for part in (criterion.name, criterion.description) if part)
        if text:
            texts.append((text, "award criterion", criterion.path or "-", criterion.weight))
    for item in lot.texts:
        if item.field in NEVER_READ:
            continue
        _form, context = TEXT_FIELDS.get(item.field, ("", ""))
        if context in REQUIREMENT_CONTEXTS and item.text:
            texts.append((item.text, item.field, item.path or "-", None))
    return texts
