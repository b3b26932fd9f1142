"""The operations layer: what operators and integrations do to instances, once for every
surface. The CLI commands and the HTTP API/console are thin shells over these functions.

* :mod:`.setup`: the store, the charts, the application's handlers and transports;
* :mod:`.instances`: finding an instance by id or by chart and business key, its details;
* :mod:`.select`: instances by chart, state, state tag or spawn, paged;
* :mod:`.sending`: one event to one instance, or to many selected ones (per-item results);
* :mod:`.notes`, :mod:`.forcing`, :mod:`.outbox`, :mod:`.history`, :mod:`.migration`.

Failures the caller can fix are :class:`~engine.ops.errors.OpsError` with a ``kind``.
Modules are imported by their users (this package's ``__init__`` loads nothing), so the
CLI's ``--help`` stays cheap.
"""
