"""The fast validator (jsonschema-rs) and the detailed one (jsonschema) agree.

The loader trusts jsonschema-rs to say "valid" and asks jsonschema for the details only
when it says "invalid"; if they disagreed, a problem could go unreported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from engine.loader.include import resolve_includes
from engine.loader.schema import is_valid, load_schema
from engine.loader.yaml_source import read_yaml_file

ROOT = Path(__file__).resolve().parents[2]


def _mappings() -> list[Path]:
    """Every chart-like YAML file of the repository that parses into a mapping."""
    out = []
    for folder in (ROOT / "tests", ROOT / "definitions"):
        for p in sorted(folder.rglob("*.y*ml")):
            if p.name.endswith((".scenario.yaml", ".scenario.yml")):
                continue
            doc, diags = read_yaml_file(p)
            if (
                doc is not None
                and not any(d.is_error for d in diags)
                and isinstance(doc.data, dict)
            ):
                out.append(p)
    return out


FILES = _mappings()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_and_detailed_validators_agree(path: Path) -> None:
    doc, _ = read_yaml_file(path)
    assert doc is not None
    doc, _ = resolve_includes(doc, [])
    detailed = not any(True for _ in Draft202012Validator(load_schema()).iter_errors(doc.data))
    assert is_valid(doc.data) is detailed
