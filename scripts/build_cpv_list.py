"""Write the project's CPV 2008 list (mvimonitor/themes/data/cpv_2008.json) from the eForms SDK's CPV labels.

    .venv/bin/python scripts/build_cpv_list.py ../shared/data/eforms/cpv/cpv-2008-labels-nl-en.csv

The input is a CSV with the columns code, label_en and label_nl (the table derived from the eForms SDK 1.15.1
translation files `code_en.xml` / `code_nl.xml`). The output holds one row per code, `[code, label_nl, label_en]`, one
row per line so a change of the vocabulary reads as a small diff; its header names the source and licence.
tests/themes/test_cpv_list.py checks the shipped file against this script's output when the input is present.
"""

import csv
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "mvimonitor" / "themes" / "data" / "cpv_2008.json"
HEADER = {
    "name": "CPV 2008",
    "source": "Common Procurement Vocabulary, Commission Regulation (EC) No 213/2008 (OJ L 74, 15.3.2008)",
    "source_year": 2008,
    "labels_from": "eForms SDK 1.15.1, translations/code_en.xml and code_nl.xml (keys code|name|cpv.<code>)",
    "licence": (
        "The CPV is EU legislation, reusable under Commission Decision 2011/833/EU; the eForms SDK is published "
        "by the Publications Office of the EU under EUPL-1.2"
    ),
    "columns": ["code", "label_nl", "label_en"],
}


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        found = [[r["code"].strip(), r["label_nl"].strip(), r["label_en"].strip()] for r in csv.DictReader(handle)]
    return sorted(found)


def render(table: list[list[str]]) -> str:
    head = json.dumps(HEADER, ensure_ascii=False, indent=1)[:-2]  # without the closing brace
    lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in table)
    return f'{head},\n "rows": [\n{lines}\n ]\n}}\n'


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    OUTPUT.write_text(render(rows(Path(sys.argv[1]))), encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
