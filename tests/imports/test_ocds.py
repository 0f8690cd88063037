"""OCDS reader: the OCP sample packages, the standard's examples, and the project's sustainability fixture."""

import io
import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from mvimonitor.imports.notices import NoticeFamily
from mvimonitor.imports.ocds import iter_ocds


def read(path: Path) -> list:  # type: ignore[type-arg]
    with path.open("rb") as stream:
        return list(iter_ocds(stream, file=str(path)))


@pytest.mark.shared
def test_release_package(shared_data: Path) -> None:
    raws = read(shared_data / "ocds/sample/ocds-213czf-000-00001-release-package.json")
    assert [r.locator for r in raws] == [f"releases[{i}]" for i in range(6)]
    notices = [r.notice for r in raws]
    assert [n.notice_id for n in notices] == [
        "ocds-213czf-000-00001-01-planning",
        "ocds-213czf-000-00001-02-tender",
        "ocds-213czf-000-00001-03-tenderAmendment",
        "ocds-213czf-000-00001-04-award",
        "ocds-213czf-000-00001-05-contract",
        "ocds-213czf-000-00001-06-implementation",
    ]
    assert [n.family for n in notices] == [
        NoticeFamily.PLANNING,
        NoticeFamily.COMPETITION,
        NoticeFamily.CHANGE,
        NoticeFamily.RESULT,
        NoticeFamily.RESULT,
        NoticeFamily.RESULT,
    ]
    tender = notices[1]
    assert (tender.ocid, tender.procedure_id, tender.version) == (
        "ocds-213czf-000-00001",
        "ocds-213czf-000-00001",
        "2010-03-15T09:30:00Z",
    )
    assert (tender.nature, tender.estimated_value, tender.currency) == ("works", Decimal(1100000), "GBP")
    assert tender.main_cpv == "45233130"  # "45233130.0" in the file
    assert tender.additional_cpvs == ["45233162"]  # "45233162-2": check digit stripped
    assert tender.buyer is not None
    assert (tender.buyer.name, tender.buyer.national_id) == ("London Borough of Barnet", "E09000003")
    award = notices[3]
    (result,) = award.results
    assert ([w.name for w in result.winners], result.value, result.awarded) == (
        ["AnyCorp Cycle Provision"],
        Decimal(11000000),
        True,
    )
    assert notices[4].results[0].contract_number == "ocds-213czf-000-00001-contract-01"
    # raw is the release itself, re-serialised
    assert json.loads(raws[0].raw)["id"] == "ocds-213czf-000-00001-01-planning"


@pytest.mark.shared
def test_record_package_uses_the_compiled_release(shared_data: Path) -> None:
    (raw,) = read(shared_data / "ocds/sample/ocds-213czf-000-00001-record-package.json")
    assert raw.locator == "records[0].compiledRelease"
    assert raw.notice is not None
    assert raw.notice.family == NoticeFamily.RESULT
    assert raw.notice.ocid == "ocds-213czf-000-00001"


@pytest.mark.shared
@pytest.mark.parametrize("name", ["tender.json", "award.json", "contract.json"])
def test_standard_examples(shared_data: Path, name: str) -> None:
    raws = read(shared_data / "ocds/standard-1.1.5/examples" / name)
    assert len(raws) == 1
    assert raws[0].error is None
    assert raws[0].notice is not None
    assert raws[0].notice.ocid == "ocds-213czf-000-00001"


def test_sustainability_and_profile_fields(fixtures: Path) -> None:
    tender, award, broken = read(fixtures / "ocds_sustainability.json")
    notice = tender.notice
    assert notice is not None
    assert notice.buyer is not None
    assert (notice.buyer.kvk_number, notice.buyer.nuts, notice.buyer.legal_type) == ("12345678", "NL329", "la")
    lot1, lot2 = notice.lots
    assert {(c.list_name, c.value) for c in lot1.codes} == {
        ("ocds-sustainability-goal", "environmental.climateChangeMitigation"),
        ("ocds-sustainability-goal", "social.disadvantagedEmploymentOpportunities"),
        ("ocds-sustainability-goal", "social"),
        ("ocds-sustainability-strategy", "awardCriteria"),
        ("ocds-sustainability-strategy", "contractPerformanceConditions"),
        ("ocds-sustainability-strategy", "selectionCriteria"),
        ("ocds-sustainability-strategy", "technicalSpecifications"),
        ("reserved-procurement", "res-ws"),
        ("reserved-execution", "yes"),
        ("accessibility", "inc"),
        ("indicator", "true"),
    }
    assert [(c.criterion_type, c.weight) for c in lot1.award_criteria] == [
        ("price", Decimal(60)),
        ("quality", Decimal("40.0")),
    ]
    assert {(c.list_name, c.value) for c in lot2.codes} >= {
        ("cvd-scope", "true"),
        ("cvd-contract-type", "veh-acq"),
        ("accessibility", "n-inc"),
        ("indicator", "false"),
    }
    assert lot2.main_cpv == "34110000"
    assert lot2.additional_cpvs == ["34144900"]
    (result,) = award.notice.results
    assert (result.tenders_received, result.sme_tenders_received, result.winners[0].size) == (4, 3, "sme")
    assert broken.notice is None
    assert (broken.error.field, broken.error.notice) == ("ocid", "300002-tender")


