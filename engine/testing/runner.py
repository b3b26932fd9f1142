"""Running scenarios: a fresh in-memory engine per scenario, a manual clock, scripted tasks.

A scenario stops at its first failing step; the failure names the step's position in the
file and shows what differed. Charts are loaded once per runner and shared.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.discovery import is_chart_file
from engine.errors import DefinitionError, StatewiseError
from engine.model import Chart
from engine.notify.transports import MemoryTransport
from engine.runtime import EventRefused, ManualClock
from engine.service import Engine, Instance
from engine.service.registry import chart_needs
from engine.source import Span
from engine.store import MemoryStore
from engine.testing.coverage import Coverage
from engine.testing.expect import Observed, check_expectations
from engine.testing.loading import ScenarioError, load_scenario
from engine.testing.results import Failure, ScenarioResult
from engine.testing.scenario import (
    AdvanceStep,
    ExpectRefusedStep,
    ExpectStep,
    NoteStep,
    Scenario,
    SendStep,
    StartStep,
    Step,
    Target,
    TaskStep,
)
from engine.testing.scripted import ScriptedTasks

__all__ = ["DEFAULT_START", "ScenarioRunner"]

#: when a scenario gives no ``start``: a Monday morning
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class _Stop(Exception):
    """The scenario cannot go on; its failure is already recorded."""


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class ScenarioRunner:
    """Runs scenario files; :attr:`coverage` accumulates over every run."""

    def __init__(self, coverage: Coverage | None = None) -> None:
        self.coverage = coverage if coverage is not None else Coverage()
        self._charts: dict[Path, Chart | DefinitionError] = {}
        self._folders: dict[Path, dict[str, Chart]] = {}
        #: seconds spent loading charts, kept out of the scenarios' own times
        self.loading = 0.0

    def run_file(self, path: str | Path) -> ScenarioResult:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            result = ScenarioResult(str(path), Path(path).name.split(".")[0])
            result.failures = [Failure(d.message, d.span, (d.code,)) for d in exc.diagnostics]
            return result
        return self.run(scenario)

    def run(self, scenario: Scenario) -> ScenarioResult:
        result = ScenarioResult(scenario.file, scenario.name)
        started = time.perf_counter()
        loading = self.loading
        capture = _LogCapture()
        logger = logging.getLogger("statewise.engine")
        logger.addHandler(capture)
        try:
            _Run(self, scenario, result, capture).run()
        except _Stop:
            pass
        finally:
            logger.removeHandler(capture)
            result.seconds = time.perf_counter() - started - (self.loading - loading)
        if scenario.xfail is not None:
            result.xfail = scenario.xfail
            if result.failures:
                result.expected_failures, result.failures = result.failures, []
            else:
                result.failures = [
                    Failure(
                        f"the scenario passed, but it is marked xfail ({scenario.xfail}); "
                        "remove the mark",
                        scenario.span,
                    )
                ]
        return result

    # -- charts -------------------------------------------------------------------------
    def chart(self, path: Path, result: ScenarioResult, span: Span | None) -> Chart:
        found = self._charts.get(path)
        if found is None:
            from engine.loader import load_chart

            started = time.perf_counter()
            try:
                found = load_chart(path)
            except DefinitionError as exc:
                found = exc
            self._charts[path] = found
            self.loading += time.perf_counter() - started
        if isinstance(found, DefinitionError):
            details = tuple(d.format() for d in found.diagnostics if d.is_error)
            result.failures.append(Failure(f"chart {path} does not load", span, details))
            raise _Stop
        self.coverage.add_chart(found)
        return found

    def related(self, main: Chart, folder: Path) -> list[Chart]:
        """The charts ``main`` spawns or sends to, found among the charts of ``folder``."""
        if folder not in self._folders:
            from engine.loader import validate_path

            started = time.perf_counter()
            table: dict[str, Chart] = {}
            for f in sorted(folder.glob("*.y*ml")):
                if not is_chart_file(f):
                    continue
                loaded = validate_path(f)
                if loaded.ok and loaded.chart is not None:
                    table.setdefault(loaded.chart.id, loaded.chart)
            self._folders[folder] = table
            self.loading += time.perf_counter() - started
        table = self._folders[folder]
        out: dict[str, Chart] = {}
        todo = list(chart_needs(main).charts)
        while todo:
            cid = todo.pop()
            if cid in out or cid == main.id or cid not in table:
                continue
            out[cid] = table[cid]
            self.coverage.add_chart(table[cid])
            todo.extend(chart_needs(table[cid]).charts)
        return list(out.values())


class _Run:
    """One scenario run: the engine, its clock and what the steps observed."""

    def __init__(
        self, runner: ScenarioRunner, scenario: Scenario, result: ScenarioResult, log: _LogCapture
    ) -> None:
        self.runner, self.scenario, self.result, self.log = runner, scenario, result, log
        self.observed = Observed()
        self.tasks = ScriptedTasks(self.observed)
        self.refused_at: Span | None = None

    def fail(self, message: str, span: Span | None, details: tuple[str, ...] = ()) -> _Stop:
        if self.log.lines:
            details = (*details, "engine log:", *(f"  {line}" for line in self.log.lines))
        self.result.failures.append(Failure(message, span, details))
        return _Stop()

    def setup(self) -> None:
        sc = self.scenario
        main = self.runner.chart(sc.chart, self.result, sc.span)
        self.result.chart = main.id
        charts = {main.id: main}
        for path in sc.charts:
            extra = self.runner.chart(path, self.result, sc.span)
            charts[extra.id] = extra
        for step in sc.steps:
            if isinstance(step, StartStep) and step.chart is not None:
                extra = self.runner.chart(step.chart, self.result, step.span)
                charts[extra.id] = extra
        for known in list(charts.values()):
            for extra in self.runner.related(known, Path(known.file).parent):
                charts.setdefault(extra.id, extra)
        outbox = MemoryTransport()
        self.observed.messages = outbox.sent
        channels: set[str] = set()
        names: set[str] = set()
        for chart in charts.values():
            needs = chart_needs(chart)
            channels |= needs.channels
            names |= needs.tasks
        self.clock = ManualClock(sc.start or DEFAULT_START)
        self.engine = Engine(
            MemoryStore(),
            self.clock,
            tasks={n: self.tasks.handler(n) for n in sorted(names)},
            transports={c: outbox for c in sorted(channels)},
            charts=charts.values(),
            listeners=[self.runner.coverage],
        )
        self.main = main

    def run(self) -> None:
        self.setup()
        sc = self.scenario
        try:
            self.main_id = self.engine.start(self.main, sc.context, key=sc.key).id
        except StatewiseError as exc:
            raise self.fail(
                f"the instance does not start: {exc}", sc.context_span or sc.span
            ) from None
        for number, step in enumerate(sc.steps, 1):
            self.result.steps = number
            if self.refused_at is not None and not _expects_refusal(step):
                self.unexpected_refusal()
            try:
                self.step(number, step)
            except _Stop:
                raise
            except StatewiseError as exc:
                raise self.fail(f"step {number} ({_kind(step)}): {exc}", step.span) from None
        if self.refused_at is not None:  # the last step's event was refused, unexpectedly
            self.unexpected_refusal()

    def unexpected_refusal(self) -> None:
        refusal = self.observed.refusal
        details = tuple(f"{b.code}: {b.message}" for b in refusal.blockers) if refusal else ()
        raise self.fail(f"{refusal}", self.refused_at, details)

    def instance(self, target: Target | None, span: Span | None) -> Instance:
        if target is None:
            return self.engine.get(self.main_id)
        ids = [target.chart] if target.chart else [c.id for c in self.engine.charts]
        found = [i for i in (self.engine.find(c, target.key) for c in dict.fromkeys(ids)) if i]
        if len(found) != 1:
            what = "no instance" if not found else f"{len(found)} instances"
            raise self.fail(f"{what} with key {target.key!r}", span)
        return found[0]

    def step(self, number: int, step: Step) -> None:
        if isinstance(step, SendStep):
            inst = self.instance(step.instance, step.span)
            try:
                self.engine.send(
                    inst.id,
                    step.event,
                    step.data,
                    actor=step.actor,
                    note=step.note,
                    client_note=step.client_note,
                    roles=step.roles,
                )
            except EventRefused as exc:
                self.observed.refusal, self.refused_at = exc, step.span
        elif isinstance(step, ExpectStep):
            self.expect(number, step)
        elif isinstance(step, ExpectRefusedStep):
            self.expect_refused(number, step)
        elif isinstance(step, AdvanceStep):
            if step.to is not None:
                self.clock.set(max(step.to, self.clock.now()))
            elif step.delta is not None:
                self.clock.advance(step.delta)
            self.engine.tick()
        elif isinstance(step, TaskStep):
            wanted = None if step.instance is None else self.instance(step.instance, step.span).id
            iid = self.tasks.waiting(step.name, wanted)
            if iid is None:
                self.tasks.keep(step, wanted)
            elif step.error is not None:
                self.engine.send(iid, f"error.invoke.{step.name}", {"message": step.error})
            else:
                self.engine.send(iid, f"done.invoke.{step.name}", step.result or {})
        elif isinstance(step, NoteStep):
            inst = self.instance(step.instance, step.span)
            self.engine.note(inst.id, step.text, actor=step.actor)
        elif isinstance(step, StartStep):
            chart = (
                self.main
                if step.chart is None
                else self.runner.chart(step.chart, self.result, step.span)
            )
            self.engine.start(chart, step.context, key=step.key)

    def expect(self, number: int, step: ExpectStep) -> None:
        inst = self.instance(step.instance, step.span)
        mismatches = check_expectations(step.checks, self.engine, inst, self.observed, step.roles)
        if _expects_refusal(step):
            self.observed.refusal, self.refused_at = None, None
        if not mismatches:
            return
        details: list[str] = []
        for m in mismatches:
            where = step.spans.get(m.check)
            details.append(f"{m.headline}" + (f"  (line {where.line})" if where else ""))
            details.extend(f"  {d}" for d in m.details)
        where_now = ", ".join(inst.leaf_states)
        details.append(f"(instance {inst.key or inst.id} is in: {where_now})")
        raise self.fail(f"step {number} (expect) failed", step.span, tuple(details))

    def expect_refused(self, number: int, step: ExpectRefusedStep) -> None:
        inst = self.instance(step.instance, step.span)
        before = self.engine.store.load(inst.id)
        try:
            after = self.engine.send(
                inst.id, step.event, step.data, actor=step.actor, note=step.note, roles=step.roles
            )
        except EventRefused as exc:
            codes = [b.code for b in exc.blockers]
            if step.blocker is not None and step.blocker not in codes:
                details = tuple(f"+ {b.code}: {b.message}" for b in exc.blockers)
                raise self.fail(
                    f"step {number}: '{step.event}' was refused, but not by {step.blocker}",
                    step.span,
                    details,
                ) from None
            if self.engine.store.load(inst.id) is not before:
                raise self.fail(
                    f"step {number}: a refused event changed the instance", step.span
                ) from None
            return
        raise self.fail(
            f"step {number}: expected '{step.event}' to be refused, but it was taken",
            step.span,
            (
                f"before: {', '.join(Instance(before, inst.definition).leaf_states)}",
                f"after:  {', '.join(after.leaf_states)}",
            ),
        )


def _expects_refusal(step: Step) -> bool:
    return isinstance(step, ExpectStep) and ("refused" in step.checks or "reason" in step.checks)


def _kind(step: Step) -> str:
    return {
        SendStep: "send",
        AdvanceStep: "advance",
        TaskStep: "task",
        NoteStep: "note",
        StartStep: "start",
        ExpectStep: "expect",
        ExpectRefusedStep: "expect_refused",
    }[type(step)]
