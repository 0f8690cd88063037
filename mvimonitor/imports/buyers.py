"""Matching a notice's buyer to an organisation: by identifier (OIN, KvK number, national registration id), then
by normalised name, never to an organisation whose identifiers contradict the notice's.

An unknown buyer becomes a pending organisation for a system manager to confirm; it is saved with the notice that
names it (`NoticeStore.write_new`).

A run made for one organisation (an upload, `import_notices --organisation`) keeps with that organisation the notices
that name it (by an identifier, or by name without a contradicting identifier or another country) and the notices
that name no buyer. A notice whose buyer is another one is never filed under the uploader:

- a known organisation: the notice goes to it when the person who started the run may edit its tenders
  (`organisations.access`, EDIT_TENDERS), and is refused otherwise;
- an unknown buyer: it is created as a pending organisation when that person may add organisations — a system
  manager (superuser) or a beheerder of the run's organisation (MANAGE_MEMBERS there); a pending organisation is
  only a proposal, which a system manager confirms in the admin — and the notice is refused otherwise.

A run without a person (the command line) has no rights elsewhere: such notices are refused, with the advice to import
them without `--organisation`. Every refusal names the notice, the buyer and why.

What a run made for an organisation stores is keyed within the organisation it stores it under (`values.UPLOADED`),
so a notice it stores under a buyer it could not check never keeps the genuine notice of another organisation out.
"""

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, permitted
from mvimonitor.organisations.models import Organisation, OrganisationKind, OrganisationStatus, User
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


DUTCH = frozenset({"NL", "NLD"})


def compact_id(value: str) -> str:
    """An identifier as compared: without spaces, dots and dashes, in upper case ('NL 1234.567' → 'NL1234567')."""
    return re.sub(r"[\s.\-]+", "", value).upper()


def contradicts(party: n.Party, organisation: Organisation) -> str:
    """The party's identifier that shows it is not `organisation` ("" when none does): an OIN, KvK number or national
    id where the organisation has another one of the same kind."""
    national = compact_id(party.national_id)
    known = {compact_id(v) for v in (organisation.oin, organisation.kvk_number, organisation.national_id) if v}
    for given, theirs in (
        (party.oin, organisation.oin),
        (party.kvk_number, organisation.kvk_number),
        (national if national not in known else "", organisation.national_id),
    ):
        if given and theirs and compact_id(given) != compact_id(theirs):
            return given
    return ""


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

    def __init__(self, *, own: Organisation | None, validator: Validator, user: User | None = None) -> None:
        self.own = own
        self.user = user
        self.validator = validator
        self.unsaved: list[Organisation] = []
        self.editable: dict[int, bool] = {}  # organisation id -> the run's user may edit its tenders
        self.may_add = (
            own is not None and user is not None and (user.is_superuser or permitted(user, Action.MANAGE_MEMBERS, own))
        )
        # why the last notice asked about went to another organisation than the run's own ("" when it did not): the
        # store adds it to that notice's warnings, so nothing is filed elsewhere without a word in the report
        self.elsewhere = ""
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
        """The organisation `party` is: by OIN, KvK number, national id, then by name when no identifier of that
        organisation contradicts the party's."""
        national_id = party.national_id.strip()
        by_id = (
            self.by_oin.get(party.oin) if party.oin else None,
            self.by_oin.get(national_id) if national_id else None,
            self.by_kvk.get(party.kvk_number) if party.kvk_number else None,
            self.by_kvk.get(national_id) if national_id else None,
            self.by_national_id.get(national_id) if national_id else None,
        )
        found = next((c for c in by_id if c is not None), None)
        if found is not None:
            return found
        by_name = self.by_name.get(normalise_name(party.name)) if party.name else None
        if by_name is not None and not contradicts(party, by_name):
            return by_name
        return None

    def for_notice(self, notice: n.Notice) -> Organisation:
        """The notice's buyer; an unknown one comes back unsaved (pending), to be saved with the notice."""
        own = self.own
        buyer = notice.buyer
        self.elsewhere = ""
        if buyer is None or (not buyer.name and not buyer.national_id and not buyer.kvk_number and not buyer.oin):
            if own is not None:
                return own
            raise NoticeFailed(_("The notice names no buyer."), field="buyer")
        match = self.match(buyer)
        if own is None:
            return match if match is not None else self._pending(buyer)
        why = self.not_own(buyer, match)
        if not why:
            return own
        names = {"notice": notice.notice_id or "-", "buyer": buyer.name or buyer.national_id, "own": own.name}
        if match is not None and match.pk == own.pk:
            match = None  # the uploader's name, but another country: another buyer, not known here
        if match is not None:
            # a pending organisation is a proposal without members: whoever may add organisations may file under it
            if self.may_edit(match) or (match.status == OrganisationStatus.PENDING and self.may_add):
                self.elsewhere = self._filed_elsewhere(names, match, why)
                return match
            raise NoticeFailed(
                _(
                    "Notice %(notice)s names %(buyer)s as its buyer, another organisation than %(own)s, for which "
                    "this import was made, and you may not edit the tenders of %(buyer)s; it is not imported."
                )
                % names,
                field="buyer",
            )
        if self.may_add:
            pending = self._pending(buyer)
            self.elsewhere = self._filed_elsewhere(names, pending, why)
            return pending
        raise NoticeFailed(
            _(
                "Notice %(notice)s names %(buyer)s as its buyer, not %(own)s, for which this import was made "
                "(%(why)s). %(buyer)s is not known here, and only a system manager or a beheerder of %(own)s may "
                "add it as a new organisation (or import the notice without an organisation); it is not imported."
            )
            % {**names, "why": why},
            field="buyer",
        )

    @staticmethod
    def _filed_elsewhere(names: dict[str, str], organisation: Organisation, why: str) -> str:
        pending = organisation.status == OrganisationStatus.PENDING
        message = (
            _("Stored under %(buyer)s (a new organisation, pending confirmation), not under %(own)s: %(why)s.")
            if pending
            else _("Stored under %(buyer)s, not under %(own)s: %(why)s.")
        )
        return message % {"buyer": organisation.name, "own": names["own"], "why": why}

    def not_own(self, buyer: n.Party, match: Organisation | None) -> str:
        """Why `buyer` is not the run's own organisation, or "" when the notice names it."""
        own = self.own
        assert own is not None  # noqa: S101 - only asked for a run made for an organisation
        if match is not None and match.pk == own.pk:
            by_id = any(
                value and compact_id(value) in {compact_id(v) for v in (own.oin, own.kvk_number, own.national_id) if v}
                for value in (buyer.oin, buyer.kvk_number, buyer.national_id)
            )
            if by_id or not buyer.country or buyer.country.upper() in DUTCH:
                return ""
        if match is not None and match.pk != own.pk:
            return _("it is the organisation %(name)s") % {"name": match.name}
        identifier = contradicts(buyer, own)
        if identifier:
            return _("its identifier %(id)s is not that of %(own)s") % {"id": identifier, "own": own.name}
        if buyer.country and buyer.country.upper() not in DUTCH:
            return _("it is in another country, %(country)s") % {"country": buyer.country}
        return _("another name, and no identifier that links it to %(own)s") % {"own": own.name}

    def may_edit(self, organisation: Organisation) -> bool:
        """Whether the run's user may edit the tenders of `organisation` (a run without a user may not)."""
        if self.user is None or organisation.pk is None:
            return False
        if organisation.pk not in self.editable:
            self.editable[organisation.pk] = permitted(self.user, Action.EDIT_TENDERS, organisation.pk)
        return self.editable[organisation.pk]

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
