"""The rows of the data-quality page: each figure's label beside the organisation's and the national value."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .definitions import CONTRACT_FIELDS, LOT_FIELDS, TENDER_FIELDS
from .figures import Figures, Share

GROUP_LABELS: dict[str, Promise] = {
    "tender": _("Tenders: %(field)s filled"),
    "lot": _("Lots: %(field)s filled"),
    "contract": _("Contracts: %(field)s filled"),
}
OTHER_LABELS: dict[str, Promise] = {
    "contracts_with_commitments": _("Contracts with at least one commitment"),
    "proposals_open": _("MVI proposals of the imports not yet reviewed"),
    "values_imported": _("Tender and lot values filled by an import (the rest typed by hand)"),
    "mvi_imported": _("MVI applications proposed by an import and confirmed (the rest entered by hand)"),
}


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    own: Share | None
    national: Share


def rows(own: Figures | None, national: Figures) -> list[Row]:
    labels: dict[str, str] = {}
    for field in TENDER_FIELDS + LOT_FIELDS + CONTRACT_FIELDS:
        labels[f"{field.record}.{field.name}"] = str(GROUP_LABELS[field.record]) % {"field": field.label}
    labels.update({key: str(label) for key, label in OTHER_LABELS.items()})
    return [
        Row(key, label, own.shares[key] if own is not None else None, national.shares[key])
        for key, label in labels.items()
    ]
