"""Shared fixtures for the renderer tests.

* ``shipped_chart``: parametrized over every chart in ``definitions/`` (fragments skipped)
  plus ``fixtures/large.yaml``; the value is the chart file's path.
* ``load``: loads a chart file once per session.
* ``dot``: skips the test when the Graphviz ``dot`` program is missing, with the reason
  "dot program not installed" -- unless ``STATEWISE_REQUIRE_DOT=1`` (CI), then it fails.
* ``update_golden``: true when ``STATEWISE_UPDATE_GOLDEN=1`` (rewrite the golden files).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.discovery import is_chart_file
from engine.loader import load_chart
from engine.model import Chart

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS = REPO / "definitions"
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"


def shipped_chart_files() -> list[Path]:
    """Every chart in definitions/ (not fragments, scenarios or policy files)."""
    return sorted(
        p
        for p in DEFINITIONS.rglob("*.yaml")
        if "fragments" not in p.parts and "scenarios" not in p.parts and is_chart_file(p)
    )


def all_chart_files() -> list[Path]:
    return [*shipped_chart_files(), FIXTURES / "large.yaml"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "shipped_chart" in metafunc.fixturenames:
        files = shipped_chart_files()
        metafunc.parametrize(
            "shipped_chart", files, ids=[str(f.relative_to(DEFINITIONS)) for f in files]
        )
    if "any_chart" in metafunc.fixturenames:
        files = all_chart_files()
        metafunc.parametrize(
            "any_chart",
            files,
            ids=[
                f.stem if f.parent == FIXTURES else str(f.relative_to(DEFINITIONS)) for f in files
            ],
        )


_CACHE: dict[Path, Chart] = {}


@pytest.fixture(scope="session")
def load() -> Callable[[Path], Chart]:
    def _load(path: Path) -> Chart:
        if path not in _CACHE:
            _CACHE[path] = load_chart(path)
        return _CACHE[path]

    return _load


def require_dot() -> None:
    if shutil.which("dot") is not None:
        return
    if os.environ.get("STATEWISE_REQUIRE_DOT") == "1":
        pytest.fail("dot program not installed, and STATEWISE_REQUIRE_DOT=1 requires it")
    pytest.skip("dot program not installed")


@pytest.fixture(scope="session")
def all_charts() -> list[Path]:
    return all_chart_files()


@pytest.fixture
def dot() -> None:
    require_dot()


@pytest.fixture(scope="session")
def update_golden() -> bool:
    return os.environ.get("STATEWISE_UPDATE_GOLDEN") == "1"
