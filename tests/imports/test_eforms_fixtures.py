"""The project's own eForms fixtures: BT-805, every BT-774/BT-775 code, a change notice, withheld fields, bad input."""

from decimal import Decimal
from pathlib import Path

import pytest

from mvimonitor.imports.codes import known_codes
from mvimonitor.imports.eforms import read_eforms
from mvimonitor.imports.notices import NoticeFamily, ReadError


def read(path: Path):  # type: ignore[no-untyped-def]
    return read_eforms(path.read_bytes(), file=str(path))


def test_bt805_notice(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_bt805.xml")
    assert (notice.notice_id, notice.version, notice.language) == ("7a0c3f5e-1111-4c2b-9d3e-000000000805", "02", "NLD")
    assert (notice.ted_notice_id, str(notice.publication_date)) == ("654321-2024", "2024-05-03")
    assert notice.title == "Herinrichting Stationsweg"  # NLD preferred over ENG
    assert notice.buyer is not None
    assert (notice.buyer.kvk_number, notice.buyer.nuts, notice.buyer.legal_type) == ("12345678", "NL329", "la")
    lot1, lot2 = notice.lots
    assert {(c.field, c.list_name, c.value) for c in lot1.codes} == {
        ("BT-805", "gpp-criteria", "national"),
        ("BT-06", "strategic-procurement", "env-imp"),
        ("BT-726", "indicator", "true"),
        ("BT-71", "reserved-procurement", "none"),
        ("BT-736", "reserved-execution", "no"),
    }
    bt805 = next(c for c in lot1.codes if c.field == "BT-805")
    assert bt805.path.endswith("cbc:ProcurementTypeCode[@listName='gpp-criteria']")
    assert "cbc:ID='LOT-0001'" in bt805.path
    assert [t.text for t in lot1.texts if t.field == "BT-777"] == [
        "Toepassing van de MVI-criteria voor grond-, weg- en waterbouw, ambitieniveau significant."
    ]
    assert {(c.field, c.value) for c in lot2.codes} == {
        ("BT-805", "none"),
        ("BT-06", "none"),
        ("BT-754", "inc"),
        ("BT-726", "false"),
    }
    # points 60/20/20 normalised to percentages
    assert [c.weight for c in lot2.award_criteria] == [Decimal("60.00"), Decimal("20.00"), Decimal("20.00")]
    assert [c.weight_kind for c in lot2.award_criteria] == ["poi-exa"] * 3
    assert notice.withheld == ["awa-cri-num"]
    assert notice.warnings == []


def test_every_environmental_and_social_code(fixtures: Path) -> None:
    notice = read(fixtures / "eforms_all_codes.xml")
    (lot,) = notice.lots
    environmental = {c.value for c in lot.codes if c.field == "BT-774"}
    social = {c.value for c in lot.codes if c.field == "BT-775"}
    assert environmental == known_codes("environmental-impact")
    assert social == known_codes("social-objective")
    assert len(environmental) == 7
    assert len(social) == 7


def test_change_notice(fixtures: Path) -> None:
    data = (fixtures / "eforms_bt805.xml").read_bytes()
    changes = (
        b"<efac:Changes><efbc:ChangedNoticeIdentifier>7a0c3f5e-1111-4c2b-9d3e-000000000805-02</efbc:ChangedNoticeIdentifier>"
        b"<efac:ChangeReason>"
        b'<cbc:ReasonCode listName="change-corrig-justification">cor-buy</cbc:ReasonCode>'
        b"</efac:ChangeReason>"
        b"</efac:Changes>"
    )
    data = data.replace(b"<efac:NoticeSubType>", changes + b"<efac:NoticeSubType>", 1).replace(
        b"<cbc:VersionID>02</cbc:VersionID>", b"<cbc:VersionID>03</cbc:VersionID>"
    )
    notice = read_eforms(data, file="change.xml")
    assert notice.family == NoticeFamily.CHANGE
    assert notice.changes_notice_id == "7a0c3f5e-1111-4c2b-9d3e-000000000805-02"
    assert notice.version == "03"


@pytest.mark.parametrize(
    ("name", "field", "words"),
    [
        ("unknown_notice_type.xml", "BT-02-notice", "unknown notice type"),
        ("missing_procedure_id.xml", "BT-04-notice", "procedure identifier is missing"),
        ("wrong_root.xml", "root", "is not an eForms notice"),
        ("malformed.xml", "", "malformed XML"),
        ("empty.xml", "", "empty"),
        ("billion_laughs.xml", "", "DOCTYPE"),
    ],
)
def test_bad_inputs_raise_read_errors(fixtures: Path, name: str, field: str, words: str) -> None:
    path = fixtures / "bad" / name
    with pytest.raises(ReadError) as error:
        read_eforms(path.read_bytes(), file=str(path))
    assert error.value.file == str(path)
    assert error.value.field == field
    assert words in error.value.message
    if field.startswith("BT-"):
        assert error.value.notice == "7a0c3f5e-1111-4c2b-9d3e-000000000805"


def test_unknown_code_is_a_warning_not_an_error(fixtures: Path) -> None:
    notice = read(fixtures / "bad" / "unknown_code.xml")
    assert notice.warnings == [
        "field BT-805: unknown code 'galactic' in codelist gpp-criteria (kept, no theme proposed)"
    ]
    assert ("BT-805", "galactic") in {(c.field, c.value) for c in notice.lots[0].codes}


def test_missing_notice_id(fixtures: Path) -> None:
    data = (fixtures / "eforms_bt805.xml").read_bytes().replace(b'schemeName="notice-id"', b'schemeName="other"')
    with pytest.raises(ReadError) as error:
        read_eforms(data, file="x.xml")
    assert error.value.field == "BT-701-notice"


def test_external_entity_is_refused_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
        '<ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2">&s;</ContractNotice>'
    ).encode()
    with pytest.raises(ReadError) as error:
        read_eforms(data, file="xxe.xml")
    assert "top secret" not in str(error.value)
    assert "DOCTYPE" in error.value.message


def test_doctype_after_a_long_comment_is_still_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!--' + b"x" * 10000 + b'--><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b'<ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2">&a;</ContractNotice>'
    )
    with pytest.raises(ReadError) as error:
        read_eforms(data, file="late-doctype.xml")
    assert "DOCTYPE" in error.value.message
