"""Precision and recall of the text proposals, per split and per theme, on the labelled sets. No database needed.

    .venv/bin/python scripts/detection_quality.py [--split NAME] [--misses] [--calibrate]

Two labelled sets:

- texts (`tests/fixtures/imports/labelled_texts.json`): single award-criterion, condition, selection and description
  texts with the themes a reviewer gives; matched with `detect_text.match_text` in the text's language and context.
- notices (`tests/fixtures/imports/labelled_notices.json`, the real notices of ../shared/data, and
  `labelled_notices_written.json`, written for the project): per notice and lot the themes a careful reviewer
  assigns and whether a code or only a text shows each. Each notice is read and detected whole (`detect.detect`).

Counts per theme. A text proposal for a lot and theme the reviewer assigns is a true positive, one the reviewer does
not assign a false positive; a theme the reviewer found in a text ('text') that no text proposal gives is a false
negative (themes shown only by codes are left out of the text recall). "overall" is micro-averaged over the themes.
Splits of the texts: dev, holdout, blind, blind2 (see the file); of the notices: real, dev, fresh ('fresh' was
written before the rules were tuned and never used to tune them, nor to calibrate).

`--calibrate` writes into the term list the precision of each context group and term class, measured on every
split except 'fresh' (each accepted match of a labelled text counts once).
"""

import argparse
import json
import os
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mvimonitor.imports.detect import MAPPING_VERSION, detect  # noqa: E402
from mvimonitor.imports.detect_text import TERMS_FILE, context_group, match_text  # noqa: E402
from mvimonitor.imports.notices import (  # noqa: E402
    AwardCriterion,
    Lot,
    Notice,
    NoticeFamily,
    ProposalOrigin,
    SourceFormat,
    Text,
)

FIXTURES = ROOT / "tests" / "fixtures" / "imports"
SHARED_DATA = Path(os.environ.get("MVIM_SHARED_DATA", ROOT.parent / "shared" / "data"))
THEMES = ["milieu", "klimaat", "circulair", "keten", "d_i", "sroi"]
TEXT_CONTEXTS = {"award": "award", "condition": "condition", "selection": "selection", "description": "description"}
TEXT_LANGUAGES = {"nl": "nld", "en": "eng", "de": "deu"}
NOT_CALIBRATED = {"fresh"}
Counts = dict[str, dict[str, int]]


def _empty() -> Counts:
    return {theme: {"tp": 0, "fp": 0, "fn": 0} for theme in THEMES}


def _count(counts: Counts, expected: Iterable[str], found: Iterable[str], recall_of: Iterable[str]) -> None:
    expected, found, recall_of = set(expected), set(found), set(recall_of)
    for theme in THEMES:
        if theme in found:
            counts[theme]["tp" if theme in expected else "fp"] += 1
        elif theme in recall_of:
            counts[theme]["fn"] += 1


def summary(counts: Counts) -> dict[str, dict[str, float]]:
    total = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn")}
    result = {}
    for name, c in [*counts.items(), ("overall", total)]:
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        result[name] = {"precision": precision, "recall": recall, **{k: float(v) for k, v in c.items()}}
    return result


# -- texts ------------------------------------------------------------------------------------------------------
def load_texts() -> list[dict[str, Any]]:
    texts: list[dict[str, Any]] = json.loads((FIXTURES / "labelled_texts.json").read_text(encoding="utf-8"))["texts"]
    return texts


