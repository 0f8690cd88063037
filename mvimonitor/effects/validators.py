"""Free text in social-return and contract records must not carry a citizen service number (BSN)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NINE_DIGITS = re.compile(r"(?<!\d)(\d[ .-]?){8}\d(?!\d)")


def looks_like_bsn(text: str) -> bool:
    """True if `text` holds nine digits (spaces, dots or dashes allowed between them) that pass the BSN 11-test."""
    for match in NINE_DIGITS.finditer(text):
        digits = [int(c) for c in match.group(0) if c.isdigit()]
        total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
        if total % 11 == 0 and any(digits):
            return True
    return False


def validate_no_bsn(value: str) -> None:
    if value and looks_like_bsn(value):
        raise ValidationError(
            _("This text contains a number that looks like a BSN. Record counts and values only, never identifiers."),
            code="bsn",
        )
