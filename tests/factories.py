"""factory_boy factories for the project's own tests (no data from ../shared)."""

import datetime as dt
from decimal import Decimal

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
    ProductGroup,
    ProductGroupCluster,
    ProductGroupSet,
    Theme,
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