def text_matches(item: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(theme, context, term class) of every accepted theme match of a labelled text."""
    context = TEXT_CONTEXTS[item["kind"]]
    language = TEXT_LANGUAGES.get(item["lang"], item["lang"])
    found = match_text(item["text"], [language], context)
    return [(m.target, context, m.term_class) for m in found if not m.is_attribute]


def measure_texts(texts: list[dict[str, Any]]) -> tuple[Counts, list[str]]:
    counts, misses = _empty(), []
    for item in texts:
        found = {theme for theme, _, _ in text_matches(item)}
        _count(counts, item["themes"], found, item["themes"])
        if found != set(item["themes"]):
            misses.append(f"{item['id']} {item['split']}: expected {sorted(item['themes'])} got {sorted(found)}")
    return counts, misses


# -- notices ----------------------------------------------------------------------------------------------------
def load_notices() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("labelled_notices.json", "labelled_notices_written.json"):
        out += json.loads((FIXTURES / name).read_text(encoding="utf-8"))["notices"]
    return out


def written_notice(spec: dict[str, Any], notice_id: str) -> Notice:
    """A notice from the compact form of labelled_notices_written.json."""
    lots = []
    for data in spec["lots"]:
        lot = Lot(
            lot_id=data["id"],
            title=data.get("title", ""),
            description=data.get("description", ""),
            main_cpv=data.get("main_cpv", spec.get("main_cpv", "")),
        )
        if lot.description:
            lot.texts.append(Text("BT-24", "description", lot.description, spec.get("language", "")))
        lot.texts += [Text(t["field"], t["field"], t["text"], t.get("language", "")) for t in data.get("texts", [])]
        lot.award_criteria = [
            AwardCriterion(
                "quality",
                c["name"],
                c.get("description", ""),
                Decimal(c["weight"]) if "weight" in c else None,
                path=f"criterion {index}",
            )
            for index, c in enumerate(data.get("criteria", []))
        ]
        lots.append(lot)
    return Notice(
        SourceFormat.EFORMS,
        notice_id,
        "01",
        notice_id,
        NoticeFamily.COMPETITION,
        language=spec.get("language", ""),
        title=spec.get("title", ""),
        description=spec.get("description", ""),
        main_cpv=spec.get("main_cpv", ""),
        lots=lots,
    )


def read_notice(item: dict[str, Any]) -> Notice:
    if "notice" in item:
        return written_notice(item["notice"], item["id"])
    path = SHARED_DATA / item["file"]
    data = path.read_bytes()
    if item["format"] == "eforms":
        from mvimonitor.imports.eforms import read_eforms

        return read_eforms(data, file=str(path))
    if item["format"] == "ted":
        from mvimonitor.imports.ted import read_ted

        return read_ted(data, file=str(path))
    from mvimonitor.imports.ocds import iter_ocds

    with path.open("rb") as stream:
        for raw in iter_ocds(stream, file=str(path)):
            if raw.locator == item["locator"] and raw.notice is not None:
                return raw.notice
    raise LookupError(f"{item['file']}: no notice at {item['locator']}")


def measure_notices(items: list[dict[str, Any]]) -> tuple[Counts, list[str]]:
    counts, misses = _empty(), []
    for item in items:
        notice = read_notice(item)
        proposals, _ = detect(notice)
        lot_ids = {lot.lot_id for lot in notice.lots} | set(item["lots"])
        for lot_id in sorted(lot_ids):
            label = item["lots"].get(lot_id, {"themes": {}})
            expected = set(label["themes"])
            from_text = {theme for theme, source in label["themes"].items() if source == "text"}
            found = {p.theme for p in proposals if p.lot_id == lot_id and p.origin == ProposalOrigin.TEXT_DETECTION}
            _count(counts, expected, found, from_text)
            if found - expected or from_text - found:
                misses.append(
                    f"{item['id']} {item['split']} lot {lot_id}: text themes expected {sorted(from_text)}"
                    f" (all {sorted(expected)}) got {sorted(found)}"
                )
    return counts, misses


# -- calibration ------------------------------------------------------------------------------------------------
def calibration_table() -> dict[str, dict[str, float | int]]:
    """Precision per context group and term class of the accepted matches of the labelled texts (not 'fresh')."""
    tally: dict[str, list[int]] = {}
    for item in load_texts():
        if item["split"] in NOT_CALIBRATED:
            continue
        for theme, context, term_class in text_matches(item):
            right = tally.setdefault(f"{context_group(context)}:{term_class}", [0, 0])
            right[0 if theme in item["themes"] else 1] += 1
    return {
        key: {"precision": round(tp / (tp + fp), 3), "matches": tp + fp} for key, (tp, fp) in sorted(tally.items())
    }


def write_calibration() -> None:
    document = json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    document["calibration"] = {
        "comment": "Written by scripts/detection_quality.py --calibrate: per context group and term class, the share "
        "of accepted matches of the labelled texts (every split but 'fresh') whose theme the reviewer gave.",
        "groups": calibration_table(),
    }
    TERMS_FILE.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# -- report -----------------------------------------------------------------------------------------------------
def report() -> dict[str, dict[str, dict[str, float]]]:
    """Summaries per set and split: texts/<split>, notices/<split>, and all."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    texts, notices = load_texts(), load_notices()
    for split in sorted({t["split"] for t in texts}):
        out[f"texts/{split}"] = summary(measure_texts([t for t in texts if t["split"] == split])[0])
    for split in sorted({n["split"] for n in notices}):
        out[f"notices/{split}"] = summary(measure_notices([n for n in notices if n["split"] == split])[0])
    total = _empty()
    for counts in (measure_texts(texts)[0], measure_notices(notices)[0]):
        for theme in THEMES:
            for key in ("tp", "fp", "fn"):
                total[theme][key] += counts[theme][key]
    out["all"] = summary(total)
    out["notices/all"] = summary(measure_notices(notices)[0])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", help="only this set/split, e.g. notices/fresh or texts/dev")
    parser.add_argument("--misses", action="store_true", help="list where detection and label differ")
    parser.add_argument("--calibrate", action="store_true", help="write the calibration into the term list")
    args = parser.parse_args()
    if args.calibrate:
        write_calibration()
        print(f"calibration written to {TERMS_FILE}")
    print(f"mapping {MAPPING_VERSION}")
    print(f"{'set/split':<18} {'theme':<10} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, result in report().items():
        if args.split and name != args.split:
            continue
        for theme, r in result.items():
            counts = " ".join(f"{int(r[key]):>4}" for key in ("tp", "fp", "fn"))
            if theme == "overall" or args.split:
                print(f"{name:<18} {theme:<10} {r['precision']:>9.2f} {r['recall']:>7.2f} {counts}")
    if args.misses:
        texts, notices = load_texts(), load_notices()
        if args.split:
            kind, _, split = args.split.partition("/")
            texts = [t for t in texts if kind == "texts" and t["split"] == split]
            notices = [n for n in notices if kind == "notices" and n["split"] == split]
        for line in measure_texts(texts)[1] + measure_notices(notices)[1]:
            print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
