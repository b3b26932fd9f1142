"""`statewise --help` and every command's `--help` stay light: no engine, no heavy library.

The start-up budget (0.15 s for `--help`, docs/performance.md) is measured by the
benchmark; this test guards its cause: building the parser must not import the loader,
the runtime, the service or any heavy third-party package.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "lark", "jinja2", "sqlalchemy", "alembic", "jsonschema", "networkx", "graphviz", "yaml",
    "engine.runtime", "engine.service", "engine.loader", "engine.store.sql",
    "starlette", "uvicorn", "argon2", "engine.web",
    "pygls", "lsprotocol", "engine.lsp",
)  # fmt: skip

CHECK = (
    "import sys\n"
    "from engine.cli import build_parser\n"
    "parser = build_parser()\n"
    "try:\n"
    "    parser.parse_args(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('LOADED:' + ' '.join(m for m in {heavy!r} if m in sys.modules))\n"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["validate", "--help"],
        ["worker", "--help"],
        ["send", "--help"],
        ["render", "--help"],
        ["serve", "--help"],
        ["users", "add", "--help"],
        ["tokens", "--help"],
        ["lsp", "--help"],
        ["explain", "--help"],
        ["deploy", "--help"],
        ["init", "--help"],
    ],
)
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("LOADED:")]
    loaded = line.removeprefix("LOADED:")
    assert loaded == "", f"`statewise {' '.join(argv)}` imported: {loaded}"
