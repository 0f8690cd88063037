"""End-to-end import benchmark: eForms notices through the real readers, detectors and import service.

    .venv/bin/python scripts/bench_import.py                                  # SQLite, sizes 2500 5000 10000 20000
    .venv/bin/python scripts/bench_import.py --postgres postgres://postgres@127.0.0.1:5432/mvi_imports_service
    .venv/bin/python scripts/bench_import.py --corpus DIR                      # a corpus made beforehand
    .venv/bin/python scripts/bench_import.py --corpus DIR --sizes 20000 --workers 1 2 --end-to-end-only

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
- the ratio end to end / parse only, and the process's peak memory (ru_maxrss) during the end-to-end import;
- with `--workers 1 2 ...`: each count of worker processes reading and detecting while the importing process stores
  (`import_notices --workers N`, ADR 0027; 1 is the import in one process), the CPU per notice of the importing
  process and its workers together, the speed-up against the first count given, and the peak memory of the
  importing process and its workers together (their resident memory summed, sampled ten times a second).
  `--end-to-end-only` leaves out the parse-only, keep+parse, read and read+detect passes.

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
import threading
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


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        found.extend(int(c) for c in children)
        todo.extend(int(c) for c in children)
    return found


class PeakMemory:
    """The highest sum of resident memory of this process and its descendants, sampled ten times a second."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.1):
            total = _rss_kb(me) + sum(_rss_kb(pid) for pid in _descendants(me))
            self.peak_kb = max(self.peak_kb, total)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def worker(
    database_url: str, files: list[str], *, read_ahead: str, workers: int = 1, end_to_end_only: bool = False
) -> dict[str, float]:
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
    from mvimonitor.imports.parallel import Fanout, groups_of, path_units
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
    parse_before = (0.0, 0.0) if end_to_end_only else parse_only(files)
    run = import_run_create(source_description=f"benchmark, {len(files)} files")
    load = os.getloadavg()[0]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start, cpu_start = time.perf_counter(), time.process_time()
    ahead = read_ahead == "on" or (read_ahead == "auto" and read_ahead_pays())
    source = Fanout(groups_of(path_units(files)), workers=workers) if workers > 1 else read_paths(files)
    with PeakMemory() as memory:
        import_run_execute(run=run, raw_notices=source, read_ahead=ahead)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, ended and waited for by now
    workers_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the measurements below
    run.refresh_from_db()
    common = {
        "notices": run.seen,
        "created": run.created,
        "failed": run.failed,
        "load": load,
        "workers": workers,
        "end_to_end": run.seen / seconds,
        "end_to_end_cpu": run.seen / cpu,
        "cpu_ms_per_notice": 1000 * (cpu + workers_cpu) / run.seen,
        "peak_mb": peak_mb,
        "peak_all_mb": memory.peak_kb / 1024,
    }
    if end_to_end_only:
        return common

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
        **common,
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
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="worker processes reading and detecting (import_notices --workers); several counts are run in turn",
    )
    parser.add_argument(
        "--end-to-end-only", action="store_true", help="only the import itself: no parse-only, read or detect passes"
    )
    parser.add_argument("--worker", nargs=2, metavar=("DATABASE_URL", "FILE_LIST"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        database_url, file_list = args.worker
        files = Path(file_list).read_text().split("\n")
        result = worker(
            database_url,
            files,
            read_ahead=args.read_ahead,
            workers=args.workers[0],
            end_to_end_only=args.end_to_end_only,
        )
        print(json.dumps(result))
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
        print("workers = processes reading and detecting (1: all in the importing process); CPU ms = per notice, the")
        print("importing process and its workers together; x = wall-clock speed-up against the first count given;")
        print("peak = the importing process alone / with its workers (resident memory summed)")
        print(
            f"{'database':<11} {'notices':>8} {'workers':>7} {'load':>5} {'end-to-end/s':>13} {'CPU ms':>7} "
            f"{'x':>5} {'parse-only/s':>13} {'ratio':>11} {'keep+parse/s':>13} "
            f"{'read-only/s':>12} {'read+detect/s':>14} {'service/s':>12} {'peak MB':>13} {'failed':>7}"
        )
        for label, url in databases:
            for size in args.sizes:
                file_list = folder / f"files-{size}.txt"
                file_list.write_text("\n".join(corpus[:size]))
                first_rate = 0.0
                for workers in args.workers:
                    database_url = url or f"sqlite:///{folder / f'bench-{size}-{workers}.sqlite3'}"
                    command = [sys.executable, __file__, "--worker", database_url, str(file_list)]
                    command += ["--read-ahead", args.read_ahead, "--workers", str(workers)]
                    if args.end_to_end_only:
                        command.append("--end-to-end-only")
                    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
                    r = json.loads(output.strip().splitlines()[-1])
                    first_rate = first_rate or r["end_to_end"]
                    print(_row(label, r, speed_up=r["end_to_end"] / first_rate), flush=True)


def _row(label: str, r: dict[str, float], *, speed_up: float) -> str:
    def pair(name: str, width: int) -> str:
        if name not in r:
            return "-".rjust(width)
        return f"{r[name]:.0f}/{r[name + '_cpu']:.0f}".rjust(width)

    ratio = (
        f"{r['end_to_end'] / r['parse_only']:.1%}/{r['end_to_end_cpu'] / r['parse_only_cpu']:.1%}"
        if "parse_only" in r
        else "-"
    )
    peak = f"{r['peak_mb']:.0f}/{r['peak_all_mb']:.0f}"
    return (
        f"{label:<11} {r['notices']:>8} {r['workers']:>7} {r['load']:>5.1f} {pair('end_to_end', 13)} "
        f"{r['cpu_ms_per_notice']:>7.2f} {speed_up:>5.2f} {pair('parse_only', 13)} {ratio:>11} "
        f"{pair('keep_and_parse', 13)} {pair('read_only', 12)} {pair('read_and_detect', 14)} "
        f"{pair('service_only', 12)} {peak:>13} {r['failed']:>7}"
    )


if __name__ == "__main__":
    main()
