"""Hardened XML parsing shared by the eForms and TED readers.

A notice is untrusted input. The parser never resolves entities, never loads a DTD, never touches the network and
keeps lxml's default limits on tree depth and text size (`huge_tree=False`). A document that declares a DOCTYPE (the
vehicle of entity-expansion attacks such as "billion laughs" and of external-entity reads) is refused with a clear
`ReadError` before any of its content is used: no procurement notice format needs one.

A notice in UTF-16 or UTF-32 (with a byte-order mark, or UTF-16 without one as the XML specification allows) is read
like one in UTF-8: lxml decodes the bytes it is given, and the checks here look at the decoded beginning
(`text_head`), so a DOCTYPE is found in any encoding.
"""

from decimal import Decimal, InvalidOperation

from lxml import etree

from .jsonstream import bom_encoding
from .notices import ReadError

# One document larger than this is refused before parsing (a real eForms notice is 10-300 kB; the biggest TED
# R2.0.9 notices with every translation are a few MB).
DEFAULT_MAX_XML_BYTES = 50 * 1024 * 1024


def text_head(data: bytes, size: int = 4096) -> str:
    """The beginning of a document as text: decoded by its byte-order mark, as UTF-16 when it starts with `<` in
    UTF-16 without one, else as UTF-8 (undecodable bytes replaced)."""
    encoding, skip = bom_encoding(data[:4])
    if not encoding:
        if data[:2] == b"<\x00" and data[:4] != b"<\x00\x00\x00":
            encoding = "utf-16-le"
        elif data[:2] == b"\x00<":
            encoding = "utf-16-be"
        else:
            encoding = "utf-8"
    head = data[skip : skip + size]
    if encoding.startswith(("utf-16", "utf-32")):
        unit = 2 if encoding.startswith("utf-16") else 4
        head = head[: len(head) - len(head) % unit]
    return head.decode(encoding, errors="replace")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


_PARSER = _parser()


def parse_xml(data: bytes, *, file: str = "", max_bytes: int = DEFAULT_MAX_XML_BYTES) -> etree._Element:
    """Parse one XML document safely and return its root element, or raise `ReadError`."""
    if not data.strip():
        raise ReadError("the file is empty", file=file)
    if len(data) > max_bytes:
        raise ReadError(f"the XML document is {len(data)} bytes, above the limit of {max_bytes} bytes", file=file)
    head = text_head(data)
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise ReadError(
            "DOCTYPE and entity declarations are not allowed in a notice (entity-expansion attack?)", file=file
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ReadError(f"malformed XML: {exc}", file=file) from None
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or getattr(docinfo, "internalDTD", None) is not None:
        raise ReadError(
            "DOCTYPE and entity declarations are not allowed in a notice (entity-expansion attack?)", file=file
        )
    return root


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def to_decimal(text: str | None) -> Decimal | None:
    """A number as published ("1234.50", "10.08 %", "1 234,5") or None when there is none or it is not a number."""
    if text is None:
        return None
    cleaned = text.replace("%", "").replace("\u00a0", "").replace(" ", "").strip()
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def dutch_ids(national_id: str, country: str) -> tuple[str, str]:
    """(KvK number, OIN) recognisable in a Dutch organisation's published id: 8 digits, or 20 digits."""
    if country.upper() not in ("NL", "NLD"):
        return "", ""
    compact = national_id.replace(" ", "").replace(".", "")
    if compact.upper().startswith("KVK"):
        compact = compact[3:].lstrip(":-")
    if compact.isdigit() and len(compact) == 8:
        return compact, ""
    if compact.isdigit() and len(compact) == 20:
        return "", compact
    return "", ""
