"""Award criteria that name criteria of the MVI catalogue become proposals linked to those criteria: by code (high)
or by title (medium), only in the tender's product group, once, and confirmed into MVI applications that keep the
criterion."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from mvimonitor.imports import notices as n
from mvimonitor.imports.catalogue_link import CatalogueIndex
from mvimonitor.imports.detect import detect
from mvimonitor.imports.models import MVIProposal, ProposalStatus, SourceRecord
from mvimonitor.imports.review import evidence_items, proposal_confirm
from mvimonitor.imports.services import RunReport, import_run_create, import_run_execute
from mvimonitor.imports.sources import read_paths
from mvimonitor.organisations.models import Role
from mvimonitor.tenders.models import MVIApplication, Origin, Tender
from mvimonitor.themes.models import CriteriaRelease, Criterion, ProductGroup, ReleaseStatus, Theme
from tests.factories import ProductGroupFactory

from .conftest import make_notice

pytestmark = pytest.mark.usefixtures("shipped_reference", "sample_release")  # sample-2026 as the current release

FIXTURE = "eforms_catalogue_criteria.xml"
VERSION = "sample-2026"
Detector = Callable[[n.Notice], tuple[list[n.Proposal], list[n.AttributeSignal]]]


def nothing(notice: n.Notice) -> tuple[list[n.Proposal], list[n.AttributeSignal]]:
    """A detector that finds nothing, so that only the catalogue links are proposed."""
    return [], []


def import_bytes(tmp_path: Path, data: bytes, detector: Detector = nothing) -> RunReport:
    path = tmp_path / f"notice-{len(list(tmp_path.iterdir()))}.xml"
    path.write_bytes(data)
    run = import_run_create(source_description="catalogue links")
    return import_run_execute(run=run, raw_notices=list(read_paths([path])), detector=detector)


def fixture_bytes(fixtures: Path, *, version: str = "01", names: bool = True) -> bytes:
    data = (fixtures / FIXTURE).read_bytes().replace(b"<cbc:VersionID>01<", f"<cbc:VersionID>{version}<".encode())
    if not names:  # the same notice without the code and the title it names
        data = data.replace(b"km-b-gc", b"de bestekseis").replace(b"laagste CO2-voetafdruk", b"prijs")
    return data


def proposals() -> dict[str, MVIProposal]:
    rows = MVIProposal.objects.select_related("theme", "form", "criterion__ambition_level")
    return {f"{p.theme.code}/{p.form.code if p.form else '-'}": p for p in rows}


def test_a_code_and_a_title_named_in_award_criteria_become_two_linked_proposals(fixtures, tmp_path) -> None:
    report = import_bytes(tmp_path, fixture_bytes(fixtures))

    assert (report.run.created, report.run.failed) == (1, 0)
    found = proposals()
    assert sorted(found) == ["circulair/gunningscriterium", "klimaat/gunningscriterium"]
    by_code, by_title = found["circulair/gunningscriterium"], found["klimaat/gunningscriterium"]
    assert by_code.criterion is not None
    assert by_title.criterion is not None
    assert (by_code.criterion.code, by_code.criterion.ambition_level.code) == ("KM-B-GC", "basis")
    assert (by_title.criterion.code, by_title.criterion.ambition_level.code) == ("KM-A-GC", "ambitieus")
    assert by_code.criterion.product_group.product_group_set.version == VERSION
    for proposal, rule, confidence in ((by_code, "catalogue-code", "high"), (by_title, "catalogue-title", "medium")):
        assert (proposal.origin, proposal.confidence, proposal.rule) == (Origin.CATALOGUE, confidence, rule)
        assert (proposal.mapping_version, proposal.status) == (VERSION, ProposalStatus.PROPOSED)
    assert by_code.evidence.startswith("catalogue criterion KM-B-GC (code) in award criterion [/*/cac:")
    assert "zoals criterium km-b-gc van de MVI-criteria.”" in by_code.evidence
    assert by_title.evidence.startswith("catalogue criterion KM-A-GC (title) in BT-540 [/*/cac:")
    assert "ook de laagste CO2-voetafdruk over de levensduur telt mee.”" in by_title.evidence


def test_the_evidence_is_put_into_words_in_the_readers_language(fixtures, tmp_path) -> None:
    import_bytes(tmp_path, fixture_bytes(fixtures))
    found = proposals()

    with translation.override("en"):
        (by_code,) = evidence_items(found["circulair/gunningscriterium"].evidence)
        (by_title,) = evidence_items(found["klimaat/gunningscriterium"].evidence)

    assert by_code["term"] == "Award criterion"
    assert by_code["note"] == "names the code of catalogue criterion KM-B-GC"
    assert by_code["excerpt"].endswith("zoals criterium km-b-gc van de MVI-criteria.")
    assert by_code["path"].endswith("cac:SubordinateAwardingCriterion[2]")
    assert by_title["term"] == "BT-540 Description of the award criterion"
    assert by_title["note"] == "contains the title of catalogue criterion KM-A-GC"


def test_a_link_joins_the_detectors_proposal_of_the_same_theme_and_form(fixtures, tmp_path) -> None:
    """The project's detector finds klimaat and circulair award criteria in the same texts: one proposal each, the
    most confident finding gives origin and rule (the detector's on a tie), and the link adds its criterion."""
    import_bytes(tmp_path, fixture_bytes(fixtures), detector=detect)

    found = proposals()
    assert MVIProposal.objects.filter(theme__code="klimaat", form__code="gunningscriterium").count() == 1
    by_code, by_title = found["circulair/gunningscriterium"], found["klimaat/gunningscriterium"]
    assert (by_code.origin, by_code.rule, by_code.criterion.code) == (Origin.CATALOGUE, "catalogue-code", "KM-B-GC")
    assert (by_title.origin, by_title.confidence, by_title.criterion.code) == ("text_detection", "medium", "KM-A-GC")
    assert "catalogue criterion KM-A-GC (title)" in by_title.evidence  # the link's evidence beside the detector's
    assert found["klimaat/contractbepaling"].criterion is None  # a performance condition that names no criterion


def test_a_release_without_criteria_links_nothing(fixtures, tmp_path) -> None:
    CriteriaRelease.objects.filter(version=VERSION).update(status=ReleaseStatus.SUPERSEDED)
    current = CriteriaRelease.objects.current()
    assert current is not None
    assert not Criterion.objects.filter(product_group__product_group_set=current).exists()
    assert CatalogueIndex.load() is None

    report = import_bytes(tmp_path, fixture_bytes(fixtures))

    assert report.run.created == 1
    assert not MVIProposal.objects.exists()


def _tender_of_group(fixtures: Path, tmp_path: Path, group: ProductGroup) -> Tender:
    """The notice imported first without naming any criterion, its tender then given `group`."""
    import_bytes(tmp_path, fixture_bytes(fixtures, names=False))
    assert not MVIProposal.objects.exists()
    tender = Tender.objects.get()
    tender.product_group = group
    tender.save(update_fields=["product_group"])
    return tender


def test_a_tender_of_another_product_group_gets_no_links(fixtures, tmp_path) -> None:
    ict = ProductGroup.objects.get(product_group_set__version=VERSION, code="ict-hardware-en-mobiele-apparaten")
    _tender_of_group(fixtures, tmp_path, ict)

    report = import_bytes(tmp_path, fixture_bytes(fixtures, version="02"))  # a new version names both criteria

    assert (report.run.updated + report.run.unchanged, report.run.failed) == (1, 0)
    assert SourceRecord.objects.filter(version="02").exists()  # applied to the tender
    assert not MVIProposal.objects.exists()


def test_a_tender_of_the_criterions_product_group_gets_them_from_a_new_version(fixtures, tmp_path) -> None:
    furniture = ProductGroup.objects.get(product_group_set__version=VERSION, code="kantoormeubilair")
    _tender_of_group(fixtures, tmp_path, furniture)

    import_bytes(tmp_path, fixture_bytes(fixtures, version="02"))

    found = proposals()
    assert {key: p.criterion.code for key, p in found.items() if p.criterion} == {
        "circulair/gunningscriterium": "KM-B-GC",
        "klimaat/gunningscriterium": "KM-A-GC",
    }
    assert {p.mapping_version for p in found.values()} == {VERSION}


def test_the_same_product_group_of_an_earlier_release_counts_as_the_same(fixtures, tmp_path) -> None:
    earlier = ProductGroupFactory(code="kantoormeubilair")  # in a release of 2024
    assert earlier.product_group_set.version != VERSION
    _tender_of_group(fixtures, tmp_path, earlier)

    import_bytes(tmp_path, fixture_bytes(fixtures, version="02"))

    assert MVIProposal.objects.filter(criterion__isnull=False).count() == 2


def test_importing_again_adds_no_proposals(fixtures, tmp_path) -> None:
    import_bytes(tmp_path, fixture_bytes(fixtures))
    before = sorted(MVIProposal.objects.values_list("pk", "criterion_id", "evidence"))

    again = import_bytes(tmp_path, fixture_bytes(fixtures))
    newer = import_bytes(tmp_path, fixture_bytes(fixtures, version="02"))  # the same content as a new version

    assert (again.run.unchanged, newer.run.updated + newer.run.unchanged) == (1, 1)
    assert sorted(MVIProposal.objects.values_list("pk", "criterion_id", "evidence")) == before
    assert len(before) == 2


def test_confirming_a_linked_proposal_registers_the_criterion(fixtures, tmp_path, make_member) -> None:
    import_bytes(tmp_path, fixture_bytes(fixtures))
    tender = Tender.objects.get()
    user = make_member(Role.INKOPER, tender.organisation)
    proposal = proposals()["klimaat/gunningscriterium"]

    application = proposal_confirm(user=user, proposal=proposal)

    application = MVIApplication.objects.select_related("criterion", "ambition_level").get(pk=application.pk)
    assert application.criterion is not None
    assert application.criterion.code == "KM-A-GC"
    assert application.ambition_level == application.criterion.ambition_level
    assert (application.theme.code, application.form.code, application.origin) == (
        "klimaat",
        "gunningscriterium",
        Origin.CATALOGUE,
    )


def test_a_correction_to_a_theme_the_criterion_lacks_leaves_the_criterion_out(fixtures, tmp_path, make_member) -> None:
    import_bytes(tmp_path, fixture_bytes(fixtures))
    tender = Tender.objects.get()
    user = make_member(Role.INKOPER, tender.organisation)
    proposal = proposals()["circulair/gunningscriterium"]  # KM-B-GC is circulair only
    sroi = Theme.objects.get(code="sroi")

    application = proposal_confirm(user=user, proposal=proposal, theme=sroi)

    assert application.criterion_id is None
    assert application.theme.code == "sroi"


def test_the_review_page_shows_the_criterion_beside_the_evidence(fixtures, tmp_path, make_member, logged_in) -> None:
    import_bytes(tmp_path, fixture_bytes(fixtures))
    tender = Tender.objects.get()
    client = logged_in(make_member(Role.INKOPER, tender.organisation))

    response = client.get(reverse("imports:review", args=[tender.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    text = re.sub(r"<[^>]+>", "", content)
    assert "KM-B-GC Garantie langer dan het minimum (Basis)" in text  # in Dutch, the default language
    assert "KM-A-GC Laagste CO2-voetafdruk over de levensduur (Ambitieus)" in text
    assert 'href="/monitoring/criteria/' in content  # linked to the criterion's page
    rows = [row for section in response.context["sections"] for row in section["rows"]]
    assert sorted(row["criterion"]["code"] for row in rows if row["criterion"]) == ["KM-A-GC", "KM-B-GC"]
    forms = {row["criterion"]["code"]: row["form"] for row in rows if row["criterion"]}
    assert forms["KM-A-GC"].initial["ambition_level"].code == "ambitieus"


# -- matching, on notices built by hand ---------------------------------------------------------------------------
def _linked(*texts: str) -> list[tuple[str, str]]:
    """(criterion code, rule) of what a lot whose award criteria say `texts` links to."""
    index = CatalogueIndex.load()
    assert index is not None
    notice = make_notice()
    notice.lots[0].award_criteria = [n.AwardCriterion("quality", text, path=f"[{i}]") for i, text in enumerate(texts)]
    codes = dict(Criterion.objects.values_list("pk", "code"))
    return sorted((codes[p.criterion_id], p.rule) for p in index.proposals(notice))


def test_codes_match_as_whole_words_in_any_case() -> None:
    assert _linked("Zie KM-S-GC.") == [("KM-S-GC", "catalogue-code")]
    assert _linked("zie (km-s-gc) en s2004") == [("ICT-B-GC", "catalogue-code"), ("KM-S-GC", "catalogue-code")]
    assert _linked("KM-S-GC2 en XKM-S-GC en KM-S-GC-bis") == []


def test_titles_match_normalised_and_as_whole_words() -> None:
    assert _linked("Dimmen, in de NACHT!") == [("OV-B-GC", "catalogue-title")]
    assert _linked("Dimming at night") == [("OV-B-GC", "catalogue-title")]  # the English title
    assert _linked("Dimmen in de nachtrust") == []  # not a whole word


def test_a_code_and_the_title_of_one_criterion_give_one_link_by_code() -> None:
    assert _linked("Dimmen in de nacht", "OV-B-GC") == [("OV-B-GC", "catalogue-code")]


def test_numbers_are_never_taken_for_ids() -> None:
    release = CriteriaRelease.objects.get(version=VERSION)
    Criterion.objects.filter(product_group__product_group_set=release, code="KM-B-GE").update(external_id="40")
    assert _linked("Prijs 40 procent") == []
