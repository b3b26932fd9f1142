"""The one error of the operations layer: what went wrong, in words, and of which kind.

Every surface maps the kind the same way: the CLI to an exit code (``usage`` is 2, the rest
1; docs/cli.md), the HTTP API to a status and a problem-details type.
"""

from __future__ import annotations

from typing import Literal

from engine.errors import StatewiseError

__all__ = ["Kind", "OpsError"]

#: ``usage``: the request itself is malformed (a bad option, a missing argument);
#: ``not_found``: no such instance, chart, state or dead letter;
#: ``forbidden``: the caller lacks a role the chart requires;
#: ``conflict``: the instance changed meanwhile;
#: ``problem``: the request is well formed but cannot be done as asked;
#: ``unauthorized``: no credentials, or credentials that do not hold (a bad password, a
#: revoked token);
#: ``throttled``: too many attempts (sign-ins); try again later.
Kind = Literal[
    "usage", "not_found", "forbidden", "conflict", "problem", "unauthorized", "throttled"
]


class OpsError(StatewiseError):
    """An operation refused for a reason the caller can fix."""

    def __init__(self, message: str, kind: Kind = "problem", *, code: str | None = None) -> None:
        super().__init__(message)
        self.kind: Kind = kind
        #: a finer, stable name than the kind where a surface shows one (an API's
        #: problem code such as ``idempotency_key_reused``); None: the kind says it all
        self.code = code
