"""Putting a worker (or an operator command) together: store, charts, handlers, transports.

**The application hook** (``--app module:function``): a function that returns a mapping
with any of

* ``tasks``: ``{task name: handler}`` (handlers as for ``Engine(tasks=...)``),
* ``transports``: ``{channel: Transport}``; these replace the defaults below,
* ``functions``: a ``FunctionRegistry`` for charts that call functions of their own,
* ``clock``: the engine's clock (default: the system clock; a simulation passes its own).

The function takes no arguments, or one: the database URL (``--db``), for applications
that keep their own tables in the statewise database (``engine.reference.app:make``).

Without it (or for channels it leaves out) e-mail goes through SMTP when
``STATEWISE_SMTP_HOST`` is set (``STATEWISE_SMTP_PORT``, default 25;
``STATEWISE_SMTP_SENDER``, default ``statewise@localhost``; ``STATEWISE_SMTP_SECURITY``:
none, starttls or tls; ``STATEWISE_SMTP_USER``/``STATEWISE_SMTP_PASSWORD``), and SMS
through the HTTP gateway at ``STATEWISE_SMS_URL`` (``STATEWISE_SMS_TOKEN``,
``STATEWISE_SMS_SENDER``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.discovery import find_files, is_chart_file
from engine.errors import StatewiseError

if TYPE_CHECKING:
    from engine.expr import FunctionRegistry
    from engine.model import Chart
    from engine.notify.transports import Transport
    from engine.runtime import Clock
    from engine.service import Engine, TaskHandler
    from engine.store.sql import SqlStore

__all__ = [
    "App",
    "SetupError",
    "default_transports",
    "deferred_engine",
    "load_app",
    "load_definitions",
    "open_store",
    "sqlite_path",
    "stored_versions",
]


class SetupError(StatewiseError):
    """The worker or command cannot be set up (bad --app, definitions, configuration)."""


class App:
    """What the application contributes: task handlers, transports, functions, a clock."""

    def __init__(
        self,
        tasks: Mapping[str, TaskHandler] | None = None,
        transports: Mapping[str, Transport] | None = None,
        functions: FunctionRegistry | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.tasks = dict(tasks or {})
        self.transports = dict(transports or {})
        self.functions = functions
        self.clock = clock


def load_app(spec: str | None, db: str | None = None) -> App:
    """Import ``module:function`` and call it (with ``db`` if it takes an argument);
    ``None`` gives an empty application."""
    if not spec:
        return App()
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SetupError(f"--app {spec!r}: expected module:function, e.g. myshop.workflow:setup")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would: the application is here
    try:
        factory: Callable[..., Any] = getattr(import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SetupError(f"--app {spec!r}: cannot import it: {exc}") from exc
    try:
        made = factory(db) if _takes_argument(factory) else factory()
    except Exception as exc:  # the application's own failure: say so, no traceback
        raise SetupError(f"--app {spec!r} failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(made, Mapping):
        raise SetupError(f"--app {spec!r} returned {type(made).__name__}, not a mapping")
    unknown = sorted(set(made) - {"tasks", "transports", "functions", "clock"})
    if unknown:
        raise SetupError(
            f"--app {spec!r}: unknown key(s) {', '.join(unknown)}; "
            "expected tasks, transports, functions, clock"
        )
    return App(made.get("tasks"), made.get("transports"), made.get("functions"), made.get("clock"))


def _takes_argument(factory: Callable[..., Any]) -> bool:
    import inspect

    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: call it plainly
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def default_transports(env: Mapping[str, str] | None = None) -> dict[str, Transport]:
    """SMTP e-mail and HTTP SMS configured from the environment (see the module doc)."""
    env = os.environ if env is None else env
    out: dict[str, Transport] = {}
    host = env.get("STATEWISE_SMTP_HOST")
    if host:
        from engine.notify.smtp import SmtpTransport

        try:
            port = int(env.get("STATEWISE_SMTP_PORT", "25"))
            out["email"] = SmtpTransport(
                host,
                port,
                sender=env.get("STATEWISE_SMTP_SENDER", "statewise@localhost"),
                security=env.get("STATEWISE_SMTP_SECURITY", "none"),
                username=env.get("STATEWISE_SMTP_USER") or None,
                password=env.get("STATEWISE_SMTP_PASSWORD") or None,
            )
        except ValueError as exc:
            raise SetupError(f"SMTP settings (STATEWISE_SMTP_*): {exc}") from exc
    url = env.get("STATEWISE_SMS_URL")
    if url:
        from engine.notify.sms import HttpSmsTransport

        try:
            out["sms"] = HttpSmsTransport(
                url,
                token=env.get("STATEWISE_SMS_TOKEN") or None,
                sender=env.get("STATEWISE_SMS_SENDER") or None,
            )
        except ValueError as exc:
            raise SetupError(f"STATEWISE_SMS_URL: {exc}") from exc
    return out


def load_definitions(folder: str | Path, functions: FunctionRegistry | None = None) -> list[Chart]:
    """Every chart under ``folder`` (recursively; fragments and scenarios skipped).

    Several versions of one chart may sit side by side (each file its own ``version``).
    Raises :class:`SetupError` naming the first broken file.
    """
    from engine.errors import DefinitionError
    from engine.loader import validate_path

    root = Path(folder)
    if not root.is_dir():
        raise SetupError(f"--definitions {folder}: no such folder")
    charts: list[Chart] = []
    for path in find_files([str(folder)], is_chart_file)[0]:
        result = validate_path(path, functions=functions)
        if not result.ok:
            if result.chart is None and not any(d.is_error for d in result.diagnostics):
                continue  # a fragment: checked as part of the charts that include it
            raise SetupError(f"{path}: {DefinitionError(result.diagnostics)}")
        assert result.chart is not None
        charts.append(result.chart)
    return charts


def stored_versions(
    store: Any,
    charts: list[Chart],
    wanted: list[tuple[str, int | None]],
    functions: FunctionRegistry | None = None,
) -> list[Chart]:
    """The chart versions in ``wanted`` (``None``: the latest) that ``charts`` lack, loaded
    from the files the store kept (:mod:`engine.loader.bundle`), so a command can act on an
    instance, or start one, without the definitions folder. A version whose files were not
    kept is left out (the engine then says it is not registered)."""
    from engine.service.versions import stored_chart

    have = {(c.id, c.version) for c in charts} | {(c.id, None) for c in charts}
    out: list[Chart] = []
    for chart_id, version in wanted:
        if (chart_id, version) in have:
            continue
        if version is None:
            found = store.chart_versions(chart_id)
            if not found:
                continue
            version = found[-1].version
        chart = stored_chart(store, chart_id, version, functions)
        if chart is not None:
            out.append(chart)
    return out


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, None for other databases."""
    if not url.startswith("sqlite"):
        return None
    _, sep, rest = url.partition(":///")
    if not sep:
        return None
    return Path(rest.split("?", 1)[0])


