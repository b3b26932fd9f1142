"""Hostile definitions: every case of tests/cases/hostile/cases.yaml is refused or loaded in
bounded time and memory.

Each case is written to a temporary folder and validated by ``statewise validate`` in a
process of its own; its wall time and peak memory (``VmHWM``, the high-water mark of the
process's resident memory, read from /proc as it exits; ``ru_maxrss`` would include the
parent's memory at fork time) are compared with the bounds of issue 8: **15 s and 600 MB**.
The table goes into docs/performance.md (section "Hostile definitions").

    .venv/bin/python bench/bench_hostile.py [CASE ...]

Exit status 1 when a case breaks a bound or ends with an unexpected exit code.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from tests.cases.hostile.corpus import Case, load_cases, materialize  # noqa: E402

#: the bounds every hostile definition must stay within (issue 8)
MAX_SECONDS = 15.0
MAX_MEGABYTES = 600.0
#: a process still running after this long is killed (and reported as over the bound)
KILL_AFTER = 60.0


#: runs `statewise validate` and, on the way out, writes the process's VmHWM (KiB) to argv[1]
_WRAPPER = """
import sys
from engine.cli import main
report, args = sys.argv[1], sys.argv[2:]
try:
    code = main(args)
finally:
    with open("/proc/self/status") as status, open(report, "w") as out:
        out.write(next(l.split()[1] for l in status if l.startswith("VmHWM:")))
raise SystemExit(code)
"""


def run_case(case: Case) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak resident megabytes) of validating ``case``."""
    with tempfile.TemporaryDirectory() as tmp:
        chart = materialize(case, Path(tmp) / "case")
        report = Path(tmp) / "hwm"
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, str(report), "validate", "--no-source", str(chart)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
        )
        try:
            code = proc.wait(timeout=KILL_AFTER)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return -9, time.perf_counter() - started, float("nan")
        elapsed = time.perf_counter() - started
        peak = int(report.read_text()) / 1024 if report.is_file() else float("nan")
        return code, elapsed, peak


def main(argv: list[str]) -> int:
    cases = [c for c in load_cases() if not argv or c.name in argv]
    rows = []
    failed = 0
    for case in cases:
        code, secs, mb = run_case(case)
        ok = code == case.exit and secs < MAX_SECONDS and mb < MAX_MEGABYTES
        failed += not ok
        outcome = "loads" if case.exit == 0 else f"refused ({', '.join(case.codes)})"
        rows.append(
            f"| {case.name} | {case.why} | {outcome} | {code} | {secs:.2f} s | {mb:.0f} MB "
            f"| {'yes' if ok else '**no**'} |"
        )
        print(f"{case.name:34} exit {code} {secs:6.2f} s {mb:6.0f} MB {'ok' if ok else 'FAIL'}")
    table = [
        "| case | what it did before | now | exit | wall time | peak memory | within bounds |",
        "|---|---|---|---:|---:|---:|---|",
        *rows,
    ]
    body = (
        "Command: `.venv/bin/python bench/bench_hostile.py` (part of `make bench`). Each case of "
        "the hostile definitions corpus (`tests/cases/hostile/cases.yaml`) is validated by "
        "`statewise validate` in a process of its own; wall time and the process's peak "
        f"resident memory must stay under **{MAX_SECONDS:.0f} s and {MAX_MEGABYTES:.0f} MB** "
        "(the bounds of issue 8). Python's start-up and imports (~30 MB, ~0.3 s here) are "
        "included.\n\n" + "\n".join(table) + "\n"
    )
    if not argv:
        write_section(ROOT / "docs" / "performance.md", "Hostile definitions", body)
    print(f"{len(cases) - failed}/{len(cases)} within bounds")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
