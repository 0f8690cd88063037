"""Policy rules as versioned data, and the finding of each rule on each tender.

A `PolicyRule` row is one version of a rule (`code`, `version`): who it addresses (organisation kinds), which
tenders it covers (scope: nature, value against an EU threshold of the publication date or a fixed amount, minimum
duration, product group, ISV risk category), what it requires (a theme, optionally in given forms of application,
or catalogue criteria at a minimum ambition level), its source and validity. Rules are loaded from
`data/rules.json` by `load_rules`; a changed rule is a new version, so earlier findings keep their meaning.

A `Finding` is derived data, written only by `evaluation.evaluate` (one SQL statement per rule version) and
replaced as a whole for a rule version when it is evaluated again. See docs/rules.md.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from mvimonitor.organisations.models import Organisation
from mvimonitor.tenders.models import MAX_VALUE, Tender
from mvimonitor.themes.models import SMALL_MAX, AmbitionLevel, ApplicationForm, Theme


class Requirement(models.TextChoices):
    THEME = "theme", _("Theme applied")
    CRITERIA = "criteria", _("Catalogue criteria at a minimum ambition level")


class Outcome(models.TextChoices):
    MET = "met", _("met")
    NOT_MET = "not_met", _("not met")
    NOT_APPLICABLE = "not_applicable", _("not applicable")
    UNKNOWN = "unknown", _("unknown")


# What a finding of "unknown" can miss (a scope condition that cannot be judged): code -> label.
MISSING_DATA = {
    "publication_date": _("publication date"),
    "value": _("value"),
    "threshold": _("EU threshold for the publication date"),
    "duration": _("contract duration"),
    "isv_risk_category": _("no ISV risk category recorded"),
}


class PolicyRule(models.Model):
    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), validators=[MinValueValidator(1)])
    name_nl = models.CharField(_("name (Dutch)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    source = models.CharField(_("source"), max_length=500)
    source_year = models.PositiveSmallIntegerField(
        _("source year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    note = models.TextField(_("note"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Scope. Empty lists mean "every kind" / "every nature".
    organisation_kinds = models.JSONField(_("organisation kinds"), default=list, blank=True)
    natures = models.JSONField(_("natures"), default=list, blank=True)
    # nature -> EuThreshold category read at the tender's publication date; {} when no EU threshold applies.
    threshold_categories = models.JSONField(_("EU threshold category per nature"), default=dict, blank=True)
    minimum_value = models.DecimalField(
        _("fixed minimum value (EUR)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_VALUE)],
    )
    minimum_value_source = models.CharField(_("source of the fixed minimum value"), max_length=500, blank=True)
    value_inclusive = models.BooleanField(
        _("the threshold itself is in scope"), default=True, help_text=_("Off: only values above the threshold.")
    )
    minimum_duration_months = models.PositiveSmallIntegerField(
        _("minimum duration (months)"), null=True, blank=True, validators=[MaxValueValidator(SMALL_MAX)]
    )
    requires_product_group = models.BooleanField(_("only tenders in a product group"), default=False)
    requires_isv_risk_category = models.BooleanField(_("only tenders within an ISV risk category"), default=False)
    # Requirement.
    requirement = models.CharField(_("requirement"), max_length=20, choices=Requirement.choices)
    theme_code = models.SlugField(_("theme"), max_length=20, blank=True)
    form_codes = models.JSONField(_("forms of application"), default=list, blank=True)
    minimum_level_code = models.SlugField(_("minimum ambition level"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("policy rule")
        verbose_name_plural = _("policy rules")
        ordering = ["code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_rule_one_per_version"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="policy_rule_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_nl

    @property
    def missing_when_not_met(self) -> str:
        """The short code a "not met" finding records as missing: what the tender lacks."""
        if self.requirement == Requirement.CRITERIA:
            return f"criteria:{self.minimum_level_code}"
        forms = "/".join(self.form_codes)
        return f"theme:{self.theme_code}" + (f":{forms}" if forms else "")


def requirement_text(rule: PolicyRule) -> str:
    """What the rule requires of a tender, in the reader's language (names from the catalogue)."""
    if rule.requirement == Requirement.CRITERIA:
        level = AmbitionLevel.objects.filter(code=rule.minimum_level_code).first()
        return gettext("catalogue criteria at level %(level)s or higher") % {"level": level or rule.minimum_level_code}
    theme = Theme.objects.filter(code=rule.theme_code).first()
    forms = [str(form) for form in ApplicationForm.objects.filter(code__in=rule.form_codes)]
    text = gettext("the theme %(theme)s") % {"theme": theme or rule.theme_code}
    if forms:
        text += " " + gettext("as %(forms)s") % {"forms": gettext(" or ").join(forms)}
    return text


class Finding(models.Model):
    """The outcome of one rule version on one tender (derived data; see the module docstring).

    The references have no foreign-key constraint in the database: the rows are written only by the evaluation,
    from rows it reads in the same statement, and checking three keys per row at commit took longer than writing
    the rows (ADR 0033). Deleting a tender, organisation or rule through Django still deletes its findings."""

    rule = models.ForeignKey(
        PolicyRule, on_delete=models.CASCADE, related_name="findings", db_index=False, db_constraint=False
    )
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    year = models.PositiveSmallIntegerField(null=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    missing = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        # Counts are read per year; a narrow index costs the evaluation less to keep up than one per organisation.
        indexes = [models.Index(fields=["year", "rule"], name="finding_year_rule")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.tender_id}: {self.outcome}"

    @property
    def requirement_text(self) -> str:
        return requirement_text(self.rule)

    @property
    def missing_labels(self) -> list[str]:
        """The missing codes in words (data codes of an unknown finding; the requirement of a not-met one)."""
        return [str(MISSING_DATA.get(code, code)) for code in self.missing.split(",") if code]
