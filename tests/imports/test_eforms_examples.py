"""Every eForms example of the SDK and every OP conversion of a real TED notice, read field by field.

The expected values were read from the XML files themselves (shared/data/eforms/examples, shared/data/ted/
converted-eforms), not copied from the reader's output.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from mvimonitor.imports.eforms import read_eforms
from mvimonitor.imports.notices import Notice, NoticeFamily

pytestmark = pytest.mark.shared

# file -> expected notice-level facts
NOTICES = {
    "eforms/examples/cn_24_maximal.xml": {
        "notice_id": "14549263-b47b-4e59-96a1-2d0d13e19343",
        "procedure_id": "aff2863e-b4cc-4e91-baba-b3b85f709117",
        "version": "03",
        "family": NoticeFamily.COMPETITION,
        "notice_type": "cn-standard",
        "notice_subtype": "16",
        "language": "ENG",
        "procedure_type": "neg-w-call",
        "nature": "services",
        "buyer": ("Financial Adinistration for ...", "998298", "LUX", "LU000", "body-pl"),
        "estimated_value": Decimal("9999999.99"),
        "main_cpv": "79710000",
        "additional_cpvs": ["79720000"],
        "lots": ["LOT-0001", "LOT-0002"],
    },
    "eforms/examples/can_24_maximal.xml": {
        "notice_id": "15377ca1-6cf7-4060-90f0-9290128957a3",
        "procedure_id": "2d2d24a2-df84-449e-8695-fb66ef504a5a",
        "family": NoticeFamily.RESULT,
        "notice_type": "can-standard",
        "notice_subtype": "29",
        "procedure_type": "neg-w-call",
        "lots": ["LOT-0001", "LOT-0002"],
    },
    "eforms/examples/can_24_minimal.xml": {
        "notice_id": "65667997-031a-4198-bd25-7225449ef479",
        "procedure_id": "022d0ef9-6338-42d9-afa4-a87709128061",
        "family": NoticeFamily.RESULT,
        "notice_type": "can-standard",
        "notice_subtype": "29",
        "language": "FRA",
        "procedure_type": "open",
        "buyer": ("Rouen Habitat", "123 456 789", "FRA", None, None),
        "lots": ["LOT-0000"],
    },
    "eforms/examples/can_23_contracts.xml": {
        "notice_id": "f4308a76-5393-477c-ba91-f4c9fb8818a6",
        "family": NoticeFamily.RESULT,
        "notice_subtype": "32",
        "buyer": ("The Council of the City of Wakefield", "123 456 789", "GBR", None, None),
        "lots": ["LOT-0000"],
    },
    "eforms/examples/can-social_24.xml": {
        "notice_id": "eb13621b-cb76-46ee-b6c1-3d33ac707d94",
        "procedure_id": "23da790b-60bc-4897-8a6b-5b8eda654d89",
        "family": NoticeFamily.RESULT,
        "notice_type": "can-social",
        "notice_subtype": "33",
        "buyer": ("ZenithNova Innovations Ltd.", "ABE", "GRC", None, None),
        "lots": ["LOT-0001", "LOT-0002", "LOT-0003"],
    },
    "eforms/examples/cn-social_25.xml": {
        "notice_id": "cf9697c2-e280-4e78-beb1-e481f8c97468",
        "family": NoticeFamily.COMPETITION,
        "notice_type": "cn-social",
        "notice_subtype": "21",
        "procedure_type": "innovation",
        "nature": "supplies",
        "lots": ["LOT-0001"],
    },
    "eforms/examples/cn_24_minimal.xml": {
        "notice_id": "f42be27e-09cf-4f0e-a745-63ec689631e6",
        "family": NoticeFamily.COMPETITION,
        "procedure_type": "open",
        "buyer": ("Publications Office of the European Union", "EU-PO", "LUX", None, None),
        "lots": ["LOT-0000"],
    },
    "eforms/examples/cn_24_open.xml": {
        "notice_id": "c4c415ee-ac08-4465-8fa6-57568cf69462",
        "procedure_type": "open",
        "buyer": ("Renfrewshire Council", "not available", "GBR", None, None),
        "lots": ["LOT-0000"],
    },
    "eforms/examples/pin-cfc_25.xml": {
        "notice_id": "c48d000f-2598-47b3-856e-de93bf654518",
        "family": NoticeFamily.COMPETITION,  # a PIN used as call for competition (form type "competition")
        "notice_type": "pin-cfc-standard",
        "notice_subtype": "11",
        "language": "DEU",
        "procedure_type": "other",  # oth-mult
        "buyer": ("Flughafen Stuttgart GmbH", "123 456 789", "DEU", None, None),
        "lots": ["LOT-0001", "LOT-0002"],
    },
    "eforms/examples/subco_81.xml": {
        "notice_id": "b72f5134-7a9c-45d0-b275-fe8b65238c5c",
        "notice_type": "subco",
        "notice_subtype": "22",
        "buyer": ("Private Org main buyer", "TRED", "LUX", None, None),
        "lots": ["LOT-0001"],
    },
    "ted/converted-eforms/20-377805-001-EXP.xml": {
        "notice_type": "cn-standard",
        "language": "ENG",
        "ted_notice_id": "365590-2020",
        "procedure_type": "open",
        "buyer": ("Wageningen University and Research", "09215846", "NLD", None, None),
        "lots": ["LOT-0000"],
    },
    "ted/converted-eforms/21-064844-001-EXP.xml": {
        "family": NoticeFamily.COMPETITION,
        "language": "NLD",
        "ted_notice_id": "67028-2021",
        "buyer": ("Stichting Regionaal Inkoopbureau IJmond & Kennemerland", "262273306", "NLD", None, None),
        "lots": ["LOT-0000"],
    },
    "ted/converted-eforms/21-000061-001-EXP.xml": {
        "family": NoticeFamily.RESULT,
        "notice_type": "can-standard",
        "ted_notice_id": "3543-2021",
        "buyer": ("Highways England", "", "GBR", None, None),
        "lots": ["LOT-0001", "LOT-0002"],
    },
}


def read(shared_data: Path, name: str) -> Notice:
    path = shared_data / name
    return read_eforms(path.read_bytes(), file=str(path))


def lot_codes(notice: Notice, lot_id: str) -> set[tuple[str, str]]:
    lot = next(lot for lot in notice.lots if lot.lot_id == lot_id)
    return {(code.field, code.value) for code in lot.codes}


@pytest.mark.parametrize("name", sorted(NOTICES))
def test_notice_fields(shared_data: Path, name: str) -> None:
    notice = read(shared_data, name)
    expected = dict(NOTICES[name])
    buyer = expected.pop("buyer", None)
    lots = expected.pop("lots")
    for field, value in expected.items():
        assert getattr(notice, field) == value, field
    assert [lot.lot_id for lot in notice.lots] == lots
    assert notice.warnings == []
    if buyer is not None:
        assert notice.buyer is not None
        name_, national_id, country, nuts, legal_type = buyer
        assert (notice.buyer.name, notice.buyer.national_id, notice.buyer.country) == (name_, national_id, country)
        if nuts is not None:
            assert notice.buyer.nuts == nuts
        if legal_type is not None:
            assert notice.buyer.legal_type == legal_type


def test_cn_maximal_lot_level_mvi_fields(shared_data: Path) -> None:
    notice = read(shared_data, "eforms/examples/cn_24_maximal.xml")
    assert lot_codes(notice, "LOT-0001") >= {
        ("BT-774", "clim-mitig"),
        ("BT-775", "acc-all"),
        ("BT-776", "proc-innov"),
        ("BT-06", "env-imp"),
        ("BT-754", "n-inc-just"),
        ("BT-726", "true"),
        ("BT-71", "res-pub-ser"),
        ("BT-736", "yes"),
        ("BT-810", "true"),
        ("BT-811(a)", "eco-des"),
        ("BT-811(b)", "computer"),
        ("BT-811(a)", "enrg-lab"),
        ("BT-811(b)", "lo-spa-hea"),
        ("BT-809", "slc-suit-reg-prof"),
    }
    assert ("BT-71", "none") in lot_codes(notice, "LOT-0002")
    lot = notice.lots[0]
    assert [(c.criterion_type, c.weight, c.weight_kind) for c in lot.award_criteria] == [
        ("cost", Decimal(60), "per-exa"),
        ("quality", Decimal(40), "per-exa"),
    ]
    assert lot.award_criteria[0].name == "Name of AC ---"
    assert lot.award_criteria[0].description == "AC Description ---"
    texts = {(t.field, t.text) for t in lot.texts}
    assert ("BT-777", "Strategic procurement description ---") in texts
    assert ("BT-70", "Terms Performance ---") in texts
    assert lot.estimated_value == Decimal("9999999.99")
    assert lot.main_cpv == "75121000"
    # the lot group GLO-0001 is not a lot
    assert "GLO-0001" not in {lot.lot_id for lot in notice.lots}


def test_can_maximal_results_cvd_and_eed(shared_data: Path) -> None:
    notice = read(shared_data, "eforms/examples/can_24_maximal.xml")
    lot = notice.lots[0]
    assert lot.vehicle_counts == {"vehicles": 45, "vehicles-zero-emission": 2, "vehicles-clean": 10}
    assert {("BT-717", "true"), ("BT-735", "oth-serv-contr"), ("BT-723", "n2-n3"), ("BT-812", "ENERA3")} <= lot_codes(
        notice, "LOT-0001"
    )
    assert lot.energy_metrics == {"nrg-con-yr": Decimal(123), "nrg-sav-yr": Decimal(45)}
    first, second = notice.results
    assert (first.lot_id, first.awarded, first.tenders_received, first.sme_tenders_received) == (
        "LOT-0001",
        True,
        9,
        1,
    )
    # a framework: the result's value is its maximum (BT-709), not the sum of the winning tenders
    assert (first.value, first.currency) == (Decimal("9999999.99"), "EUR")
    assert first.contract_number == "REF RST-678"
    assert str(first.conclusion_date) == "2023-03-24"
    # winners: TEN-0001 -> TPA-0001 (ORG-0008, ORG-0009), TEN-0002 -> TPA-0002 (ORG-0011)
    assert len(first.winners) == 3
    assert (second.lot_id, second.awarded, second.winners, second.tenders_received) == ("LOT-0002", False, [], 1)


def test_results_of_minimal_and_contracts_notices(shared_data: Path) -> None:
    minimal = read(shared_data, "eforms/examples/can_24_minimal.xml")
    (result,) = minimal.results
    assert (result.lot_id, result.value, result.currency, result.tenders_received, result.sme_tenders_received) == (
        "LOT-0000",
        Decimal(95414),
        "EUR",
        3,
        1,
    )
    assert [w.size for w in result.winners] == ["micro"]  # ORG-0004 BT-165
    assert result.contract_number == "SCN DEF:2020-12"
    assert str(result.conclusion_date) == "2019-09-03"

    contracts = read(shared_data, "eforms/examples/can_23_contracts.xml")
    (result,) = contracts.results
    assert (result.value, result.currency, result.tenders_received, result.sme_tenders_received) == (
        Decimal(3000000),
        "GBP",
        5,
        4,
    )
    assert [w.size for w in result.winners] == ["medium", "medium"]


def test_social_award_notice_without_winner(shared_data: Path) -> None:
    notice = read(shared_data, "eforms/examples/can-social_24.xml")
    results = {r.lot_id: r for r in notice.results}
    assert results["LOT-0001"].awarded is False
    assert results["LOT-0001"].winners == []
    assert results["LOT-0001"].tenders_received == 3
    assert results["LOT-0002"].awarded is True
    assert results["LOT-0002"].value == Decimal(100000)
    assert [w.size for w in results["LOT-0002"].winners] == ["large"]
    assert results["LOT-0003"].awarded is False  # open-nw


def test_social_and_subcontracting_notices_codes(shared_data: Path) -> None:
    social = read(shared_data, "eforms/examples/cn-social_25.xml")
    assert lot_codes(social, "LOT-0001") >= {
        ("BT-774", "biodiv-eco"),
        ("BT-774", "other"),
        ("BT-775", "opp"),
        ("BT-775", "acc-all"),
        ("BT-776", "rd-act"),
        ("BT-71", "none"),
        ("BT-736", "yes"),
    }
    subco = read(shared_data, "eforms/examples/subco_81.xml")
    assert lot_codes(subco, "LOT-0001") >= {("BT-774", "circ-econ"), ("BT-775", "acc-all"), ("BT-736", "yes")}
    assert [(c.criterion_type, c.weight) for c in subco.lots[0].award_criteria] == [("cost", Decimal(100))]


def test_open_notice_award_criteria(shared_data: Path) -> None:
    notice = read(shared_data, "eforms/examples/cn_24_open.xml")
    weights = [(c.criterion_type, c.weight) for c in notice.lots[0].award_criteria]
    assert weights == [
        ("quality", Decimal(15)),
        ("quality", Decimal(5)),
        ("quality", Decimal(3)),
        ("quality", Decimal(2)),
        ("price", Decimal(75)),
    ]


def test_converted_real_notice_award_criteria_and_results(shared_data: Path) -> None:
    notice = read(shared_data, "ted/converted-eforms/21-000061-001-EXP.xml")
    criteria = notice.lots[0].award_criteria
    assert [c.weight for c in criteria] == [
        Decimal(x) for x in ("10.08", "10.08", "9.94", "9.94", "9.94", "10.01", "10.01", "30")
    ]
    # the converter puts the old AC_CRITERION text in BT-540 (description) and leaves BT-734 (name) empty
    assert (criteria[0].name, criteria[0].description) == ("", "Health, safety and wellbeing (HS&W)")
    results = {r.lot_id: r for r in notice.results}
    assert results["LOT-0001"].tenders_received == 7
    assert results["LOT-0002"].tenders_received == 8
    assert "Amey OW Ltd" in {w.name for w in results["LOT-0001"].winners}
