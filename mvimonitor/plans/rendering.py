"""A document of this app as a download: DOCX or PDF, rendered by `mvimonitor.reports`."""

from django.http import Http404, HttpResponse

from mvimonitor.reports.document import Document
from mvimonitor.reports.render import render_docx, render_pdf

LANGUAGES = ("nl", "en")
KINDS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def document_response(document: Document, kind: str, name: str) -> HttpResponse:
    """The document as an attachment named `<name>.<kind>`; 404 for a kind other than docx or pdf."""
    if kind not in KINDS:
        raise Http404
    data = render_docx(document) if kind == "docx" else render_pdf(document)
    response = HttpResponse(data, content_type=KINDS[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response
