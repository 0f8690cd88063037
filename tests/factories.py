"""factory_boy factories for the project's own tests (no data from ../shared)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from mvimonitor.organisations.models import Membership, Organisation, OrganisationKind, Role, User
from mvimonitor.tenders.models import (
    AwardCriterion,
    AwardCriterionType,
    Contract,
    Lot,
    MVIApplication,
    Nature,
    ProcedureType,
    Tender,
)
from mvimonitor.themes.models import (
    AmbitionLevel,
    ApplicationForm,
    CpvCode,
    Criterion,
    EuThreshold,
    IsvRiskCategory,
    ProductGroup,
    ProductGroupCluster,
    ProductGroupSet,
    Theme,
    ThresholdCategory,
)

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Gemeente Testdorp {n}")
    kind = OrganisationKind.GEMEENTE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.INKOPER


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("code",)

    code = "sroi"
    name_nl = "Social return"
    name_en = "Social return"
    source = "test fixture"
    source_year = 2024


class ApplicationFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationForm
        django_get_or_create = ("code",)

    code = "gunningscriterium"
    name_nl = "Gunningscriterium"
    name_en = "Award criterion"
    source = "test fixture"
    source_year = 2024


class CpvCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CpvCode
        django_get_or_create = ("code",)

    code = "90910000"
    label_nl = "Reinigingsdiensten"
    label_en = "Cleaning services"
    source = "test fixture"
    source_year = 2008


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Schoonmaak gemeentehuis {n}")
    nature = Nature.SERVICES
    procedure_type = ProcedureType.OPEN
    is_european = True
    publication_date = dt.date(2025, 3, 1)
    estimated_value = Decimal("250000.00")


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    tender = factory.SubFactory(TenderFactory)
    number = factory.Sequence(lambda n: f"LOT-{n:04d}")
    title = "Perceel"


class AwardCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardCriterion

    lot = factory.SubFactory(LotFactory)
    criterion_type = AwardCriterionType.QUALITY
    name = "Duurzaamheid"
    weight = Decimal("20")


class MVIApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MVIApplication

    lot = factory.SubFactory(LotFactory)
    theme = factory.SubFactory(ThemeFactory)
    form = factory.SubFactory(ApplicationFormFactory)
    award_weight = Decimal("10")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    lot = factory.SubFactory(LotFactory)
    supplier_name = "Schoon BV"
    supplier_kvk_number = "12345678"
    value = Decimal("240000.00")
    start_date = dt.date(2025, 6, 1)
    end_date = dt.date(2027, 5, 31)


class AmbitionLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AmbitionLevel
        django_get_or_create = ("code",)

    code = "significant"
    level = 2
    name_nl = "Significant"
    name_en = "Significant"
    source = "test fixture"
    source_year = 2024


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductGroup

    product_group_set = factory.LazyFunction(
        lambda: ProductGroupSet.objects.get_or_create(
            version="2024",
            defaults={
                "name": "Productgroepen 2024",
                "valid_from": "2024-01-01",
                "source": "test",
                "source_year": 2024,
            },
        )[0]
    )
    cluster = factory.LazyAttribute(
        lambda pg: ProductGroupCluster.objects.get_or_create(
            product_group_set=pg.product_group_set,
            code="gww",
            defaults={"name_nl": "GWW", "source": "test", "source_year": 2024},
        )[0]
    )
    code = factory.Sequence(lambda n: f"groep-{n}")
    name_nl = factory.Sequence(lambda n: f"Productgroep {n}")
    source = "test fixture"
    source_year = 2024


CATALOGUE_SOURCE = "Testbron catalogus"


@dataclass
class Catalogue:
    """One sourced row (or two, where tests need to tell them apart) in every catalogue table; each table has its
    own source year, so a page can be checked to show the year of its own table."""

    klimaat: Theme
    sroi: Theme
    minimum: ApplicationForm
    award: ApplicationForm
    basis: AmbitionLevel
    ambition: AmbitionLevel  # "significant", the level the tender tests register
    group_set: ProductGroupSet
    cluster: ProductGroupCluster
    group: ProductGroup
    criterion: Criterion
    isv: IsvRiskCategory
    threshold: EuThreshold
    cleaning: CpvCode
    accommodation_cleaning: CpvCode
    construction: CpvCode
    office: CpvCode
    furniture: CpvCode


def make_catalogue() -> Catalogue:
    def src(year: int) -> dict[str, Any]:
        return {"source": CATALOGUE_SOURCE, "source_year": year}

    klimaat = Theme.objects.create(code="klimaat", name_nl="Klimaat", name_en="Climate", order=2, **src(2021))
    sroi = Theme.objects.create(code="sroi", name_nl="Social return", name_en="Social return", order=6, **src(2021))
    minimum = ApplicationForm.objects.create(
        code="minimumeis", name_nl="Minimumeis", name_en="Minimum requirement", order=0, **src(2022)
    )
    award = ApplicationForm.objects.create(
        code="gunningscriterium",
        name_nl="Gunningscriterium",
        name_en="Award criterion",
        order=1,
        legal_basis="Aanbestedingswet 2012 art. 2.114",
        **src(2022),
    )
    basis = AmbitionLevel.objects.create(code="basis", level=1, name_nl="Basis", name_en="Basic", **src(2023))
    significant = AmbitionLevel.objects.create(
        code="significant", level=2, name_nl="Significant", name_en="Significant", **src(2023)
    )
    group_set = ProductGroupSet.objects.create(
        version="2024",
        name="Productgroepen 2024",
        valid_from=dt.date(2024, 1, 1),
        declared_group_count=48,
        **src(2024),
    )
    cluster = ProductGroupCluster.objects.create(
        product_group_set=group_set, code="gww", name_nl="Grond-, weg- en waterbouw", **src(2024)
    )
    group = ProductGroup.objects.create(
        product_group_set=group_set,
        cluster=cluster,
        code="schoonmaak",
        name_nl="Schoonmaakdiensten",
        cpv_prefixes=["9091"],
        **src(2024),
    )
    criterion = Criterion.objects.create(
        product_group=group,
        code="MVI-1",
        title="Emissievrije voertuigen",
        theme=klimaat,
        form=minimum,
        ambition_level=basis,
        **src(2025),
    )
    isv = IsvRiskCategory.objects.create(list_version="2023", number=1, name_nl="Mensenrechten", **src(2019))
    threshold = EuThreshold.objects.create(
        category=ThresholdCategory.DECENTRAL_SUPPLIES_SERVICES,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2026, 1, 1),
        amount=Decimal("221000"),
        **src(2018),
    )
    cpv = {
        code: CpvCode.objects.create(code=code, label_nl=nl, label_en=en, **src(2008))
        for code, nl, en in [
            ("90910000", "Reinigingsdiensten", "Cleaning services"),
            ("90911000", "Reiniging van woningen", "Accommodation cleaning services"),
            ("45000000", "Bouwwerkzaamheden", "Construction work"),
            ("30190000", "Diverse kantoorbenodigdheden", "Various office equipment"),
            ("39100000", "Meubilair", "Furniture"),
        ]
    }
    return Catalogue(
        klimaat=klimaat,
        sroi=sroi,
        minimum=minimum,
        award=award,
        basis=basis,
        ambition=significant,
        group_set=group_set,
        cluster=cluster,
        group=group,
        criterion=criterion,
        isv=isv,
        threshold=threshold,
        cleaning=cpv["90910000"],
        accommodation_cleaning=cpv["90911000"],
        construction=cpv["45000000"],
        office=cpv["30190000"],
        furniture=cpv["39100000"],
    )


def api_key(user: User) -> str:
    """The key of a new personal API token of `user` (for `Authorization: Token <key>`)."""
    from mvimonitor.api.tokens import token_create

    return token_create(user=user, name="tests")[1]
