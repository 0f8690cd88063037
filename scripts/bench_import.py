"""End-to-end import benchmark: eForms notices through the real readers, detectors and import service.

    .venv/bin/python scripts/bench_import.py                                  # SQLite, sizes 2500 5000 10000 20000
    .venv/bin/python scripts/bench_import.py --postgres postgres://postgres@127.0.0.1:5432/mvi_imports_service
    .venv/bin/python scripts/bench_import.py --corpus DIR                      # a corpus made beforehand

The corpus is a folder of eForms XML files: given with --corpus (e.g. made by scripts/generate_eforms_corpus.py),
or else written to a temporary folder by varying the notice id and procedure id of ../shared/data/eforms/examples
(every variant a new procedure). Each size runs in its own process on a fresh database (SQLite: a new file;
PostgreSQL: the given database, flushed first — never point it at a database you need), which reports:

- end to end: notices per second for read_paths → detect → import service (commits included); `--read-ahead auto`
  (the default) reads ahead in a second thread on PostgreSQL only, as `import_notices` does; `on` / `off` force it;
- parse only: lxml.etree.fromstring over the same bytes, the limit no importer can beat; measured before and after
  the import, the faster of the two counts;
- keep+parse: what each notice costs before anything is read from it in an importer that keeps the raw notice
  (read the file, SHA-256, Zstandard copy, the hardened parse);
- read only: the project's readers without storing; read+detect: readers and detectors, without storing;
- service: what the import service alone manages (end-to-end time less the read+detect time);
- the ratio end to end / parse only, and the process's peak memory (ru_maxrss) during the end-to-end import.

Each rate is given twice: per wall-clock second and per CPU second of this process (time.process_time; the
database server's own CPU time is not in it, its wait is in the wall clock). On a shared machine the CPU rate is
the steadier figure; the load average is printed with every row. Prints figures only; nothing is asserted. Run
with DEBUG=false (set here) so Django does not keep every query.
"""

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT.parent / "shared" / "data" / "eforms" / "examples"
CPV_CSV = ROOT.parent / "shared" / "data" / "eforms" / "cpv" / "cpv-2008-labels-nl-en.csv"
NOTICE_ID = re.compile(rb'(<cbc:ID schemeName="notice-id">)[^<]*')
PROCEDURE_ID = re.compile(rb"(<cbc:ContractFolderID>)[^<]*")


def write_corpus(folder: Path, size: int) -> list[Path]:
    """`size` variants of the eForms examples, each with its own notice id and procedure id."""
    examples = [p.read_bytes() for p in sorted(EXAMPLES.glob("*.xml"))]
    if not examples:
        sys.exit(f"No eForms examples in {EXAMPLES}; give a corpus with --corpus")
    paths = []
    for i in range(size):
        data = examples[i % len(examples)]
        notice_id = str(uuid.UUID(int=i + 1)).encode()
        procedure_id = f"bench-procedure-{i}".encode()
        data = NOTICE_ID.sub(lambda m, new=notice_id: m.group(1) + new, data, count=1)
        data = PROCEDURE_ID.sub(lambda m, new=procedure_id: m.group(1) + new, data, count=1)
        path = folder / f"{i:06d}.xml"
        path.write_bytes(data)
        paths.append(path)
    return paths


def parse_only(files: list[str]) -> tuple[float, float]:
    """Seconds (wall clock, CPU) lxml.etree.fromstring takes for the files, file reading not included."""
    from lxml import etree

    seconds = cpu = 0.0
    for name in files:
        blob = Path(name).read_bytes()
        start, cpu_start = time.perf_counter(), time.process_time()
        etree.fromstring(blob)  # the parser alone, on our own generated corpus
        seconds += time.perf_counter() - start
        cpu += time.process_time() - cpu_start
    return seconds, cpu


