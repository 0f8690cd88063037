"""Validators for Dutch organisation identifiers (OIN, KvK).

OIN structure (Logius, OIN-stelsel): 20 digits = prefix (8) + main number (8 or 9) + suffix
("0000" after an 8-digit main number, "000" after a 9-digit one). Source: https://logius.nl/diensten/oin (2023),
see ../shared/docs/domain.md section 11.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# prefix -> length of the main number that follows it
OIN_PREFIX_MAIN_LENGTH: dict[str, tuple[int, ...]] = {
    "00000001": (9,),  # RSIN (Handelsregister)
    "00000002": (8, 9),  # Fi-nummer (Belastingdienst)
    "00000003": (8,),  # KvK-nummer
    "00000004": (9,),  # SubOIN
    "00000006": (8, 9),  # Logius-issued main number
    "00000007": (8, 9),  # BRIN (DUO)
    "00000008": (8, 9),  # foreign organisation
    "00000009": (8, 9),  # Dezi (care providers)
    "00000010": (8, 9),  # TRR-BD
    "00000011": (8, 9),  # Dezi (health insurers)
    "00000099": (8, 9),  # test OIN
}
_SUFFIX_FOR_MAIN_LENGTH = {8: "0000", 9: "000"}


def validate_oin(value: str) -> None:
    if not re.fullmatch(r"\d{20}", value):
        raise ValidationError(_("An OIN has exactly 20 digits."), code="oin_format")
    prefix, rest = value[:8], value[8:]
    lengths = OIN_PREFIX_MAIN_LENGTH.get(prefix)
    if lengths is None:
        raise ValidationError(_("%(prefix)s is not a known OIN prefix."), code="oin_prefix", params={"prefix": prefix})
    for length in lengths:
        if rest[length:] == _SUFFIX_FOR_MAIN_LENGTH[length]:
            return
    raise ValidationError(
        _("After prefix %(prefix)s an OIN ends in 0000 (8-digit number) or 000 (9-digit number)."),
        code="oin_suffix",
        params={"prefix": prefix},
    )


def validate_kvk(value: str) -> None:
    if not re.fullmatch(r"\d{8}", value):
        raise ValidationError(_("A KvK number has exactly 8 digits."), code="kvk_format")
