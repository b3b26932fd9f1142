"""Benchmark: loading and validating charts, and CLI start-up.

* load + validate (all stages, in process) of a generated chart with 500 states and
  2,000 transitions (nested compound states, a parallel state, guards, actions, timers);
* ``statewise --help`` and ``statewise validate`` of one small chart, as whole processes.

Targets (issue 2): under 1 s for the 500-state chart; ``--help`` under 0.15 s; validate of
a small chart under 0.6 s. Run: ``.venv/bin/python bench/bench_validate.py`` (or ``make
bench``); the table is written into docs/performance.md.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402


def generate_chart(states: int = 500, transitions: int = 2000, seed: int = 7) -> str:
    """A chart of ``states`` states (10 groups, one of them parallel) and ``transitions``."""
    rng = random.Random(seed)
    groups = 10
    per_group = states // groups - 1  # each group is itself a state
    lines = [
        "id: bench.generated",
        "version: 1",
        "context:",
        "  total: decimal",
        "  count: {type: integer, default: 0}",
        "  mode: {type: enum, values: [a, b, c]}",
        "  flag: {type: boolean, default: false}",
        "events:",
    ]
    lines += [f"  ev{i}: {{source: integration}}" for i in range(20)]
    lines += ["initial: g0", "states:"]
    leaves: list[str] = []
    for g in range(groups):
        lines.append(f"  g{g}:")
        if g == groups - 1:
            lines.append("    type: parallel")
            lines.append("    states:")
            half = per_group // 2
            for r in range(2):
                lines.append(f"      r{r}:")
                lines.append("        states:")
                for s in range(half - 1):
                    name = f"g{g}r{r}s{s}"
                    lines.append(f"          {name}: {{}}")
                    leaves.append(name)
        else:
            lines.append("    states:")
            for s in range(per_group):
                name = f"g{g}s{s}"
                lines.append(f"      {name}: {{}}")
                leaves.append(name)
    lines.append("  done:")
    lines.append("    type: final")
    text = "\n".join(lines) + "\n"
    # Transitions are added as `on:` blocks by rewriting each leaf line.
    per_leaf = transitions // len(leaves) + 1
    made = 0
    out_lines = []
    for line in text.splitlines():
        stripped = line.strip()
        name = stripped.split(":")[0]
        if stripped.endswith("{}") and name in leaves and made < transitions:
            indent = " " * (len(line) - len(line.lstrip()))
            out_lines.append(f"{indent}{name}:")
            out_lines.append(f"{indent}  on:")
            for k in range(per_leaf):
                if made >= transitions:
                    break
                target = rng.choice([*leaves, "done"])
                # Constants vary so that (almost) every guard is a distinct text to parse.
                n = rng.randint(0, 10_000)
                guard = rng.choice(
                    [
                        f"total > {n}",
                        f"mode == 'b' and count != {n}",
                        f"count < {n} or flag",
                        f"total * 2 >= {n}.50",
                    ]
                )
                out_lines.append(f"{indent}    ev{(made + k) % 20}:")
                out_lines.append(f"{indent}      - target: {target}")
                out_lines.append(f"{indent}        guard: {guard}")
                out_lines.append(f"{indent}        actions:")
                out_lines.append(f"{indent}          - assign: {{count: count + 1}}")
                made += 1
        else:
            out_lines.append(line)
    return "\n".join(out_lines) + "\n"


def _median_seconds(fn: object, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _process(args: list[str], rounds: int) -> float:
    def run() -> None:
        subprocess.run(args, check=False, capture_output=True)

    run()  # warm the page cache and bytecode
    return _median_seconds(run, rounds)


def main() -> None:
    statewise = str(Path(sys.executable).with_name("statewise"))
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.yaml"
        big.write_text(generate_chart())
        small = ROOT / "tests" / "cases" / "bench" / "small.yaml"

        from engine.loader import validate_path

        result = validate_path(big)
        n_states = len(result.chart.states) - 1 if result.chart else 0
        n_trans = sum(1 for _ in result.chart.transitions()) if result.chart else 0
        errors = [d.format() for d in result.diagnostics if d.is_error]
        assert not errors, errors[:5]
        big_s = _median_seconds(lambda: validate_path(big), 5)
        help_s = _process([statewise, "--help"], 15)
        small_s = _process([statewise, "validate", str(small)], 10)
        big_cli_s = _process([statewise, "validate", str(big)], 5)

    rows = [
        (
            "load + validate, generated chart (in process)",
            f"{n_states} states, {n_trans} transitions",
            big_s,
            1.0,
        ),
        ("`statewise validate` of that chart (whole process)", "", big_cli_s, None),
        ("`statewise --help` (whole process)", "", help_s, 0.15),
        ("`statewise validate` of one small chart (whole process)", "", small_s, 0.6),
    ]
    table = ["| what | size | median | target | met |", "|---|---|---:|---:|---|"]
    for what, size, secs, target in rows:
        tgt = f"{target:.2f} s" if target else "-"
        met = "-" if target is None else ("yes" if secs < target else "**no**")
        table.append(f"| {what} | {size} | {secs * 1000:.0f} ms | {tgt} | {met} |")
    body = (
        "Command: `.venv/bin/python bench/bench_validate.py` (part of `make bench`). "
        "Medians of 5-15 runs on this machine (2 cores); whole-process figures include "
        "Python start-up (~21 ms here).\n\n" + "\n".join(table) + "\n"
    )
    print(body)
    write_section(ROOT / "docs" / "performance.md", "Loading and validating", body)


if __name__ == "__main__":
    main()
