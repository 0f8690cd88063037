"""Write a corpus of eForms notices for benchmarks by varying real examples (deterministic with --seed).

    .venv/bin/python scripts/generate_eforms_corpus.py --count 20000 --out build/corpus.tar.gz [--seed 2026]
    .venv/bin/python scripts/generate_eforms_corpus.py --count 5000 --out build/corpus/      # a folder

Bases: the SDK examples and the OP conversions of real TED notices in ../shared/data (or --examples DIR), plus the
project's hand-made fixtures. Each generated notice is a copy of one base with new identifiers (BT-701 notice id,
BT-04 procedure id, OPP-010 publication number), dates, values (BT-27, BT-720, BT-709 scaled), CPV codes (drawn from
the CPV 2008 list when present), MVI codes (BT-774/BT-775 drawn from their codelists), award-criterion names
(Dutch/English sustainability and plain criteria) and sometimes an extra lot. The elements and their order stay those
of the base, so a notice is as schema-conformant as its base; `--verify` reads every notice back with the project's
reader and stops at the first one it cannot read.
"""

import argparse
import contextlib
import copy
import csv
import io
import random
import sys
import tarfile
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mvimonitor.imports.eforms import NS, read_eforms  # noqa: E402
from mvimonitor.imports.xmlsafe import parse_xml  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
ENVIRONMENTAL = ["biodiv-eco", "circ-econ", "clim-adapt", "clim-mitig", "other", "pollu-prev", "water-mar"]
SOCIAL = ["acc-all", "et-eq", "gen-eq", "hum-right", "opp", "other", "work-cond"]
CRITERIA = [
    "CO2-reductieplan",
    "Circulair materiaalgebruik",
    "Social return: inzet van mensen met een afstand tot de arbeidsmarkt",
    "Plan van aanpak internationale sociale voorwaarden",
    "Emissieloos materieel op de bouwplaats",
    "Digitale toegankelijkheid (WCAG 2.1)",
    "Kwaliteit van het plan van aanpak",
    "Planning en risicobeheersing",
    "Carbon reduction plan",
    "Social value",
    "Technical merit",
    "Service levels",
]


def bases(folders: list[Path]) -> list[tuple[str, etree._Element]]:
    found = []
    for folder in folders:
        for path in sorted(folder.glob("*.xml")):
            data = path.read_bytes()
            try:
                root = parse_xml(data, file=str(path))
                notice = read_eforms(data, file=str(path), root=root)
            except ValueError:
                continue  # not an eForms notice (TED R2.0.9, a bad-input fixture)
            if notice.buyer is None:
                continue  # the import refuses a notice without a buyer: its copies would only count as failed
            found.append((path.name, root))
    return found


def cpv_codes() -> dict[str, list[str]]:
    """CPV codes per division (the first two digits), so a varied notice keeps a code of its own division and with
    it the nature of the contract (works, supplies, services) the import checks the code against."""
    path = SHARED / "eforms" / "cpv" / "cpv-2008-labels-nl-en.csv"
    codes = ["45233140", "90911200", "34144900", "79710000", "72000000", "50232100"]
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as f:
            codes = [row["code"] for row in csv.DictReader(f)]
    by_division: dict[str, list[str]] = {}
    for code in codes:
        by_division.setdefault(code[:2], []).append(code)
    return by_division


def vary(base: etree._Element, index: int, rng: random.Random, cpvs: dict[str, list[str]]) -> bytes:
    root = copy.deepcopy(base)
    for element in root.findall("cbc:ID", NS):
        if element.get("schemeName") == "notice-id":
            element.text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    folder = root.find("cbc:ContractFolderID", NS)
    if folder is not None:
        folder.text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    day = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 700))
    for element in root.iter(f"{{{NS['cbc']}}}IssueDate", f"{{{NS['efbc']}}}PublicationDate"):
        element.text = f"{day.isoformat()}+01:00"
    for element in root.iter(f"{{{NS['efbc']}}}NoticePublicationID"):
        element.text = f"{index + 1:08d}-{day.year}"
    factor = Decimal(rng.randrange(50, 300)) / 100
    for tag in ("EstimatedOverallContractAmount", "PayableAmount", "MaximumValueAmount"):
        for element in root.iter(f"{{{NS['cbc']}}}{tag}"):
            with contextlib.suppress(ArithmeticError):
                element.text = str((Decimal(element.text or "0") * factor).quantize(Decimal("0.01")))
    for element in root.iter(f"{{{NS['cbc']}}}ItemClassificationCode"):
        if element.get("listName") == "cpv" and (same_division := cpvs.get((element.text or "")[:2])):
            element.text = rng.choice(same_division)
    for element in root.iter(f"{{{NS['cbc']}}}ProcurementTypeCode"):
        if element.get("listName") == "environmental-impact":
            element.text = rng.choice(ENVIRONMENTAL)
        elif element.get("listName") == "social-objective":
            element.text = rng.choice(SOCIAL)
    for criterion in root.iter(f"{{{NS['cac']}}}SubordinateAwardingCriterion"):
        name = criterion.find("cbc:Name", NS)
        if name is not None and rng.random() < 0.7:
            name.text = rng.choice(CRITERIA)
    lots = [
        lot
        for lot in root.findall("cac:ProcurementProjectLot", NS)
        if (lot_id := lot.find("cbc:ID", NS)) is not None and lot_id.get("schemeName") == "Lot"
    ]
    if lots and rng.random() < 0.3:
        extra = copy.deepcopy(lots[-1])
        lot_id = extra.find("cbc:ID", NS)
        if lot_id is not None:
            lot_id.text = f"LOT-{len(lots) + 100:04d}"
        lots[-1].addnext(extra)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def generate(count: int, seed: int, folders: list[Path]) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not security
    found = bases(folders)
    if not found:
        raise SystemExit("no eForms examples found; pass --examples DIR")
    cpvs = cpv_codes()
    for index in range(count):
        name, base = found[index % len(found)]
        yield f"{index // 1000:03d}/{index:06d}-{Path(name).stem}.xml", vary(base, index, rng, cpvs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True, help="a folder, or a file ending in .tar.gz")
    parser.add_argument("--examples", type=Path, action="append", help="folder(s) with eForms notices to vary")
    parser.add_argument("--verify", action="store_true", help="read every generated notice back with the reader")
    args = parser.parse_args()
    folders = args.examples or [
        SHARED / "eforms" / "examples",
        SHARED / "ted" / "converted-eforms",
        ROOT / "tests" / "fixtures" / "imports",
    ]
    total = 0
    if str(args.out).endswith(".tar.gz"):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(args.out, "w:gz", compresslevel=1) as archive:
            for name, data in generate(args.count, args.seed, folders):
                if args.verify:
                    read_eforms(data, file=name)
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = 1_700_000_000
                archive.addfile(info, io.BytesIO(data))
                total += len(data)
    else:
        for name, data in generate(args.count, args.seed, folders):
            if args.verify:
                read_eforms(data, file=name)
            path = args.out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            total += len(data)
    print(f"wrote {args.count} notices ({total / 1e6:.1f} MB uncompressed) to {args.out} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
