"""Parse benchmark: notices per second and peak memory for lxml alone, the eForms reader, and reader + detectors.

    .venv/bin/python scripts/generate_eforms_corpus.py --count 20000 --out build/corpus
    .venv/bin/python scripts/bench_parse.py build/corpus --sizes 5000,10000,20000

"of lxml" compares CPU time (the machine may be shared; wall-clock rates are printed too). Each (mode, size) runs
in a fresh Python process, so its peak resident memory (`ru_maxrss`) is its own: flat peaks
across sizes mean memory does not grow with the corpus. Modes:

- `lxml`: read the file and parse it with the project's hardened parser (the upper limit for any reader);
- `reader`: the same plus `read_eforms` (the `Notice`);
- `detect`: the same plus `detect` (proposals and signals);
- `sources`: `read_paths` over the corpus (sniffing, error handling) plus `detect`, i.e. what the import service
  consumes.

The functions `iter_files` and `run` are importable, for the end-to-end (store) benchmark of the import service.
A corpus is a folder (read recursively, sorted) or a .tar.gz; the timed loop includes reading the files.
"""

import argparse
import json
import resource
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODES = ("lxml", "reader", "detect", "sources")


def iter_files(corpus: Path, limit: int) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of the first `limit` notices of a corpus folder or .tar.gz."""
    count = 0
    if corpus.is_dir():
        for path in sorted(corpus.rglob("*.xml")):
            if count >= limit:
                return
            yield str(path), path.read_bytes()
            count += 1
        return
    with tarfile.open(corpus, "r|gz") as archive:
        for member in archive:
            if count >= limit:
                return
            source = archive.extractfile(member)
            if source is None:
                continue
            yield member.name, source.read()
            count += 1


def run(mode: str, corpus: Path, limit: int) -> dict[str, float]:
    from mvimonitor.imports.detect import detect
    from mvimonitor.imports.eforms import read_eforms
    from mvimonitor.imports.sources import read_paths
    from mvimonitor.imports.xmlsafe import parse_xml

    notices = proposals = failures = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    if mode == "sources":
        for raw in read_paths([corpus]):
            if notices + failures >= limit:
                break
            if raw.notice is None:
                failures += 1
                continue
            notices += 1
            proposals += len(detect(raw.notice)[0])
    else:
        for name, data in iter_files(corpus, limit):
            root = parse_xml(data, file=name)
            if mode == "lxml":
                notices += 1
                continue
            notice = read_eforms(data, file=name, root=root)
            notices += 1
            if mode == "detect":
                proposals += len(detect(notice)[0])
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return {
        "cpu_seconds": cpu,
        "per_cpu_second": notices / cpu if cpu else 0.0,
        "notices": notices,
        "failures": failures,
        "proposals": proposals,
        "seconds": seconds,
        "per_second": notices / seconds if seconds else 0.0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sizes", default="5000,10000,20000")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--one", nargs=2, metavar=("MODE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one[0], args.corpus, int(args.one[1]))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    print(f"corpus {args.corpus}; Python {sys.version.split()[0]}; one fresh process per row")
    print(
        f"{'mode':<8} {'notices':>8} {'seconds':>8} {'per s':>8} {'per CPU s':>10} {'of lxml':>8} "
        f"{'peak RSS MB':>12} {'proposals':>10}"
    )
    for size in sizes:
        baseline = None
        for mode in modes:
            output = subprocess.run(
                [sys.executable, __file__, str(args.corpus), "--one", mode, str(size)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(output)
            if mode == "lxml":
                baseline = result["per_cpu_second"]
            share = f"{result['per_cpu_second'] / baseline:.0%}" if baseline else "-"
            print(
                f"{mode:<8} {int(result['notices']):>8} {result['seconds']:>8.1f} {result['per_second']:>8.0f} "
                f"{result['per_cpu_second']:>10.0f} {share:>8} {result['peak_rss_mb']:>12.0f} "
                f"{int(result['proposals']):>10}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
