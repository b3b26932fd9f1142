"""Calendars find their time zones without a system zone database (Windows, Alpine,
distroless): the tzdata package is a dependency and zoneinfo falls back to it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHART = """
id: tz
version: 1
calendars:
  shop: {timezone: Europe/Copenhagen, days: [mon, tue, wed, thu, fri], opens: "09:00", closes: "17:00"}
events: {go: {}}
states:
  a:
    after:
      - {delay: 2h, calendar: shop, target: b}
    on: {go: b}
  b: {type: final}
"""

PROGRAM = """
import sys, zoneinfo
from engine import load_text
assert zoneinfo.TZPATH == (), zoneinfo.TZPATH   # no system zone database at all
chart = load_text(sys.stdin.read(), "tz.yaml")
print(chart.calendars["shop"].timezone)
"""


def test_a_calendar_loads_with_no_system_zone_database(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONTZPATH="")  # zoneinfo: no search path, only the tzdata package
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        input=CHART,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Europe/Copenhagen"


def test_tzdata_is_a_declared_dependency() -> None:
    from importlib.metadata import requires

    assert any(r.startswith("tzdata") for r in requires("statewise") or [])
