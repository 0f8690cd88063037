"""Documents for people: a small block model (headings, text, tables, charts, notes) rendered to DOCX and PDF.

The content builders of the apps (award reports, plan reports, annual reports) produce a ``Document``; this
package only lays it out. It imports no app, so every app above the record may use it.
"""
