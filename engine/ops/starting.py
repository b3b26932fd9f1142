"""Starting an instance of a chart, by its id, with a business key and a context.

The first step is committed here; with ``deferred=True`` (operator commands, the HTTP API:
they hold no transports) the e-mails and tasks it leads to stay in the outbox for a worker.
Failures the caller can fix are :class:`~engine.ops.errors.OpsError`: an unknown chart
(``not_found``), a key already used (``conflict``), a context that does not fit the chart
(``problem``, listing every field that does not).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.service import Engine, Instance

__all__ = ["start_instance"]


def start_instance(
    engine: Engine,
    chart: str,
    context: Mapping[str, Any] | None = None,
    *,
    key: str | None = None,
    deferred: bool = True,
) -> Instance:
    """A new instance of the latest version of ``chart`` registered with ``engine`` (see the
    module doc); unlike :func:`engine.ops.acting.start_as`, no principal's rights are
    checked: this is for operators at the command line."""
    from engine.ops.acting import start_deferred
    from engine.runtime import ContextError, RuleBroken
    from engine.service import ConfigurationError
    from engine.store import DuplicateKey

    try:
        if deferred:
            return start_deferred(engine, chart, context, key=key)
        return engine.start(chart, context, key=key)
    except ConfigurationError as exc:
        raise OpsError(str(exc), "not_found") from exc
    except DuplicateKey as exc:
        raise OpsError(str(exc), "conflict") from exc
    except (ContextError, RuleBroken) as exc:
        raise OpsError(str(exc), "problem") from exc
