"""ISV test data: two versions of the list of risk categories, the second starting on a known date."""

import datetime as dt
from dataclasses import dataclass

from mvimonitor.isv.models import CategoryMapping, CategorySuggestion, RiskList
from mvimonitor.themes.models import IsvRiskCategory

# The day the second list applies from (a list change takes effect on its start date).
CHANGE = dt.date(2025, 7, 1)


@dataclass
class Lists:
    old: RiskList
    new: RiskList
    clothing: IsvRiskCategory  # old list
    catering: IsvRiskCategory  # old list
    clothing_new: IsvRiskCategory  # new list
    services_new: IsvRiskCategory  # new list: catering went into it (inferred)


def make_lists() -> Lists:
    src = {"source": "https://example.org/isv", "source_year": 2023}
    old = RiskList.objects.create(
        list_version="t-old", name_nl="Oud", name_en="Old", valid_from=dt.date(2013, 1, 1), **src
    )
    new = RiskList.objects.create(list_version="t-new", name_nl="Nieuw", name_en="New", valid_from=CHANGE, **src)
    clothing = IsvRiskCategory.objects.create(list_version="t-old", number=1, name_nl="Bedrijfskleding", **src)
    catering = IsvRiskCategory.objects.create(list_version="t-old", number=2, name_nl="Catering", **src)
    clothing_new = IsvRiskCategory.objects.create(list_version="t-new", number=1, name_nl="Bedrijfskleding", **src)
    services_new = IsvRiskCategory.objects.create(
        list_version="t-new", number=2, name_nl="Consumptieve dienstverlening", **src
    )
    CategoryMapping.objects.create(old=clothing, new=clothing_new, confidence="medium", **src)
    CategoryMapping.objects.create(
        old=catering, new=services_new, sub_item_nl="a. Catering", inferred=True, confidence="medium", **src
    )
    CategorySuggestion.objects.create(category=clothing, cpv_prefix="181", inferred=True, **src)
    CategorySuggestion.objects.create(category=catering, cpv_prefix="555", inferred=True, **src)
    return Lists(old, new, clothing, catering, clothing_new, services_new)
