"""Product groups suggested for a tender from its CPV codes, and assigning one when the buyer chooses it.

The suggestions come from `themes.cpv_mapping.suggest_product_groups` (CPV mappings, confirmed or proposed, and the
CPV prefixes a release gives its groups) over the tender's main and additional CPV codes, in the release buyers
choose criteria from. They are only shown: a product group is assigned when a person who may edit the tender picks
one, through `tender_assign_product_group`, which writes through `services.tender_update` (history, the record's
seam). Which mappings are confirmed is decided in the admin, by superusers, since mappings are national catalogue
data and not an organisation's record.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mvimonitor.organisations.access import Action, require
from mvimonitor.organisations.models import User
from mvimonitor.themes.cpv_mapping import Suggestion, suggest_product_groups
from mvimonitor.themes.models import CriteriaRelease, ProductGroup

from . import services
from .criteria_selectors import current_release
from .models import Tender


def suggestion_release() -> CriteriaRelease | None:
    """The release whose product groups are suggested: the one buyers choose criteria from, else the current one."""
    return current_release() or CriteriaRelease.objects.current()


def tender_cpv_codes(tender: Tender) -> list[str]:
    """The tender's main CPV code first, then its additional ones."""
    codes = [tender.main_cpv_id] if tender.main_cpv_id else []
    codes += [cpv.code for cpv in tender.additional_cpvs.all() if cpv.code not in codes]
    return codes


def product_group_suggestions(tender: Tender) -> list[Suggestion]:
    """The product groups suggested for `tender`, best first: none when it has a product group or no CPV codes."""
    if tender.product_group_id is not None:
        return []
    codes = tender_cpv_codes(tender)
    release = suggestion_release()
    if not codes or release is None:
        return []
    return suggest_product_groups(codes, release_version=release.version)


@transaction.atomic
def tender_assign_product_group(*, user: User, tender: Tender, product_group: ProductGroup) -> Tender:
    """Give `tender` the product group the buyer chose from its suggestions. Refused when the tender has a product
    group already (that is changed on the tender's form) or the group is not among the suggestions."""
    require(user, Action.EDIT_TENDERS, tender.organisation_id)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.product_group_id is not None:
        raise ValidationError(
            {"product_group": _("This tender already has a product group; change it on the tender's form.")}
        )
    if product_group.pk not in {suggestion.product_group.pk for suggestion in product_group_suggestions(tender)}:
        raise ValidationError(
            {"product_group": _("This product group is not suggested for the CPV codes of this tender.")}
        )
    return services.tender_update(user=user, tender=tender, product_group=product_group)
