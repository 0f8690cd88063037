"""What the data-quality figures count (version ``DEFINITION_VERSION``; docs/data-quality.md).

A record counts in year Y when its tender was published in Y (or, without a publication date, registered in Y);
withdrawn tenders do not count. A field is *filled* when it has a value; a yes/no flag is filled when it is answered
(yes or no, not unknown). A filled value came *from an import* when the import wrote it and nobody changed it since
(its current value equals the value the import last wrote, ADR 0010), otherwise it was *typed by hand*. An MVI
application came from an import when a detector proposed it (explicit code, structured signal or text detection) and
by hand when a person entered it or chose it from the criteria catalogue.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DEFINITION_VERSION = "data-quality-1"


@dataclass(frozen=True)
class Field:
    record: str  # "tender", "lot" or "contract"
    name: str  # the model field (attname)
    label: Promise
    flag: bool = False  # a yes/no answer: filled when not None


TENDER_FIELDS = [
    Field("tender", "publication_date", _("publication date")),
    Field("tender", "estimated_value", _("estimated value")),
    Field("tender", "main_cpv_id", _("main CPV code")),
    Field("tender", "product_group_id", _("MVI product group")),
    Field("tender", "is_sme_friendly", _("SME-friendly"), flag=True),
    Field("tender", "is_innovative", _("innovation-oriented"), flag=True),
]
LOT_FIELDS = [
    Field("lot", "estimated_value", _("estimated value")),
    Field("lot", "main_cpv_id", _("main CPV code")),
]
CONTRACT_FIELDS = [
    Field("contract", "value", _("contract value")),
    Field("contract", "supplier_kvk_number", _("supplier's KvK number")),
    Field("contract", "supplier_is_sme", _("supplier is an SME"), flag=True),
    Field("contract", "start_date", _("start date")),
    Field("contract", "end_date", _("end date")),
]
FIELDS = TENDER_FIELDS + LOT_FIELDS + CONTRACT_FIELDS

# The tender and lot fields whose origin (import or hand) the burden figure counts: those an import can write.
BURDEN_TENDER_FIELDS = ["title", "publication_date", "nature", "procedure_type", "estimated_value", "main_cpv_id"]
BURDEN_LOT_FIELDS = ["title", "estimated_value", "main_cpv_id"]
IMPORTED_ORIGINS = {"explicit_code", "structured_signal", "text_detection"}