def test_malformed_json_after_good_releases_keeps_them() -> None:
    good = {"ocid": "ocds-abcdef-1", "id": "1", "date": "2024-01-01", "tag": ["tender"], "tender": {"title": "A"}}
    data = ('{"releases": [' + json.dumps(good) + ', {"ocid": "ocds-abcdef-2", "id": ').encode()
    raws = list(iter_ocds(io.BytesIO(data), file="cut.json"))
    assert raws[0].notice is not None
    assert raws[-1].error is not None
    assert "malformed JSON" in raws[-1].error.message
    assert raws[-1].error.file == "cut.json"


def test_json_that_is_not_a_package() -> None:
    (raw,) = iter_ocds(io.BytesIO(b'{"data": [1, 2, 3]}'), file="other.json")
    assert raw.error is not None
    assert raw.error.field == "releases"


def test_a_large_package_is_streamed(tmp_path: Path) -> None:
    """20,000 releases (~8 MB): memory held while reading stays far below the file size."""
    path = tmp_path / "big.json"
    release = {
        "ocid": "ocds-abcdef-{i}",
        "id": "{i}",
        "date": "2024-01-01",
        "tag": ["tender"],
        "tender": {"title": "x" * 300, "value": {"amount": 1000, "currency": "EUR"}},
    }
    template = json.dumps(release)
    with path.open("w") as out:
        out.write('{"publisher": {"name": "t"}, "releases": [')
        out.write(",".join(template.replace("{i}", str(i)) for i in range(20000)))
        out.write("]}")
    size = path.stat().st_size
    tracemalloc.start()
    count = 0
    with path.open("rb") as stream:
        for raw in iter_ocds(stream, file=str(path)):
            assert raw.notice is not None
            count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20000
    assert peak < size / 4, (peak, size)


def test_tender_level_signals_apply_to_every_lot_unless_the_lot_says_otherwise(fixtures: Path) -> None:
    (raw,) = read(fixtures / "ocds_tender_level.json")
    assert raw.notice is not None
    plain, own, without = raw.notice.lots

    def codes(lot: object) -> set[tuple[str, str, str]]:
        return {(c.list_name, c.value, c.path) for c in lot.codes}  # type: ignore[attr-defined]

    # a lot that says nothing takes the tender's reserved participation, reserved execution and sustainability
    assert codes(plain) == {
        ("reserved-procurement", "res-ws", "tender.otherRequirements.reservedParticipation[0]"),
        ("reserved-execution", "yes", "tender.contractTerms.reservedExecution"),
        (
            "ocds-sustainability-goal",
            "environmental.biodiversityProtectionRestoration",
            "tender.sustainability[0].goal",
        ),
        ("ocds-sustainability-strategy", "technicalSpecifications", "tender.sustainability[0].strategies[0]"),
    }
    # a lot's own values win, also when they say "none" (an empty list, false)
    assert codes(own) == {
        ("ocds-sustainability-goal", "environmental.circularEconomy", "tender.lots[1].sustainability[0].goal"),
        ("ocds-sustainability-strategy", "awardCriteria", "tender.lots[1].sustainability[0].strategies[0]"),
    }
    # hasSustainability false: the tender's sustainability does not apply; the tender's reserved execution does
    assert codes(without) == {
        ("reserved-procurement", "res-pub-ser", "tender.lots[2].otherRequirements.reservedParticipation[0]"),
        ("reserved-execution", "yes", "tender.contractTerms.reservedExecution"),
    }
