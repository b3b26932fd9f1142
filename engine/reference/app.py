"""The reference integrations put together: one object for the library, one hook for ``--app``.

    statewise worker --db URL --definitions builtin: --app engine.reference.app:make

:func:`make` is the worker's application hook: it opens the reference systems on the
worker's database and returns every task handler the shipped flows need, and a mailbox
transport (``ref_mail``) for the channels SMTP or the SMS gateway do not cover
(``STATEWISE_SMTP_HOST``, ``STATEWISE_SMS_URL``). Exporters write their files under
``$STATEWISE_EXPORT_DIR`` (default ``./exports``). With ``STATEWISE_CLOCK_FILE`` the worker
and the systems run on the simulated time in that file (:class:`~.clock.FileClock`).

In a program, :func:`open_systems` gives the same systems for an :class:`~engine.Engine`::

    systems = open_systems(url)
    engine = Engine(store, tasks=systems.tasks(), transports=systems.transports(), charts=...)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.reference.clock import FileClock
from engine.reference.collect import CollectStores
from engine.reference.crm import Crm
from engine.reference.db import RefDb
from engine.reference.exports import Exports
from engine.reference.inventory import Inventory
from engine.reference.mailbox import Mailbox
from engine.reference.payments import Payments
from engine.reference.ustore import UStoreServices

if TYPE_CHECKING:
    from engine.notify.transports import Transport
    from engine.runtime import Clock
    from engine.service import TaskHandler
    from engine.store.sql import SqlStore

__all__ = ["ReferenceSystems", "make", "open_systems"]


@dataclass(slots=True)
class ReferenceSystems:
    """The reference systems of the four shipped flows, on one database."""

    db: RefDb
    store: SqlStore
    payments: Payments
    inventory: Inventory
    exports: Exports
    ustore: UStoreServices
    collect: CollectStores
    crm: Crm
    mailbox: Mailbox

    def tasks(self) -> dict[str, TaskHandler]:
        """Every task handler the shipped flows need, by task name."""
        return {
            **self.payments.tasks(),
            **self.inventory.tasks(),
            **self.exports.tasks(),
            **self.ustore.tasks(),
            **self.collect.tasks(),
            **self.crm.tasks(),
        }

    def transports(self) -> dict[str, Transport]:
        """The mailbox for e-mail and SMS (messages are kept in ``ref_mail``)."""
        return {"email": self.mailbox, "sms": self.mailbox}

    def close(self) -> None:
        self.store.close()
        self.db.close()


def open_systems(
    url: str,
    *,
    clock: Clock | None = None,
    export_folder: Path | None = None,
    mail: Transport | None = None,
) -> ReferenceSystems:
    """The reference systems on the statewise database at ``url`` (at the head revision).

    ``clock`` is what the systems take as now (the engine's clock; a simulated one in the
    demo); ``mail`` the transport the e-mail exporter sends through (default: the mailbox).
    """
    from engine.store.sql import SqlStore

    store = SqlStore(url, cache_size=0)  # checks the revision; reads collecting documents
    try:
        db = RefDb(url, clock)
    except BaseException:
        store.close()
        raise

    def lookup(chart: str, key: str) -> Mapping[str, Any] | None:
        found = store.find(chart, key)
        return None if found is None else found.snapshot.context

    mailbox = Mailbox(db)
    folder = export_folder or Path(os.environ.get("STATEWISE_EXPORT_DIR", "exports"))
    return ReferenceSystems(
        db,
        store,
        Payments(db),
        Inventory(db),
        Exports(db, folder=folder, mail=mail or mailbox),
        UStoreServices(db),
        CollectStores(db, lookup),
        Crm(db),
        mailbox,
    )


def make(db: str) -> dict[str, Any]:
    """``--app engine.reference.app:make``: the handlers and transports for a worker.

    E-mail and SMS go to the mailbox unless SMTP or the SMS gateway is configured
    (``STATEWISE_SMTP_HOST``, ``STATEWISE_SMS_URL``); the e-mail exporter sends through the
    same e-mail transport.
    """
    from engine.ops.setup import default_transports

    configured = default_transports()
    clock_file = os.environ.get("STATEWISE_CLOCK_FILE")
    clock = FileClock(clock_file) if clock_file else None
    systems = open_systems(db, clock=clock, mail=configured.get("email"))
    made: dict[str, Any] = {
        "tasks": systems.tasks(),
        "transports": {**systems.transports(), **configured},
    }
    if clock is not None:
        made["clock"] = clock  # the worker runs on the simulated time too
    return made
