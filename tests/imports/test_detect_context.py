"""Text detection by language and context: the false themes testers saw on real notices, each as a case."""

from typing import Any

import pytest

from mvimonitor.imports.detect import detect
from mvimonitor.imports.detect_text import guess_language, language_code, match_text, themes_in
from mvimonitor.imports.notices import AwardCriterion, Confidence, Lot, Notice, NoticeFamily, SourceFormat, Text


def notice_with(*lots: Lot, **extra: Any) -> Notice:
    return Notice(SourceFormat.EFORMS, "n-1", "01", "p-1", NoticeFamily.COMPETITION, lots=list(lots), **extra)


def text_themes(notice: Notice) -> set[tuple[str, str]]:
    return {(p.lot_id, p.theme) for p in detect(notice)[0]}


# -- language ---------------------------------------------------------------------------------------------------
def test_a_french_nature_is_not_milieu() -> None:
    lot = Lot(
        "LOT-0001", texts=[Text("BT-750", "/s", "Le candidat décrit la nature ou la gravité des incidents.", "FRA")]
    )
    assert text_themes(notice_with(lot, language="FRA")) == set()


def test_the_text_language_decides_over_the_notice_language() -> None:
    english = Text("BT-70", "/c", "Cleaning products carry an ecolabel and nature-inclusive planting is used.", "ENG")
    french = Text("BT-70", "/c", "Préserver la nature du site.", "FRA")
    assert text_themes(notice_with(Lot("1", texts=[english, french]), language="FRA")) == {("1", "milieu")}
    assert text_themes(notice_with(Lot("1", texts=[french]), language="ENG")) == set()


def test_the_notice_languages_apply_to_award_criteria() -> None:
    lot = Lot("1", award_criteria=[AwardCriterion("quality", "Nature", "la nature de la méthodologie proposée")])
    assert text_themes(notice_with(lot, language="FRA")) == set()
    assert text_themes(notice_with(lot, language="ENG")) == {("1", "milieu")}


def test_without_a_language_the_notice_texts_are_guessed() -> None:
    french = "Le titulaire décrit la nature des prestations et les moyens mis en œuvre pour la réalisation du marché."
    assert text_themes(notice_with(Lot("1", texts=[Text("description", "/d", french)]))) == set()
    english = "The contractor must reduce the environmental impact of the works and use recycled materials."
    assert text_themes(notice_with(Lot("1", texts=[Text("description", "/d", english)]))) == {
        ("1", "milieu"),
        ("1", "circulair"),
    }


@pytest.mark.parametrize(
    ("published", "code"),
    [("NLD", "nld"), ("nl", "nld"), ("FR", "fra"), ("en-GB", "eng"), ("ger", "deu"), ("", ""), ("x1", "")],
)
def test_language_codes(published: str, code: str) -> None:
    assert language_code(published) == code


def test_language_guess_needs_enough_function_words() -> None:
    assert guess_language("De opdrachtnemer levert de producten aan het stadhuis van de gemeente.") == "nld"
    assert guess_language("Die Leistungen werden für die Stadt und den Kreis erbracht, nicht für Dritte.") == "deu"
    assert guess_language("ISO 14001") == ""


# -- context ----------------------------------------------------------------------------------------------------
def test_repair_in_a_repair_works_title_is_not_circular() -> None:
    lot = Lot(
        "LOT-0001", title="Reparatie kademuur", description="Reparatie van 300 meter kademuur.", main_cpv="45241000"
    )
    lot.texts = [Text("BT-24", "/d", lot.description, "NLD")]
    notice = notice_with(lot, language="NLD", title="Reparatie van kademuren Oude Haven", main_cpv="45241000")
    assert text_themes(notice) == set()


def test_repair_required_of_a_repair_contract_is_not_circular_but_repairable_products_are() -> None:
    condition = Text("BT-70", "/c", "Reparaties worden binnen 24 uur uitgevoerd.", "NLD")
    repair_works = Lot("1", main_cpv="50700000", texts=[condition])
    assert text_themes(notice_with(repair_works, language="NLD")) == set()
    furniture = Lot("1", main_cpv="39130000", texts=[condition])
    assert text_themes(notice_with(furniture, language="NLD")) == {("1", "circulair")}
    criterion = AwardCriterion("quality", "Levensduur", "Het meubilair is repareerbaar.")
    assert text_themes(notice_with(Lot("1", main_cpv="50700000", award_criteria=[criterion]), language="NLD")) == {
        ("1", "circulair")
    }


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Vervoer van leerlingen en van mensen met een arbeidsbeperking naar de dagbesteding.", "NLD"),
        ("Door-to-door transport for blind and deaf passengers.", "ENG"),
        ("Fahrdienst für Menschen mit Behinderung.", "DEU"),
        ("De voertuigen zijn rolstoeltoegankelijk.", "NLD"),
        ("Coaching of long-term unemployed jobseekers and refugees.", "ENG"),
    ],
)
def test_beneficiaries_of_the_service_are_no_social_theme(text: str, language: str) -> None:
    lot = Lot("1", texts=[Text("BT-70", "/c", text, language), Text("BT-24", "/d", text, language)])
    assert text_themes(notice_with(lot, language=language, title=text)) == set()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("De opdrachtnemer neemt twee mensen met een arbeidsbeperking in dienst.", "NLD"),
        ("The contractor shall employ at least two long-term unemployed jobseekers.", "ENG"),
        ("Der Auftragnehmer beschäftigt mindestens einen schwerbehinderten Menschen.", "DEU"),
    ],
)
def test_an_obligation_to_employ_the_group_is_social_return(text: str, language: str) -> None:
    assert text_themes(notice_with(Lot("1", texts=[Text("BT-70", "/c", text, language)]), language=language)) == {
        ("1", "sroi")
    }