def worker(database_url: str, files: list[str], *, read_ahead: str) -> dict[str, float]:
    """One measurement in this process (DATABASE_URL is set before Django starts)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mvimonitor.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from mvimonitor.imports.detect import detect
    from mvimonitor.imports.models import compress_raw
    from mvimonitor.imports.services import import_run_create, import_run_execute, read_ahead_pays
    from mvimonitor.imports.sources import read_paths
    from mvimonitor.imports.xmlsafe import parse_xml
    from mvimonitor.themes.models import CpvCode

    call_command("migrate", verbosity=0)
    if database_url.startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("load_reference", verbosity=0)
    if CpvCode.objects.count() < 1000 and CPV_CSV.is_file():
        call_command("load_cpv", str(CPV_CSV), verbosity=0)

    # lxml alone, before and after the import; the faster pass counts (the machine's speed varies from minute to
    # minute, and the faster parse gives the stricter ratio)
    parse_before = parse_only(files)
    run = import_run_create(source_description=f"benchmark, {len(files)} files")
    load = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    ahead = read_ahead == "on" or (read_ahead == "auto" and read_ahead_pays())
    import_run_execute(run=run, raw_notices=read_paths(files), read_ahead=ahead)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the measurements below
    run.refresh_from_db()

    read = 0
    detect_seconds = detect_cpu = 0.0
    start, cpu_start = time.perf_counter(), time.process_time()
    for raw in read_paths(files):
        if raw.notice is not None:
            read += 1
            before, cpu_before = time.perf_counter(), time.process_time()
            detect(raw.notice)
            detect_seconds += time.perf_counter() - before
            detect_cpu += time.process_time() - cpu_before
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu_start

    parse_after = parse_only(files)
    parse_seconds, parse_cpu = min(parse_before[0], parse_after[0]), min(parse_before[1], parse_after[1])

    # What every notice costs before anything is read from it, in any importer that keeps the raw notice as this
    # one must: reading the file, its SHA-256, its compressed copy and the hardened parse.
    start, cpu_start = time.perf_counter(), time.process_time()
    for name in files:
        blob = Path(name).read_bytes()
        hashlib.sha256(blob).hexdigest()
        compress_raw(blob)
        parse_xml(blob, file=name)
    kept_seconds, kept_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {
        "notices": run.seen,
        "created": run.created,
        "failed": run.failed,
        "load": load,
        "end_to_end": run.seen / seconds,
        "end_to_end_cpu": run.seen / cpu,
        "parse_only": len(files) / parse_seconds,
        "parse_only_cpu": len(files) / parse_cpu,
        "keep_and_parse": len(files) / kept_seconds,
        "keep_and_parse_cpu": len(files) / kept_cpu,
        "read_only": read / (total - detect_seconds),
        "read_only_cpu": read / (total_cpu - detect_cpu),
        "read_and_detect": read / total,
        "read_and_detect_cpu": read / total_cpu,
        # what is left of the end-to-end time once reading and detecting are taken out: the import service itself
        "service_only": run.seen / max(seconds - run.seen * total / read, 1e-9),
        "service_only_cpu": run.seen / max(cpu - run.seen * total_cpu / read, 1e-9),
        "peak_mb": peak_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 5000, 10000, 20000])
    parser.add_argument("--corpus", type=Path, help="folder of eForms XML files (default: generated)")
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (it is flushed!)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--read-ahead",
        choices=["auto", "on", "off"],
        default="auto",
        help="read in a second thread: auto (PostgreSQL only, as import_notices), on, off",
    )
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "FILE_LIST"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        database_url, file_list = args.worker
        files = Path(file_list).read_text().split("\n")
        print(json.dumps(worker(database_url, files, read_ahead=args.read_ahead)))
        return

    with tempfile.TemporaryDirectory(prefix="mvim-bench-") as tmp:
        folder = Path(tmp)
        if args.corpus:
            corpus = sorted(str(p) for p in args.corpus.rglob("*.xml"))
            if len(corpus) < max(args.sizes):
                sys.exit(f"{args.corpus} has {len(corpus)} XML files; the largest size asks for {max(args.sizes)}")
        else:
            corpus = [str(p) for p in write_corpus(folder, max(args.sizes))]
        databases = [] if args.no_sqlite else [("SQLite", None)]
        if args.postgres:
            databases.append(("PostgreSQL", args.postgres))
        mode = {"auto": "read ahead on PostgreSQL only", "on": "read ahead", "off": "one thread"}[args.read_ahead]
        print(f"end to end: {mode}; rates per wall-clock second / per CPU second of the importing process (all its")
        print("threads); load = 1-minute load average")
        print(
            f"{'database':<11} {'notices':>8} {'load':>5} {'end-to-end/s':>13} {'parse-only/s':>13} {'ratio':>11} "
            f"{'keep+parse/s':>13} "
            f"{'read-only/s':>12} {'read+detect/s':>14} {'service/s':>12} {'peak MB':>8} {'failed':>7}"
        )
        for label, url in databases:
            for size in args.sizes:
                file_list = folder / f"files-{size}.txt"
                file_list.write_text("\n".join(corpus[:size]))
                database_url = url or f"sqlite:///{folder / f'bench-{size}.sqlite3'}"
                output = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        database_url,
                        str(file_list),
                        "--read-ahead",
                        args.read_ahead,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                ).stdout
                r = json.loads(output.strip().splitlines()[-1])

                def pair(name: str, width: int, r: dict[str, float] = r) -> str:
                    return f"{r[name]:.0f}/{r[name + '_cpu']:.0f}".rjust(width)

                ratio = f"{r['end_to_end'] / r['parse_only']:.1%}/{r['end_to_end_cpu'] / r['parse_only_cpu']:.1%}"
                print(
                    f"{label:<11} {r['notices']:>8} {r['load']:>5.1f} {pair('end_to_end', 13)} "
                    f"{pair('parse_only', 13)} {ratio:>11} {pair('keep_and_parse', 13)} {pair('read_only', 12)} "
                    f"{pair('read_and_detect', 14)} "
                    f"{pair('service_only', 12)} {r['peak_mb']:>8.0f} {r['failed']:>7}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
