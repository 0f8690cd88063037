from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import validate_kvk, validate_oin


class User(AbstractUser):
    """A person who logs in. What they may see comes from memberships, never from flags on records."""

    national_analyst = models.BooleanField(
        _("national analyst"),
        default=False,
        help_text=_("Sees anonymised national figures only, never another organisation's records."),
    )


class OrganisationKind(models.TextChoices):
    RIJK = "rijk", _("Central government (Rijk)")
    PROVINCIE = "provincie", _("Province")
    GEMEENTE = "gemeente", _("Municipality")
    WATERSCHAP = "waterschap", _("Water board")
    PUBLIEKRECHTELIJKE_INSTELLING = "publiekrechtelijke_instelling", _("Body governed by public law")
    SAMENWERKINGSVERBAND = "samenwerkingsverband", _("Partnership of authorities")
    OVERIG = "overig", _("Other")


class Province(models.TextChoices):
    DRENTHE = "DR", "Drenthe"
    FLEVOLAND = "FL", "Flevoland"
    FRIESLAND = "FR", "Fryslân"
    GELDERLAND = "GE", "Gelderland"
    GRONINGEN = "GR", "Groningen"
    LIMBURG = "LI", "Limburg"
    NOORD_BRABANT = "NB", "Noord-Brabant"
    NOORD_HOLLAND = "NH", "Noord-Holland"
    OVERIJSSEL = "OV", "Overijssel"
    UTRECHT = "UT", "Utrecht"
    ZEELAND = "ZE", "Zeeland"
    ZUID_HOLLAND = "ZH", "Zuid-Holland"


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PENDING = "pending", _("Pending confirmation")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active(self) -> "OrganisationQuerySet":
        return self.filter(status=OrganisationStatus.ACTIVE)


class Organisation(models.Model):
    """A contracting authority (aanbestedende dienst, Aanbestedingswet 2012 art. 1.1)."""

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=40, choices=OrganisationKind.choices)
    oin = models.CharField(_("OIN"), max_length=20, blank=True, validators=[validate_oin])
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True, validators=[validate_kvk])
    # The buyer's identifier as a notice publishes it (eForms BT-501) when it is neither an OIN nor a KvK number.
    national_id = models.CharField(_("national registration number"), max_length=100, blank=True, db_index=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrganisationStatus.choices, default=OrganisationStatus.ACTIVE
    )
    is_synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    four_eyes_verification = models.BooleanField(
        _("four-eyes verification"),
        default=True,
        help_text=_("A delivery is verified by someone other than who submitted it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["oin"], condition=~Q(oin=""), name="organisation_unique_oin"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organisation_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        ancestor = self.parent
        seen: set[int] = set()
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("An organisation cannot be its own ancestor.")})
            if ancestor.pk in seen:
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Role(models.TextChoices):
    BEHEERDER = "beheerder", _("Administrator")
    INKOPER = "inkoper", _("Buyer")
    CONTRACTMANAGER = "contractmanager", _("Contract manager")
    COORDINATOR = "coordinator", _("MVI coordinator")
    LEZER = "lezer", _("Reader")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_one_role_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Invitation(models.Model):
    """A beheerder invites a colleague by e-mail; the token in the link lets them set a password once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"
