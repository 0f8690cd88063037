"""eForms UBL at the level of elements: the namespaces, and child-step scans that answer lxml's `find`/`findall`.

Internal to the eForms reader (`eforms.py`, `eforms_base.py`, `eforms_lots.py`, `eforms_results.py`). Paths are
written with the prefixes of `NS` and only as child steps (cac:A/cbc:B); they are turned once into the Clark
notation of an element's `.tag` and followed by scanning children in Python, which is faster than an ElementPath
search for the few children a UBL element has.
"""

import re
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache

from lxml import etree

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
ROOT_NAMESPACES = {
    "ContractNotice": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "ContractAwardNotice": "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2",
    "PriorInformationNotice": "urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2",
}
EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"


_PREFIX = re.compile(r"\b(" + "|".join(NS) + r"):")
_NO_ELEMENTS: tuple[etree._Element, ...] = ()


@cache
def _steps(path: str) -> tuple[str, ...]:
    """A path of child steps (cac:A/cbc:B) as the tags of its steps in Clark notation ({namespace}Name), the form
    an element's `.tag` has."""
    return tuple(_PREFIX.sub(lambda m: "{" + NS[m.group(1)] + "}", step) for step in path.split("/"))


def _first(element: etree._Element, steps: tuple[str, ...], step: int = 0) -> etree._Element | None:
    """The first element along `steps` (from `step` on) below `element`, in document order: what lxml's
    `element.find("a/b")` returns, without compiling an ElementPath search for each lookup."""
    tag = steps[step]
    if step + 1 == len(steps):
        for child in element:
            if child.tag == tag:
                return child
        return None
    for child in element:
        if child.tag == tag:
            found = _first(child, steps, step + 1)
            if found is not None:
                return found
    return None


def _all(elements: Iterable[etree._Element], steps: tuple[str, ...], step: int = 0) -> list[etree._Element]:
    """Every element along `steps` (from `step` on) below `elements`, in document order (`findall("a/b")`)."""
    level = list(elements)
    for tag in steps[step:]:
        level = [child for parent in level for child in parent if child.tag == tag]
    return level


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else _first(element, _steps(path))


def _findall(element: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if element is None else _all((element,), _steps(path))


def _t(element: etree._Element | None) -> str:
    if element is None:
        return ""
    text = element.text
    return "" if text is None else text.strip()


def _text_or_none(element: etree._Element | None) -> str | None:
    """What `findtext` gives for a found or missing element, as far as `to_decimal` can tell."""
    return None if element is None else element.text


def _date(text: str) -> date | None:
    """eForms dates carry an offset (2023-03-23+01:00); the calendar date is what counts."""
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


class _Kids:
    """The children of an element the reader asks many questions of (the notice, its extension, a lot, a project),
    grouped by tag in one pass: each question is then a dictionary lookup instead of a search."""

    __slots__ = ("by_tag",)

    def __init__(self, element: etree._Element) -> None:
        by_tag: dict[str, list[etree._Element]] = {}
        for child in element:
            tag = child.tag  # lxml builds this string on every access: read it once
            found = by_tag.get(tag)
            if found is None:
                by_tag[tag] = [child]
            else:
                found.append(child)
        self.by_tag = by_tag

    def first(self, path: str) -> etree._Element | None:
        """`element.find(path)`."""
        steps = _steps(path)
        found = self.by_tag.get(steps[0])
        if not found:
            return None
        if len(steps) == 1:
            return found[0]
        for child in found:
            element = _first(child, steps, 1)
            if element is not None:
                return element
        return None

    def all(self, path: str) -> Sequence[etree._Element]:
        """`element.findall(path)`."""
        steps = _steps(path)
        found = self.by_tag.get(steps[0])
        if not found:
            return _NO_ELEMENTS
        return found if len(steps) == 1 else _all(found, steps, 1)

    def text(self, path: str) -> str:
        return _t(self.first(path))
