"""Who is asking, and may they? One place decides, for the API, the console and the CLI.

A :class:`Principal` is a signed-in person (``user``; from the console's session or a
company SSO proxy's header) or an integration (``token``). The decisions:

* **reading** (queues, instances, history): every signed-in person; a token only for the
  charts it lists;
* **sending an event**: a token only the events of the charts it lists; a person only a
  chart's *manual actions* (the buttons), unless they have the ``admin`` role; and for an
  event that only manual transitions take, one of the roles their ``manual.roles`` name
  (the runtime then checks each transition's roles again, with the same roles);
* **starting an instance**: a token listing the chart, or an ``admin``;
* **outbox retries and other administration**: the ``admin`` role.

Refusals are ``OpsError(kind="forbidden")`` naming what was missing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.model import Chart

__all__ = ["ADMIN", "ANY", "Principal", "TokenCache", "manual_roles"]

#: the role that may administer: send any event, start instances, retry dead letters
ADMIN = "admin"
#: a token's list entry for "every chart" / "every event"
ANY = "*"


#: (chart object id, event) -> (the chart, what manual_roles found): charts are frozen, and
#: every request that sends an event asks; the chart is kept so that its id stays its own
_MANUAL: dict[tuple[int, str], tuple[Chart, tuple[bool, tuple[str, ...], tuple[str, ...]]]] = {}


def manual_roles(chart: Chart, event: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """For ``event`` on ``chart``: (only manual transitions take it, the roles they name
    (empty when one of them names none), their labels)."""
    known = _MANUAL.get((id(chart), event))
    if known is not None and known[0] is chart:
        return known[1]
    found = _manual_roles(chart, event)
    if len(_MANUAL) > 10_000:  # bounded: events are names a chart declares, but be safe
        _MANUAL.clear()
    _MANUAL[(id(chart), event)] = (chart, found)
    return found


def _manual_roles(chart: Chart, event: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    from engine.model import matches

    manual_only = True
    found = False
    roles: set[str] = set()
    open_to_all = False
    labels: list[str] = []
    for state in chart.states.values():
        for t in state.transitions:
            if not any(matches(d, event) for d in t.events):
                continue
            found = True
            if t.manual is None:
                manual_only = False
                continue
            labels.append(t.manual.label)
            if t.manual.roles:
                roles.update(t.manual.roles)
            else:
                open_to_all = True
    if not found:
        return False, (), ()
    return manual_only, (() if open_to_all else tuple(sorted(roles))), tuple(labels)


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in person or an integration; ``charts``/``events`` limit a token."""

    name: str
    kind: Literal["user", "token"]
    roles: frozenset[str] = frozenset()
    charts: frozenset[str] = frozenset({ANY})
    events: frozenset[str] = frozenset({ANY})
    #: the token's id (the scope of its idempotency keys); the user name for people
    ident: str = ""

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def actor(self) -> str:
        """The name audit lines carry."""
        return self.name if self.kind == "user" else f"token:{self.name}"

    def sees(self, chart_id: str) -> bool:
        return ANY in self.charts or chart_id in self.charts

    # -- decisions ------------------------------------------------------------------------
    def require_chart(self, chart_id: str) -> None:
        if not self.sees(chart_id):
            raise OpsError(
                f"token {self.name!r} is limited to the charts {_listed(self.charts)}; "
                f"{chart_id!r} is not one of them",
                "forbidden",
            )

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise OpsError(
                f"{what} needs the role {ADMIN!r}; {self.name} has {_listed(self.roles) or 'no role'}",
                "forbidden",
            )

    def require_start(self, chart_id: str) -> None:
        if self.kind == "token":
            self.require_chart(chart_id)
            return
        self.require_admin(f"starting an instance of {chart_id!r}")

    def require_send(self, chart: Chart, event: str) -> None:
        """May this principal send ``event`` to instances of ``chart``?"""
        if self.kind == "token":
            self.require_chart(chart.id)
            if ANY not in self.events and event not in self.events:
                raise OpsError(
                    f"token {self.name!r} may send the events {_listed(self.events)}; "
                    f"{event!r} is not one of them",
                    "forbidden",
                )
        manual_only, roles, labels = manual_roles(chart, event)
        if self.kind == "user" and not self.is_admin and not labels:
            raise OpsError(
                f"{event!r} is not a manual action of {chart.id!r}; people send manual "
                f"actions only (or need the role {ADMIN!r})",
                "forbidden",
            )
        if manual_only and roles and self.roles.isdisjoint(roles):
            raise OpsError(
                f"'{labels[0]}' ({event}) needs one of the roles {', '.join(roles)}; "
                f"{self.name} has {_listed(self.roles) or 'no role'}",
                "forbidden",
            )


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


_T = TypeVar("_T")


class TokenCache(Generic[_T]):
    """API tokens a server process has verified, kept ``ttl`` seconds.

    A webhook sender presents the same token on every request; verifying it each time (a
    database read and a hash) is most of a small request's cost. A verified token is
    remembered (under a SHA-256 of its text, never the text) for ``ttl`` seconds, then
    verified again. So a revoked token keeps working in a process that verified it for at
    most ``ttl`` seconds (docs/deployment.md); ``ttl`` 0 verifies every request. Tokens
    that fail are not remembered. At most ``size`` tokens are kept (the oldest go first).
    """

    def __init__(
        self, ttl: float = 5.0, *, size: int = 1000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._found: dict[bytes, tuple[float, _T]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.sha256(text.encode()).digest()

    def get(self, text: str) -> _T | None:
        """What verifying ``text`` gave, if it was verified less than ``ttl`` seconds ago."""
        if self.ttl <= 0:
            return None
        found = self._found.get(self._key(text))
        if found is None or self._clock() >= found[0]:
            return None
        return found[1]

    def put(self, text: str, value: _T) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._found) >= self.size:
                now = self._clock()
                kept = {k: v for k, v in self._found.items() if v[0] > now}
                while len(kept) >= self.size:  # still full: the oldest entries go
                    kept.pop(next(iter(kept)))
                self._found = kept
            self._found[self._key(text)] = (self._clock() + self.ttl, value)

    def forget(self) -> None:
        with self._lock:
            self._found = {}
