"""Refresh the Dutch message catalogue and fill in translations, safely from parallel work.

    .venv/bin/python scripts/po_update.py translations.json   # {"English msgid": "Nederlandse vertaling", ...}
                                                              # plural: {"msgid": ["enkelvoud", "meervoud"]}
    .venv/bin/python scripts/po_update.py                     # only re-extract messages

Runs `makemessages -l nl` under a file lock, then sets msgstr for the given msgids (and clears fuzzy flags on them).
Prints the msgids that still have no Dutch translation.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "mvimonitor" / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def main() -> int:
    translations: dict[str, str | list[str]] = {}
    if len(sys.argv) > 1:
        translations = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with open(ROOT / ".po.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "nl",
                "--no-obsolete",
                "--no-location",
                "--ignore",
                ".venv/*",
                "--ignore",
                "node_modules/*",
                "--ignore",
                "build/*",
                "--ignore",
                "tests/*",
                "--ignore",
                "scripts/*",
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        po = polib.pofile(str(PO), wrapwidth=0)
        for entry in po:
            if entry.msgid in translations:
                translation = translations[entry.msgid]
                if isinstance(translation, list):
                    entry.msgstr_plural = dict(enumerate(translation))
                else:
                    entry.msgstr = translation
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
        po.metadata["Language"] = "nl"
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.save()
    missing = [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values()))]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(po)} messages, {len(missing)} without Dutch translation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
