"""JUnit XML for CI systems: one ``testcase`` per scenario, failures with their diffs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from engine.testing.results import ScenarioResult

__all__ = ["junit_xml", "write_junit"]


def junit_xml(results: Sequence[ScenarioResult], suite: str = "statewise scenarios") -> str:
    failures = sum(1 for r in results if not r.passed)
    seconds = sum(r.seconds for r in results)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failures))
    root.set("time", f"{seconds:.3f}")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)))
    ts.set("failures", str(failures))
    ts.set("errors", "0")
    ts.set("skipped", str(sum(1 for r in results if r.status == "xfail")))
    ts.set("time", f"{seconds:.3f}")
    for r in results:
        case = ET.SubElement(ts, "testcase", classname=r.chart or Path(r.file).stem, name=r.name)
        case.set("file", r.file)
        case.set("time", f"{r.seconds:.3f}")
        if r.status == "xfail":
            skipped = ET.SubElement(case, "skipped", message=f"xfail: {r.xfail}")
            skipped.text = "\n".join(f.format() for f in r.expected_failures)
        elif not r.passed:
            first = r.failures[0]
            fail = ET.SubElement(case, "failure", message=first.message, type="ScenarioFailure")
            fail.text = "\n".join(f.format() for f in r.failures)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(results: Sequence[ScenarioResult], path: str | Path) -> None:
    Path(path).write_text(junit_xml(results), encoding="utf-8")
