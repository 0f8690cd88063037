"""Matching a notice's buyer to an organisation: by national id, KvK number, OIN, then normalised name.

An unknown buyer becomes a pending organisation for a beheerder to confirm; it is saved with the notice that names it
(`NoticeStore.write_new`). A run made for one organisation (an upload) stores every notice under that organisation and
refuses a notice whose buyer is another known organisation. What such a run stores is keyed within that organisation
(`values.UPLOADED`), so a notice it stores under a buyer it could not check never keeps the genuine notice of another
organisation out.
"""

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mvimonitor.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from mvimonitor.organisations.validators import validate_kvk, validate_oin

from . import notices as n
from .validation import NoticeFailed, Validator

# eForms buyer-legal-type (BT-11) → organisation kind, as a first guess for a pending buyer; a beheerder confirms it.
KIND_FOR_LEGAL_TYPE = {
    "cga": OrganisationKind.RIJK,
    "ra": OrganisationKind.PROVINCIE,
    "la": OrganisationKind.GEMEENTE,
    "body-pl": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
    "body-pl-cga": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
    "body-pl-ra": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
    "body-pl-la": OrganisationKind.PUBLIEKRECHTELIJKE_INSTELLING,
}


@lru_cache(maxsize=65536)  # the same buyers and suppliers come back in notice after notice
def normalise_name(name: str) -> str:
    """Lower case, no accents or punctuation, whitespace collapsed: 'Gemeente  Den-Haag' → 'gemeente den haag'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def valid_id(validator: Callable[[str], None], value: str) -> bool:
    """Whether `value` is given and passes `validator` (a KvK number, an OIN)."""
    if not value:
        return False
    try:
        validator(value)
    except ValidationError:
        return False
    return True


class Buyers:
    """Organisations by each key, read once per run; read again after a rolled-back write may have undone a new one.

    `unsaved` holds the pending organisations built for the notice being imported; when that notice fails before
    they are saved, `forget_unsaved` drops them again.
    """

    def __init__(self, *, own: Organisation | None, validator: Validator) -> None:
        self.own = own
        self.validator = validator
        self.unsaved: list[Organisation] = []
        self.load()

    def load(self) -> None:
        self.by_national_id: dict[str, Organisation] = {}
        self.by_kvk: dict[str, Organisation] = {}
        self.by_oin: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        for organisation in Organisation.objects.only("id", "name", "national_id", "kvk_number", "oin", "status"):
            self.remember(organisation)

    def forget_unsaved(self) -> None:
        """Drop the organisations built for a notice that failed before they were saved."""
        built = self.unsaved
        for index in (self.by_national_id, self.by_kvk, self.by_oin, self.by_name):
            for key in [k for k, o in index.items() if any(o is x for x in built)]:
                del index[key]
        self.unsaved = []

    def remember(self, organisation: Organisation) -> None:
        for key, index in (
            (organisation.national_id, self.by_national_id),
            (organisation.kvk_number, self.by_kvk),
            (organisation.oin, self.by_oin),
            (normalise_name(organisation.name), self.by_name),
        ):
            if key:
                index.setdefault(key, organisation)

    def match(self, party: n.Party) -> Organisation | None:
        national_id = party.national_id.strip()
        candidates = (
            self.by_national_id.get(national_id) if national_id else None,
            self.by_kvk.get(national_id) if national_id else None,
            self.by_oin.get(national_id) if national_id else None,
            self.by_kvk.get(party.kvk_number) if party.kvk_number else None,
            self.by_oin.get(party.oin) if party.oin else None,
            self.by_name.get(normalise_name(party.name)) if party.name else None,
        )
        return next((c for c in candidates if c is not None), None)

    def for_notice(self, notice: n.Notice) -> Organisation:
        """The notice's buyer; an unknown one comes back unsaved (pending), to be saved with the notice."""
        own = self.own
        buyer = notice.buyer
        if buyer is None or (not buyer.name and not buyer.national_id):
            if own is not None:
                return own
            raise NoticeFailed(_("The notice names no buyer."), field="buyer")
        match = self.match(buyer)
        if own is not None:
            if match is not None and match.pk != own.pk:
                raise NoticeFailed(
                    _(
                        "Notice %(notice)s names %(buyer)s as its buyer, another organisation than %(own)s, for "
                        "which this import was made; it is not imported."
                    )
                    % {"notice": notice.notice_id or "-", "buyer": buyer.name or buyer.national_id, "own": own.name},
                    field="buyer",
                )
            return own
        if match is not None:
            return match
        return self._pending(buyer)

    def _pending(self, buyer: n.Party) -> Organisation:
        kvk = buyer.kvk_number if valid_id(validate_kvk, buyer.kvk_number) else ""
        oin = buyer.oin if valid_id(validate_oin, buyer.oin) else ""
        name = (buyer.name or buyer.national_id).strip()[:255]
        if not name:
            raise NoticeFailed(_("The buyer has no name."), field="buyer.name")
        organisation = Organisation(
            name=name,
            kind=KIND_FOR_LEGAL_TYPE.get(buyer.legal_type, OrganisationKind.OVERIG),
            kvk_number=kvk,
            oin=oin,
            national_id=buyer.national_id.strip()[:100],
            status=OrganisationStatus.PENDING,
        )
        self.validator.instance(organisation)
        self.remember(organisation)
        self.unsaved.append(organisation)
        return organisation
