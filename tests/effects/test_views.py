"""The contract and effect pages: forms through services, dashboards, exports, national figures."""

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from mvimonitor.effects import figures, recalculation, selectors, services
from mvimonitor.effects.models import Commitment, EffectCalculation, EmissionFactorSet, Realisation
from mvimonitor.organisations.models import User
from mvimonitor.tenders.models import Contract
from mvimonitor.themes.models import Theme

from .conftest import FIXTURES, Side, make_side


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_contract_pages_render(side_a: Side) -> None:
    client = _client(side_a.manager)

    for url in [
        reverse("effects:contract-list"),
        reverse("effects:contract-create"),
        reverse("effects:contract-detail", args=[side_a.contract.pk]),
        reverse("effects:contract-edit", args=[side_a.contract.pk]),
        reverse("effects:commitment-create", args=[side_a.contract.pk]),
        reverse("effects:dashboard"),
        reverse("effects:national"),
        reverse("effects:factor-sets"),
    ]:
        assert client.get(url).status_code == 200, url


def test_contract_create_through_the_form(side_a: Side) -> None:
    response = _client(side_a.manager).post(
        reverse("effects:contract-create"),
        {"lot": side_a.contract.lot_id, "supplier_name": "Formulier BV", "value": "1000", "start_date": "2025-01-01",
         "end_date": "2025-06-30"},
    )  # fmt: skip

    assert response.status_code == 302
    assert Contract.objects.filter(supplier_name="Formulier BV").exists()


def test_commitment_form_shows_service_errors(side_a: Side) -> None:
    response = _client(side_a.manager).post(
        reverse("effects:commitment-create", args=[side_a.contract.pk]),
        {"theme": "", "kind": "electricity", "description": "x", "quantity": "10", "unit": "kWh"},
    )

    assert response.status_code == 400
    assert not Commitment.objects.exists()


def test_realisation_form_with_evidence_and_review(side_a: Side, settings: object, tmp_path: object) -> None:
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    client = _client(side_a.manager)
    client.post(
        reverse("effects:commitment-create", args=[side_a.contract.pk]),
        {"theme": Theme.objects.get(code="klimaat").pk, "kind": "electricity", "description": "Groene stroom",
         "quantity": "1000", "unit": "kWh", "factor_code": "green-power-government-average",
         "reference_factor_code": "electricity-nl-mix-2021"},
    )  # fmt: skip
    commitment = Commitment.objects.get()

    created = client.post(
        reverse("effects:realisation-create", args=[commitment.pk]),
        {"period_start": "2024-01-01", "period_end": "2024-06-30", "quantity": "400",
         "evidence": SimpleUploadedFile("meterstanden.csv", b"maand;kWh\n1;400\n")},
    )  # fmt: skip
    realisation = Realisation.objects.get()
    reviewed = client.post(reverse("effects:realisation-review", args=[realisation.pk]), {"status": "verified"})
    detail = client.get(reverse("effects:contract-detail", args=[side_a.contract.pk])).content.decode()

    assert (created.status_code, reviewed.status_code) == (302, 302)
    assert realisation.evidence.get().original_name == "meterstanden.csv"
    effect = EffectCalculation.objects.current().get(commitment=commitment)
    assert effect.ex_post_kg == Decimal("98.800")  # 0.247 × 400
    assert "meterstanden.csv" in detail


def test_evidence_with_a_forbidden_extension_is_refused(side_a: Side, settings: object, tmp_path: object) -> None:
    settings.MVIMONITOR_PRIVATE_MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    commitment = services.commitment_create(
        user=side_a.manager, contract=side_a.contract, theme=Theme.objects.get(code="milieu"), kind="other",
        description="x", quantity=Decimal(1), unit="kWh",
    )  # fmt: skip

    response = _client(side_a.manager).post(
        reverse("effects:realisation-create", args=[commitment.pk]),
        {"period_start": "2024-01-01", "period_end": "2024-06-30", "quantity": "1",
         "evidence": SimpleUploadedFile("script.exe", b"MZ")},
    )  # fmt: skip

    assert response.status_code == 400
    assert "script.exe" in response.content.decode()
    assert not Realisation.objects.exists()


def test_exports(side_a: Side) -> None:
    client = _client(side_a.manager)

    csv_response = client.get(reverse("effects:dashboard") + "?format=csv")
    xlsx_response = client.get(reverse("effects:dashboard") + "?format=xlsx")

    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("figures;")
    assert lines[lines.index("") + 1].startswith("figure;unit;value;")
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert "figure" in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_own_factor_set_upload(side_a: Side) -> None:
    client = _client(side_a.manager)

    response = client.post(
        reverse("effects:factor-sets"),
        {"name": "Eigen", "version": "1", "publication_year": "2025", "source": "eigen meting",
         "file": SimpleUploadedFile("lijst.csv", (FIXTURES / "co2emissiefactoren_sample.csv").read_bytes())},
    )  # fmt: skip
    bad = client.post(
        reverse("effects:factor-sets"),
        {"name": "Fout", "version": "1", "publication_year": "2025", "source": "x",
         "file": SimpleUploadedFile("fout.csv", (FIXTURES / "co2emissiefactoren_bad.csv").read_bytes())},
    )  # fmt: skip

    assert response.status_code == 302
    assert EmissionFactorSet.objects.get(name="Eigen").organisation == side_a.organisation
    assert bad.status_code == 400
    assert "fout.csv, line 3" in bad.content.decode()
    assert _client(side_a.reader).post(reverse("effects:factor-sets"), {}).status_code == 403


