"""The term index of the text detection: finds the terms of a term list at word starts in a text, fast.

Pure Python, no Django. `detect_text` builds one index per set of languages and applies the rules (language, term
class, context); this module only finds where terms occur.
"""

import re
from collections.abc import Iterable
from typing import Any

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


class TermIndex:
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
