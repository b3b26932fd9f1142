"""``statewise test``: run scenario files against their charts and report coverage."""

from __future__ import annotations

import argparse
import sys

from engine.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    find_files,
    is_scenario_file,
    report_missing,
)
from engine.flows import flow_path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    t = sub.add_parser(
        "test",
        help="run scenario files (*.scenario.yaml) against their charts",
        description="Run scenarios: start an instance, send events, advance a manual clock, "
        "script task answers and check configurations, context, notifications, manual actions "
        "and history. Prints a coverage report per chart. See docs/testing.md.",
    )
    t.add_argument(
        "paths",
        nargs="+",
        type=flow_path,
        metavar="PATH",
        help="a scenario file or a folder of them (builtin: names the shipped flows)",
    )
    t.add_argument("--junit-xml", metavar="FILE", help="also write the results as JUnit XML")
    t.add_argument("--no-coverage", action="store_true", help="do not print the coverage report")
    t.add_argument("-q", "--quiet", action="store_true", help="print failures and the summary only")
    t.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    files, missing = find_files(args.paths, is_scenario_file)
    if report_missing(missing):
        return EXIT_USAGE
    if not files:
        print("statewise: error: no scenario files (*.scenario.yaml) found", file=sys.stderr)
        return EXIT_USAGE
    from engine.testing import ScenarioRunner, write_junit

    runner = ScenarioRunner()
    results = []
    for f in files:
        result = runner.run_file(f)
        results.append(result)
        if result.status == "xfail":
            if not args.quiet:
                print(f"XFAIL {f}  ({result.name}): {result.xfail}")
            continue
        if result.passed:
            if not args.quiet:
                print(f"PASS  {f}  ({result.name})")
            continue
        print(f"FAIL  {f}  ({result.name})")
        for failure in result.failures:
            print("  " + failure.format().replace("\n", "\n  "))
    failed = sum(1 for r in results if not r.passed)
    if not args.no_coverage and not args.quiet:
        report = runner.coverage.report()
        if report:
            print("\ncoverage:")
            print("  " + report.replace("\n", "\n  "))
    if args.junit_xml:
        try:
            write_junit(results, args.junit_xml)
        except OSError as exc:
            print(f"statewise: error: cannot write {args.junit_xml}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    xfailed = sum(1 for r in results if r.status == "xfail")
    summary = f"{len(results) - failed - xfailed} passed, {failed} failed"
    print(f"\n{summary}" + (f", {xfailed} xfailed" if xfailed else ""))
    return EXIT_PROBLEMS if failed else EXIT_OK