@pytest.mark.django_db
def test_national_figures_extrapolate_and_pass_disclosure_control(effects_reference: None) -> None:
    """Six reporting municipalities with equal contract values and 24.7 t each; two more without commitments.
    All eight fall in the same kind and (by tertiles of contract value) the same size class... except that value
    ties put everyone in one class: ratio = 6 × 24.7 / (6 × 1,000,000) → × 8,000,000 = 197.6 t."""
    sides = [make_side(f"Gemeente {i}") for i in range(8)]
    for side in sides[:6]:
        services.commitment_create(
            user=side.manager, contract=side.contract, theme=Theme.objects.get(code="klimaat"), kind="electricity",
            description="stroom", quantity=Decimal(100000), unit="kWh", factor_code="green-power-government-average",
            reference_factor_code="electricity-nl-mix-2021",
        )  # fmt: skip
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    summary = selectors.national_summary(draws=200)

    figure = next(f for f in summary.figures if f.key == "co2ExAnteTonnes")
    assert figure.value == pytest.approx(197.6)
    assert (summary.reporting, summary.population) == (6, 8)
    assert figure.low is not None
    assert figure.high is not None
    assert figure.low <= figure.value <= figure.high  # type: ignore[operator]
    assert "Gemeente" not in str(summary)
    page = _client(sides[0].reader).get(reverse("effects:national")).content.decode()
    assert "197.6" in page or "197,6" in page


def test_recalculate_command(side_a: Side) -> None:
    out = io.StringIO()

    call_command("recalculate_effects", stdout=out)

    assert "0" in out.getvalue()


def test_dashboard_counts_not_calculable_with_its_reason(side_a: Side) -> None:
    services.commitment_create(
        user=side_a.manager, contract=side_a.contract, theme=Theme.objects.get(code="klimaat"), kind="natural_gas",
        description="gas", quantity=Decimal(1000), unit="m3", factor_code="natural-gas",
        reference_factor_code="natural-gas",
    )  # fmt: skip
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))

    page = _client(side_a.manager).get(reverse("effects:dashboard")).content.decode()

    assert "0 commitments calculable, 1 not calculable" in page
    assert "1 × The factor set lacks an item the commitment needs" in page


FORMULA_NAME = '=HYPERLINK("https://evil.example","Eigen lijst Gemeente A")'


def test_an_own_factor_set_is_never_named_in_national_figures(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    own = EmissionFactorSet.objects.create(
        name=FORMULA_NAME, version="1", publication_year=2025, source="test", organisation=side_a.organisation
    )
    electricity_commitment(factor_set=own)
    electricity_commitment()  # with the published set, which may be named
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))
    assert EffectCalculation.objects.filter(factor_set=own).exclude(factor_set_label="").exists()
    client = _client(side_a.reader)

    answers = [
        client.get(reverse("effects:national")),
        client.get(reverse("effects:national") + "?format=csv"),
        client.get(reverse("effects:national") + "?format=xlsx"),
    ]

    for answer in answers:
        assert answer.status_code == 200
        assert b"evil.example" not in answer.content
    national_sheet = load_workbook(io.BytesIO(answers[2].content)).active
    texts = " ".join(str(cell.value) for row in national_sheet.iter_rows() for cell in row if cell.value)
    assert "evil.example" not in texts
    # where a national figure is shown (here it is suppressed: one organisation), its sources read:
    labels = figures._public_factor_set_labels(EffectCalculation.objects.current())
    assert labels[-1] == "organisations' own sets (not named)"
    assert not any("evil.example" in label for label in labels)
    assert any("Test values" in label for label in labels)


def test_a_name_that_looks_like_a_formula_stays_text_in_exports(
    side_a: Side, electricity_commitment: Callable[..., Commitment]
) -> None:
    own = EmissionFactorSet.objects.create(
        name=FORMULA_NAME, version="1", publication_year=2025, source="test", organisation=side_a.organisation
    )
    electricity_commitment(factor_set=own)
    recalculation.effects_recalculate(as_of=dt.date(2026, 1, 1))
    client = _client(side_a.reader)

    xlsx = client.get(reverse("effects:dashboard") + "?format=xlsx")
    csv_text = client.get(reverse("effects:dashboard") + "?format=csv").content.decode("utf-8-sig")

    cells = [cell for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for cell in row]
    named = [cell for cell in cells if isinstance(cell.value, str) and "evil.example" in cell.value]
    assert named, "the organisation's own export names its own set"
    assert all(cell.data_type == "s" for cell in named)
    assert not any(cell.data_type == "f" for cell in cells)
    assert ";'=HYPERLINK(" in csv_text.replace('"', "")
