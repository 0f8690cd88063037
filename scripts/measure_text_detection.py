"""Precision and recall of the text detection (mvimonitor.imports.detect.themes_in) on the labelled set.

    .venv/bin/python scripts/measure_text_detection.py [FILE] [--split dev|holdout|blind|blind2|all] [--misses]

Counts per theme: a text labelled with theme T and detected as T is a true positive; detected but not labelled a
false positive; labelled but not detected a false negative. "overall" is micro-averaged over the six themes. Prints
the misses so the term list can be improved (on the dev split only: the holdout split measures what tuning did).
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mvimonitor.imports.detect import MAPPING_VERSION, themes_in  # noqa: E402

THEMES = ["milieu", "klimaat", "circulair", "keten", "d_i", "sroi"]


def measure(texts: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    counts = {theme: {"tp": 0, "fp": 0, "fn": 0} for theme in THEMES}
    for item in texts:
        expected = set(item["themes"])  # type: ignore[arg-type]
        found = themes_in(str(item["text"]))
        for theme in THEMES:
            if theme in found and theme in expected:
                counts[theme]["tp"] += 1
            elif theme in found:
                counts[theme]["fp"] += 1
            elif theme in expected:
                counts[theme]["fn"] += 1
    total = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn")}
    result = {}
    for name, c in [*counts.items(), ("overall", total)]:
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        result[name] = {"precision": precision, "recall": recall, **{k: float(v) for k, v in c.items()}}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "file", nargs="?", default=str(ROOT / "tests" / "fixtures" / "imports" / "labelled_texts.json")
    )
    parser.add_argument("--split", choices=["dev", "holdout", "blind", "blind2", "all"], default="all")
    parser.add_argument("--misses", action="store_true", help="list the texts where detection and label differ")
    args = parser.parse_args()
    texts = json.loads(Path(args.file).read_text(encoding="utf-8"))["texts"]
    if args.split != "all":
        texts = [t for t in texts if t["split"] == args.split]
    negatives = sum(1 for t in texts if not t["themes"])
    print(f"mapping {MAPPING_VERSION}; {len(texts)} texts ({args.split}), {negatives} without theme")
    print(f"{'theme':<10} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, r in measure(texts).items():
        counts = " ".join(f"{int(r[key]):>4}" for key in ("tp", "fp", "fn"))
        print(f"{name:<10} {r['precision']:>9.2f} {r['recall']:>7.2f} {counts}")
    if args.misses:
        for item in texts:
            found = themes_in(item["text"])
            if found != set(item["themes"]):
                expected = sorted(item["themes"])
                print(f"  {item['id']} {item['split']}: expected {expected} got {sorted(found)}: {item['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