@pytest.mark.parametrize("field", ["BT-734", "BT-540"])
def test_the_text_of_an_award_criterion_without_a_type_is_read_as_an_award_criterion(field: str) -> None:
    text = "Prijs is niet het enige criterium; ook de CO2-reductie van het transport telt."
    lot = Lot("1", texts=[Text(field, "/c", text, "NLD")])

    (proposal,) = detect(notice_with(lot, language="NLD"))[0]

    assert (proposal.theme, proposal.form) == ("klimaat", "gunningscriterium")


@pytest.mark.parametrize("field", ["BT-67", "BT-67(b)", "exclusionGrounds", "LEFTI/SUITABILITY", "an-unknown-field"])
def test_exclusion_grounds_and_unknown_fields_never_propose(field: str) -> None:
    text = "No breach of environmental, social and labour law; ISO 14001; social return; child labour."
    lot = Lot("1", texts=[Text(field, "/x", text, "ENG")])
    assert detect(notice_with(lot, language="ENG")) == ([], [])


def test_an_exclusion_grounds_sentence_in_a_selection_text_is_not_read() -> None:
    text = (
        "Uitsluitingsgronden: artikel 2.86 Aanbestedingswet (schending van milieu- en arbeidsrecht). "
        "De inschrijver beschikt over een ISO 14001-certificaat."
    )
    lot = Lot("1", texts=[Text("BT-750", "/s", text, "NLD")])
    assert text_themes(notice_with(lot, language="NLD")) == {("1", "milieu")}
    assert themes_in(text.split(". ")[0] + ".", ["nld"], "selection") == set()


@pytest.mark.parametrize("placeholder", ["", "1", "Perceel 2", "Lot 3", "Zie bestek.", "LOT-0002", "—"])
def test_a_lot_without_its_own_description_reads_the_notice_description(placeholder: str) -> None:
    lot = Lot("LOT-0002", title="Schoenen", description=placeholder)
    if placeholder:
        lot.texts = [Text("BT-24", "/d", placeholder, "NLD")]
    description = "De kleding is gemaakt van minimaal 30% gerecycled materiaal."
    assert text_themes(notice_with(lot, language="NLD", description=description)) == {("LOT-0002", "circulair")}


def test_a_lot_with_its_own_description_does_not_take_the_notice_description() -> None:
    own = "Levering van werkschoenen in alle maten."
    lot = Lot("LOT-0002", description=own, texts=[Text("BT-24", "/d", own, "NLD")])
    description = "Perceel 1 wordt gemaakt van gerecycled materiaal."
    assert text_themes(notice_with(lot, language="NLD", description=description)) == set()


def test_the_lot_title_is_read_for_strong_terms_only() -> None:
    assert text_themes(notice_with(Lot("1", title="Levering van elektrische bussen"), language="NLD")) == {
        ("1", "klimaat")
    }
    assert text_themes(notice_with(Lot("1", title="Afvalinzameling en duurzaam onderhoud"), language="NLD")) == set()


def test_generic_words_in_a_description_need_a_requirement() -> None:
    topics = "Consultancy on (g) enforcement policy; (h) environmental; (i) geotechnics."
    assert themes_in(topics, ["eng"], "description") == set()
    assert themes_in("The supplier must minimise the environmental impact.", ["eng"], "description") == {"milieu"}
    assert themes_in(topics, ["eng"], "award") == {"milieu"}


# -- confidence -------------------------------------------------------------------------------------------------
def test_confidence_is_calibrated_and_says_its_measure() -> None:
    criterion = AwardCriterion("quality", "CO2-reductie", "Plan om de CO2-uitstoot te beperken.", path="/c")
    lot = Lot("1", award_criteria=[criterion], texts=[Text("BT-24", "/d", "Levering van elektrische bussen.", "NLD")])
    proposals = {p.form: p for p in detect(notice_with(lot, language="NLD"))[0]}
    award, description = proposals["gunningscriterium"], proposals[""]
    assert award.confidence == Confidence.MEDIUM
    assert "strong term in an award criterion: 100% right in" in award.evidence
    assert "labelled matches" in award.evidence
    assert description.confidence == Confidence.LOW


def test_match_reports_the_term_class() -> None:
    (weak,) = match_text("Duurzaamheid van de producten.", ["nld"], "award")
    (strong,) = match_text("ISO 14001-certificaat.", ["nld"], "selection")
    assert (weak.target, weak.term_class, strong.term_class) == ("milieu", "weak", "strong")


def test_every_exclusion_cue_holds_a_stem_of_the_quick_look() -> None:
    from mvimonitor.imports.detect_text import _EXCLUSION_STEMS, terms

    for cue in terms()["cues"]["exclusion"]:
        assert any(stem in cue.lower() for stem in _EXCLUSION_STEMS), cue
