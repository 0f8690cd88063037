"""Sentences for the reason codes of `calculations`: why a figure is not calculable, in the user's language."""

from collections.abc import Mapping

from django.utils.translation import gettext as _

from . import calculations as calc
from . import social_return as sr


def describe_code(code: str, details: Mapping[str, str]) -> str:
    d = dict(details)
    role = d.get("role", "")
    d["role"] = {
        "actual": _("promised option"),
        "reference": _("reference option"),
        "persons": _("number of people"),
        "amount": _("amount"),
        "base": _("obligation base"),
    }.get(role, role)
    if code == sr.NOT_APPLICABLE:
        return _not_applicable(d)
    messages = {
        calc.NO_FINE_PERCENTAGE: _("No percentage of the unmet obligation is recorded, so no fine can be computed."),
        sr.BONUS_WITHOUT_BASE: _(
            "%(count)s bonus line(s) not counted: a bonus counts only with a base placement of the same candidate "
            "(candidate reference) in this or an earlier report of the commitment: %(lines)s."
        ),
        sr.COUNTED_PER_LINE: _(
            "%(count)s line(s) without a candidate reference: the table's maximum months was applied per line, not "
            "per candidate over all reports."
        ),
        calc.NO_REFERENCE: _(
            "No reference option with an emission factor is given, so there is nothing to compare with."
        ),
        calc.NO_FACTOR: _("The factor set has no item “%(factor)s” (%(role)s)."),
        calc.NO_WTW: _("The factor “%(factor)s” (%(role)s) has no WTW value."),
        calc.UNIT_MISMATCH: _(
            "The %(role)s is in %(unit)s but the factor “%(factor)s” is per %(factor_unit)s: the units do not match."
        ),
        calc.NEGATIVE_QUANTITY: _("The %(role)s is negative (%(quantity)s)."),
        calc.NO_DELIVERY: _("Nothing verified has been delivered yet."),
        calc.NO_BLOCK: _("The building-block table has no block “%(block)s”."),
        calc.NO_BASE: _("There is no base amount for the obligation."),
        calc.BAD_PERCENTAGE: _("The percentage %(percentage)s is not between 0 and 100."),
        calc.BAD_MONTHS: _("%(months)s months is not a possible number of months."),
        calc.BAD_HOURS: _("%(hours)s hours per week is not possible."),
        calc.NO_AMOUNT: _("The block “%(block)s” is counted by hours, days or euros: enter the amount."),
        calc.NO_ADVANTAGE: _("No award advantage is recorded, so no sanction can be computed."),
        calc.NO_MULTIPLE: _("No sanction rule or multiple is recorded."),
        calc.NO_PROMISE: _("Nothing was promised."),
        calc.NO_ADDITIONALITY: _(
            "The requirement is not stricter than the reference option: the effect counts as a real 0, not as "
            "not calculable."
        ),
        calc.OUTSIDE_PERIOD: _(
            "%(count)s verified realisation(s) lie outside the commitment period %(period)s: they are left out, "
            "and the delivered figure is not calculable until they are corrected."
        ),
    }
    template = messages.get(code)
    if template is None:
        return code
    try:
        text = template % d
    except KeyError:
        return template
    if code == sr.BONUS_WITHOUT_BASE and d.get("per_line"):
        text = f"{text} {messages[sr.COUNTED_PER_LINE] % {'count': d['per_line']}}"
    return text


def _not_applicable(d: Mapping[str, str]) -> str:
    """Which condition of the social-return policy the contract does not meet."""
    condition = d.get("condition")
    if condition == "kind":
        kinds = {"works": _("works"), "supplies": _("supplies"), "services": _("services")}
        text = _("the policy applies to %(kinds)s, and this is a contract for %(kind)s") % {
            "kinds": ", ".join(str(kinds.get(k.strip(), k.strip())) for k in d.get("kinds", "").split(",")),
            "kind": kinds.get(d.get("kind", ""), d.get("kind", "")),
        }
    elif condition == "value":
        text = _("the policy applies above EUR %(above)s excl. VAT, and the contract value is EUR %(value)s") % d
    elif condition == "duration":
        text = _("the policy applies to contracts of at least %(months)s months, and %(period)s is shorter") % d
    else:
        text = ""
    return _("Social return does not apply to this contract: %(why)s. Not counted, neither as 0 nor as unknown.") % {
        "why": text
    }


def describe(problem: calc.Problem) -> str:
    return describe_code(problem.code, problem.details)


def summary_label(code: str) -> str:
    """One line per reason for a count over many commitments (no item names, which differ per commitment)."""
    labels = {
        calc.NO_REFERENCE: _("No reference option with an emission factor"),
        calc.NO_FACTOR: _("The factor set lacks an item the commitment needs"),
        calc.NO_WTW: _("A factor without a WTW value"),
        calc.UNIT_MISMATCH: _("The unit does not match the factor's unit"),
        calc.NEGATIVE_QUANTITY: _("A negative quantity"),
        calc.OUTSIDE_PERIOD: _("A verified realisation outside the commitment period"),
        calc.NO_ADDITIONALITY: _("No additionality: counted as a real 0"),
        sr.NOT_APPLICABLE: _("Social return not applicable: the policy's conditions are not met"),
        sr.BONUS_WITHOUT_BASE: _("Bonus lines not counted: no base placement of the same candidate"),
        sr.COUNTED_PER_LINE: _("Lines without a candidate reference, counted per line"),
    }
    return labels.get(code, describe_code(code, {}))
