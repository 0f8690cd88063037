"""The tender text of the chosen criteria: the catalogue criteria applied on a tender's lots, per lot and kind, as a
Word document (python-docx, no template) or as plain UTF-8 text, in the reader's language (Dutch where a text has no
English version).

Each criterion gives its code, its id in the criteria tool, the release it comes from, its title, its text and how
it is verified. The document opens with the tender and the date, and names the releases used; a sample release is
said to hold no official criteria.
"""

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from docx import Document

from .criteria_selectors import ChosenCriteria, CriterionView, chosen_criteria
from .models import Tender

FILE_STEM_LENGTH = 60
UNDERLINES = {0: "=", 1: "-", 2: "~"}  # heading level -> underline character of the text export


@dataclass(frozen=True)
class Line:
    """One line of the export: a heading (level 0 = the title, 1 = lot, 2 = kind, 3 = criterion) or a paragraph."""

    text: str
    level: int | None = None
    label: str = ""  # a paragraph's lead-in, such as "Verification:"


def _criterion_lines(view: CriterionView) -> list[Line]:
    reference = _("Code %(code)s") % {"code": view.code}
    if view.external_id:
        reference += " · " + _("id in the criteria tool %(id)s") % {"id": view.external_id}
    reference += " · " + _("release %(version)s") % {"version": view.release_version}
    lines = [
        Line(f"{view.code} {view.title}", level=3),
        Line(reference),
        Line(f"{view.kind_label or _('Without kind')} · {view.level} · {', '.join(view.themes)}"),
    ]
    if view.text:
        lines.append(Line(view.text, label=_("Text:")))
    if view.verification:
        lines.append(Line(view.verification, label=_("Verification:")))
    return lines


def export_lines(tender: Tender) -> list[Line]:
    """The export's content as lines, shared by the Word and the text rendering."""
    chosen: ChosenCriteria = chosen_criteria(tender, other_label=_("Other criteria"))
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    lines = [
        Line(_("MVI criteria for “%(title)s”") % {"title": tender.title}, level=0),
        Line(_("%(organisation)s, %(date)s") % {"organisation": tender.organisation.name, "date": today}),
    ]
    if chosen.is_empty:
        lines.append(
            Line(
                _(
                    "No criteria from the criteria catalogue have been chosen for this tender yet. Choose them per "
                    "lot on the tender's page."
                )
            )
        )
        return lines
    for release in chosen.releases:
        names = {"name": release.name, "version": release.version}
        lines.append(Line(_("Criteria of the release %(name)s (version %(version)s).") % names))
    if chosen.has_sample:
        lines.append(
            Line(
                _(
                    "Sample criteria written for MVI Monitor are not official criteria of the MVI criteria tool: do "
                    "not use them in a real tender."
                )
            )
        )
    for lot_criteria in chosen.lots:
        lines.append(Line(_("Lot %(lot)s") % {"lot": lot_criteria.lot}, level=1))
        for group in lot_criteria.kinds:
            lines.append(Line(group.label, level=2))
            for view in group.criteria:
                lines.extend(_criterion_lines(view))
    return lines


def render_text(lines: list[Line]) -> str:
    """Plain text: the title, lots and kinds underlined (=, -, ~), a blank line before every heading."""
    out: list[str] = []
    for line in lines:
        if line.level is None:
            out.append(f"{line.label} {line.text}" if line.label else line.text)
            continue
        if out and out[-1]:
            out.append("")
        out.append(line.text)
        underline = UNDERLINES.get(line.level)
        if underline:
            out.extend([underline * len(line.text), ""])
    return "\n".join(out).strip() + "\n"


def render_docx(lines: list[Line]) -> bytes:
    """A Word document: the title and headings as Word headings, paragraphs with their lead-in in bold."""
    document = Document()
    for line in lines:
        if line.level is not None:
            document.add_heading(line.text, level=line.level)
            continue
        paragraph = document.add_paragraph()
        if line.label:
            paragraph.add_run(line.label + " ").bold = True
        paragraph.add_run(line.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def file_name(tender: Tender, suffix: str) -> str:
    """A file name safe on every system: ASCII letters, digits and hyphens, with the tender's id."""
    stem = slugify(tender.title)[:FILE_STEM_LENGTH].strip("-")
    return f"mvi-criteria-{tender.pk}{'-' + stem if stem else ''}.{suffix}"
