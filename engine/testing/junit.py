"""JUnit XML for CI systems: one ``testcase`` per scenario, failures with their diffs.

The report follows the schema of Apache Ant's JUnit format, the one CI systems share
(``tests/cases/junit/JUnit.xsd``): a ``testsuites`` root without attributes, one
``testsuite`` with ``name``, ``package``, ``id``, ``timestamp`` (UTC, no zone), ``hostname``,
the counts and ``time``, then ``properties``, the ``testcase`` elements (``classname``: the
chart, ``name``, ``time``; nothing else) and ``system-out``/``system-err``. A scenario's time
is the time of its steps; loading the charts is not counted in it.
"""

from __future__ import annotations

import datetime as dt
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from engine.testing.results import ScenarioResult

__all__ = ["junit_xml", "write_junit"]


def junit_xml(
    results: Sequence[ScenarioResult],
    suite: str = "statewise scenarios",
    *,
    timestamp: dt.datetime | None = None,
) -> str:
    failures = sum(1 for r in results if not r.passed)
    seconds = sum(r.seconds for r in results)
    when = (timestamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    root = ET.Element("testsuites")
    ts = ET.SubElement(root, "testsuite", name=suite, package=suite, id="0")
    ts.set("timestamp", when.replace(tzinfo=None, microsecond=0).isoformat())
    ts.set("hostname", socket.gethostname() or "localhost")
    ts.set("tests", str(len(results)))
    ts.set("failures", str(failures))
    ts.set("errors", "0")
    ts.set("skipped", str(sum(1 for r in results if r.status == "xfail")))
    ts.set("time", f"{seconds:.3f}")
    ET.SubElement(ts, "properties")
    for r in results:
        case = ET.SubElement(ts, "testcase", classname=r.chart or Path(r.file).stem, name=r.name)
        case.set("time", f"{r.seconds:.3f}")
        if r.status == "xfail":
            skipped = ET.SubElement(case, "skipped", message=f"xfail: {r.xfail}")
            skipped.text = "\n".join([r.file, *(f.format() for f in r.expected_failures)])
        elif not r.passed:
            first = r.failures[0]
            fail = ET.SubElement(case, "failure", message=first.message, type="ScenarioFailure")
            fail.text = "\n".join([r.file, *(f.format() for f in r.failures)])
    ET.SubElement(ts, "system-out").text = "\n".join(f"{r.name}: {r.file}" for r in results)
    ET.SubElement(ts, "system-err")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(results: Sequence[ScenarioResult], path: str | Path) -> None:
    Path(path).write_text(junit_xml(results), encoding="utf-8")
