"""The curated top-level API: every name resolves, and ``import engine`` stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import engine


@pytest.mark.parametrize("name", engine.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(engine, name) is not None
    assert name in dir(engine)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError):
        engine.NoSuchThing  # noqa: B018


def test_import_engine_loads_no_heavy_library() -> None:
    code = (
        "import sys, engine, engine.cli; "
        "print(sorted(m for m in ('lark', 'jinja2', 'sqlalchemy', 'jsonschema', 'networkx', "
        "'yaml', 'engine.runtime', 'engine.service') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_running_charts_never_imports_sqlalchemy() -> None:
    code = (
        "import sys, engine; e = engine.Engine(); "
        "c = engine.load_text('id: a.b\\nversion: 1\\nstates: {s: {type: final}}\\n'); "
        "e.start(c); print('sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
