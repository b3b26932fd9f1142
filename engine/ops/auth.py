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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.model import Chart

__all__ = ["ADMIN", "ANY", "Principal", "manual_roles"]

#: the role that may administer: send any event, start instances, retry dead letters
ADMIN = "admin"
#: a token's list entry for "every chart" / "every event"
ANY = "*"


def manual_roles(chart: Chart, event: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """For ``event`` on ``chart``: (only manual transitions take it, the roles they name
    (empty when one of them names none), their labels)."""
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
