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


# A supplier's pseudonymous candidate reference ("K-017", "SR25-003"): a code, never a name, BSN or date of birth.
CANDIDATE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
LETTER_RUN = re.compile(r"[A-Za-z]{5,}")  # five letters in a row read as a name ("Jansen7"); "KAND-17" is a code
DIGITS_ONLY_BSN_LENGTH = re.compile(r"^\d{8,9}$")  # eight or nine bare digits: a BSN (with or without leading 0)
DATE_LIKE = re.compile(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}")  # 01-02-1990, 1990.02.01: a date of birth


def validate_candidate_reference(value: str) -> None:
    """A candidate reference is the supplier's own code: letters, digits, - . _ /, at least one digit, no spaces,
    at most four letters in a row, not eight or nine bare digits, nothing shaped like a date (ADR 0041)."""
    if not value:
        return
    validate_no_bsn(value)
    if (
        not CANDIDATE_REFERENCE.match(value)
        or not any(c.isdigit() for c in value)
        or LETTER_RUN.search(value)
        or DIGITS_ONLY_BSN_LENGTH.match(value)
        or DATE_LIKE.search(value)
    ):
        raise ValidationError(
            _(
                "A candidate reference is your own code, such as K-017: letters, digits and - . _ / with at least one "
                "digit, no spaces, at most four letters in a row; never a name, BSN or date of birth."
            ),
            code="candidate_reference",
        )