def open_store(url: str) -> SqlStore:
    """Open the SQL store at ``url``; a missing SQLite file is a database that is away.

    (SQLite would create an empty file, which the next ``statewise db upgrade`` could not
    tell from a fresh database.) Raises ``DatabaseError``, ``SchemaNotCurrent`` or
    ``ValueError`` (a URL statewise cannot use).
    """
    from engine.store.sql import DatabaseError, SqlStore

    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise DatabaseError(f"cannot open {url}: no such database file")
    try:
        return SqlStore(url)
    except (DatabaseError, ValueError):
        raise
    except StatewiseError:
        raise
    except Exception as exc:  # the driver's "connection refused" surfaces in several shapes
        raise DatabaseError(f"cannot open {url}: {exc}") from exc


def _deferred_task(
    input: Mapping[str, Any], /, *, idempotency_key: str, instance: Any
) -> Mapping[str, Any] | None:
    raise StatewiseError("operator commands perform no tasks; a worker does")


class _DeferredTransport:
    def send(self, message: Any, *, idempotency_key: str) -> None:
        raise StatewiseError("operator commands send no messages; a worker does")


def deferred_engine(
    store: SqlStore,
    charts: list[Chart],
    functions: FunctionRegistry | None = None,
    clock: Clock | None = None,
) -> Engine:
    """An engine for operator commands: it commits steps and leaves their effects pending
    for a worker (``engine.service.ops.send_deferred``); handlers are placeholders.
    ``functions``: the application's functions, for charts that call them."""
    from engine.service import Engine
    from engine.service.registry import chart_needs

    tasks: dict[str, TaskHandler] = {}
    channels: dict[str, Transport] = {}
    for chart in charts:
        needs = chart_needs(chart)
        tasks.update(dict.fromkeys(needs.tasks, _deferred_task))
        channels.update(dict.fromkeys(needs.channels, _DeferredTransport()))
    return Engine(
        store, clock, tasks=tasks, transports=channels, charts=charts, functions=functions
    )
