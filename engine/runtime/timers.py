"""What entering a state starts: the timers of its ``after`` transitions (as it is
entered) and its invocations (at the end of the macrostep, if it is still active)."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.errors import EvaluationError
from engine.model import Calendar, Chart, Timer
from engine.runtime.actions import evaluate_data
from engine.runtime.calendar import calendar_from_value, due_time, open_days_deadline
from engine.runtime.effects import LogEntry
from engine.runtime.errors import ActionFailed
from engine.runtime.run import Run
from engine.runtime.tables import Tables, TransitionInfo
from engine.runtime.values import PendingTimer

__all__ = ["start_invocations", "start_timer"]

#: A timer whose per-instance calendar is not set: it does not start.
_NO_CALENDAR = object()


def start_timer(chart: Chart, run: Run, t: TransitionInfo) -> None:
    """Schedule the timer of an ``after`` transition as its source state is entered."""
    timer = t.transition.timer
    if timer is None or t.timer_id is None:
        return
    where = f"the timer of {t.transition.describe()}"
    try:
        found = _calendar_of(chart, timer, run)
        if found is _NO_CALENDAR:
            return  # a per-instance calendar that is not set: the timer does not start
        calendar = found if isinstance(found, Calendar) else None
        if timer.delay is not None:
            wait = timer.delay.compiled.fn(run.scope)
            if wait is None:
                return  # an empty (optional) delay starts no timer
            if not isinstance(wait, timedelta):
                raise EvaluationError(timer.delay.text, f"the delay is {wait!r}, not a duration")
            try:
                due: datetime | None = due_time(run.now, wait, calendar)
            except ValueError as exc:
                raise EvaluationError(timer.delay.text, str(exc)) from None
        elif timer.open_days is not None:
            days = timer.open_days.compiled.fn(run.scope)
            if days is None:
                return
            if isinstance(days, bool) or not isinstance(days, int):
                raise EvaluationError(
                    timer.open_days.text, f"open days is {days!r}, not a whole number"
                )
            if calendar is None:
                due = run.now + timedelta(days=days)
            else:
                due = open_days_deadline(run.now, days, calendar)
        else:
            due = run.now
    except EvaluationError as exc:
        raise ActionFailed(exc, where) from exc
    if due is None:
        run.effects.append(
            LogEntry(f"{where} never fires: calendar '{timer.calendar}' never opens")
        )
        return
    run.schedule(PendingTimer(t.timer_id, timer.event, due))


def _calendar_of(chart: Chart, timer: Timer, run: Run) -> Calendar | object | None:
    """The timer's calendar: declared, from a context field, or :data:`_NO_CALENDAR`."""
    if timer.calendar_field is not None:
        value = timer.calendar_field.compiled.fn(run.scope)
        if value is None:
            return _NO_CALENDAR
        return calendar_from_value(value, timer.calendar_field.text)
    return chart.calendars.get(timer.calendar) if timer.calendar else None


def start_invocations(tables: Tables, run: Run) -> None:
    """Start the invocations of the states entered in this macrostep and still active."""
    states = tables.states
    for sid in sorted(set(run.to_invoke), key=lambda s: states[s].order):
        if sid not in run.config:
            continue
        for invoke in states[sid].invokes:
            try:
                data = evaluate_data(invoke.input, run.scope)
            except EvaluationError as exc:
                raise ActionFailed(exc, f"the input of task '{invoke.task}' of '{sid}'") from exc
            run.request_task(invoke.task, data)
