"""Forms of the award page; they check input only, the services write."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from mvimonitor.effects.models import SanctionRule

from .models import MAX_LEVEL, AwardKind, CO2PriceSet, DiscountScheme, QualityCriterion
from .selectors import discount_schemes, price_sets

_CLASSES = {
    "select": "utrecht-select utrecht-select--html-select",
    "radio_select": "utrecht-radio-button utrecht-radio-button--html-input",
}
_TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
MAX_AMOUNT = Decimal("100000000000")


def _style(form: forms.BaseForm) -> None:
    """The NL Design System class on every widget, so inputs look and focus like the rest of the site."""
    for bound in form:
        bound.field.widget.attrs["class"] = _CLASSES.get(bound.widget_type, _TEXTBOX)


def _amount(
    label: "StrOrPromise", *, required: bool = False, places: int = 2, help_text: "StrOrPromise" = ""
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=MAX_AMOUNT,
        decimal_places=places,
        localize=True,
        help_text=help_text,
    )


class MethodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Method"), choices=AwardKind.choices)
    price_set = forms.ModelChoiceField(
        label=_("CO2 price set"),
        queryset=CO2PriceSet.objects.none(),
        required=False,
        help_text=_("Needed for the CO2 price method. Its price per tonne is copied into the lot's method."),
    )
    discount_scheme = forms.ModelChoiceField(
        label=_("Discount scheme"),
        queryset=DiscountScheme.objects.none(),
        required=False,
        help_text=_(
            "Needed for the CO2-Prestatieladder method. Its table of discounts is copied into the lot's method."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[CO2PriceSet]", self.fields["price_set"]).queryset = price_sets()
        cast("forms.ModelChoiceField[DiscountScheme]", self.fields["discount_scheme"]).queryset = discount_schemes()
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == AwardKind.CO2_PRICE and data.get("price_set") is None:
            self.add_error("price_set", _("Choose a CO2 price set."))
        if kind == AwardKind.LADDER_DISCOUNT and data.get("discount_scheme") is None:
            self.add_error("discount_scheme", _("Choose a discount scheme."))
        return data


class BidForm(forms.Form):
    bidder_name = forms.CharField(label=_("Bidder"), max_length=300)
    bidder_kvk = forms.CharField(label=_("KvK number"), max_length=8, required=False)
    price = _amount(_("Price (€)"), required=True)
    tonnes = _amount(
        _("Tonnes CO2-eq over the contract period"),
        places=3,
        help_text=_("Needed when the lot is awarded on a CO2 price."),
    )
    ladder_level = forms.IntegerField(
        label=_("CO2-Prestatieladder level"),
        required=False,
        min_value=0,
        max_value=MAX_LEVEL,
        help_text=_("Leave empty for a bidder without a level: no discount."),
    )
    mki = _amount(_("MKI (€)"), help_text=_("Needed when the lot is awarded on MKI."))

    def __init__(self, *args: Any, criteria: "list[QualityCriterion] | None" = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in criteria or []:
            self.fields[f"{SCORE_PREFIX}{criterion.pk}"] = forms.DecimalField(
                label=_("Score on “%(name)s” (0 to %(max)s)")
                % {"name": criterion.name, "max": f"{criterion.max_score.normalize():f}"},
                min_value=Decimal(0),
                max_value=criterion.max_score,
                decimal_places=2,
                localize=True,
            )
        _style(self)


SCORE_PREFIX = "score_"


def split_scores(cleaned: dict[str, Any]) -> tuple[dict[str, Any], dict[int, Decimal]]:
    """A bid form's cleaned data as the bid's own values and its scores per quality criterion id."""
    values = {key: value for key, value in cleaned.items() if not key.startswith(SCORE_PREFIX)}
    scores = {
        int(key.removeprefix(SCORE_PREFIX)): value for key, value in cleaned.items() if key.startswith(SCORE_PREFIX)
    }
    return values, scores


class QualityCriterionForm(forms.Form):
    name = forms.CharField(label=_("Quality criterion"), max_length=200)
    max_discount = _amount(
        _("Fictitious discount for a full score (€)"),
        required=True,
        help_text=_("The weight of the criterion: what a full score takes off the price."),
    )
    max_score = forms.DecimalField(
        label=_("Full score"),
        min_value=Decimal(1),
        max_value=Decimal(1000),
        decimal_places=2,
        initial=10,
        localize=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class BidFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file with bids"),
        help_text=_(
            "First line: the column names bidder, kvk, price, tonnes, ladder level, mki (or inschrijver, kvk, prijs, "
            "ton, niveau, mki), separated by commas or semicolons. Numbers without thousands separators."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"class": _TEXTBOX, "accept": ".csv,text/csv"})


# The shipped rule a carried promise gets unless the organisation chooses another (Rijkswaterstaat, 1.5 times).
DEFAULT_SANCTION_RULE = "rws-co2-prestatieladder"
MAX_MULTIPLE = Decimal(100)


class CarryForm(forms.Form):
    sanction_rule = forms.ModelChoiceField(
        label=_("Sanction rule"),
        queryset=SanctionRule.objects.none(),
        required=False,
        help_text=_("The sanction when the promise is not kept: a multiple of the award advantage."),
    )
    sanction_multiple = forms.DecimalField(
        label=_("Own multiple of the advantage"),
        required=False,
        min_value=Decimal(0),
        max_value=MAX_MULTIPLE,
        decimal_places=2,
        localize=True,
        help_text=_("Only when your organisation agreed its own multiple in the contract; it overrides the rule."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = SanctionRule.objects.all()
        field = cast("forms.ModelChoiceField[SanctionRule]", self.fields["sanction_rule"])
        field.queryset = rules
        if not self.is_bound:
            field.initial = rules.filter(code=DEFAULT_SANCTION_RULE).values_list("pk", flat=True).first()
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sanction_rule") is None and data.get("sanction_multiple") is None:
            self.add_error(
                "sanction_rule", _("Choose a sanction rule or enter the multiple your organisation agreed.")
            )
        return data
