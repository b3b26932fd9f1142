"""Run every benchmark section and write its table into docs/performance.md (``make bench``).

    .venv/bin/python bench/run.py [SECTION ...]

Sections: ``validate`` (loading and validating, CLI start-up) and ``engine`` (the in-memory
order workload through ``Engine.send`` beside transitions, python-statemachine and sismic;
needs the ``bench`` extra: ``pip install -e '.[bench]'``), ``runtime``, ``store``, ``workers``, ``hostile``, ``serve``, ``replay``, ``scale``
and ``demo`` (the demo's business day). Without arguments all run.

Run one part of a section, or compare with the code before (a checkout of it) in the same
run, with the section's own script, e.g.::

    .venv/bin/python bench/bench_serve.py --only webhooks --baseline ../before
    .venv/bin/python bench/bench_workers.py --baseline ../before
    .venv/bin/python bench/bench_scale.py --only send

The webhook benchmark drives the servers with ``wrk`` (Debian: ``apt-get install wrk``) and a
Lua script (``bench/webhook.lua``); without it, a threaded Python client.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: section name -> (module, how to call its main)
SECTIONS: dict[str, tuple[str, Callable[[object], object]]] = {
    "validate": ("bench.bench_validate", lambda main: main()),  # type: ignore[operator]
    "engine": ("bench.bench_engine", lambda main: main([])),  # type: ignore[operator]
    "runtime": ("bench.bench_runtime", lambda main: main([])),  # type: ignore[operator]
    "store": ("bench.bench_store", lambda main: main([])),  # type: ignore[operator]
    "workers": ("bench.bench_workers", lambda main: main([])),  # type: ignore[operator]
    "hostile": ("bench.bench_hostile", lambda main: main([])),  # type: ignore[operator]
    "serve": ("bench.bench_serve", lambda main: main([])),  # type: ignore[operator]
    "replay": ("bench.bench_replay", lambda main: main([])),  # type: ignore[operator]
    "scale": ("bench.bench_scale", lambda main: main([])),  # type: ignore[operator]
    "demo": ("bench.bench_demo", lambda main: main([])),  # type: ignore[operator]
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
        return 2
    for name in chosen:
        module, call = SECTIONS[name]
        print(f"== {name} ({module})", flush=True)
        call(importlib.import_module(module).main)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
