"""A step that fails leaves the store exactly as it was: snapshot, audit, timers, outbox."""

from __future__ import annotations

from typing import Any

import pytest

from engine import ActionFailed, ContextError, Engine, EventRefused, MemoryStore
from engine.store import ConcurrentUpdate

from .conftest import ORDER


def _state(store: MemoryStore) -> dict[str, Any]:
    """Everything the store holds, copied down to the (immutable) records, plus each
    snapshot's context as a plain dict, so an in-place change would show too."""
    return {
        "rows": dict(store._rows),
        "contexts": {i: dict(r.snapshot.context) for i, r in store._rows.items()},
        "keys": dict(store._keys),
        "children": {k: list(v) for k, v in store._children.items()},
        "audit": {k: list(v) for k, v in store._audit.items()},
        "timers": {k: dict(v) for k, v in store._timers.items()},
        "heap": list(store._heap),
        "outbox": dict(store._outbox),
    }


def test_an_action_that_raises_leaves_the_stored_instance_exactly_as_it_was(
    engine: Engine, store: MemoryStore
) -> None:
    inst = engine.start("test.order", {**ORDER, "divisor": 0}, key="A-1")
    record = store.load(inst.id)
    before = _state(store)
    with pytest.raises(ActionFailed) as caught:
        engine.send(inst.id, "recalc", actor="ann", note="try")
    assert "total / divisor" in str(caught.value)
    assert store.load(inst.id) is record  # the very same record object
    assert _state(store) == before
    assert engine.get(inst.id).context["ratio"] is None


def test_refusals_and_bad_starts_store_nothing(engine: Engine, store: MemoryStore) -> None:
    inst = engine.start("test.order", ORDER)
    before = _state(store)
    with pytest.raises(EventRefused):
        engine.send(inst.id, "cancel", roles=["admin"])  # note required
    with pytest.raises(ContextError):
        engine.start("test.order", {"total": "ten"})
    assert _state(store) == before


def test_a_stale_version_is_refused_and_saves_nothing(engine: Engine, store: MemoryStore) -> None:
    inst = engine.start("test.order", ORDER)
    record = store.load(inst.id)
    engine.send(inst.id, "pay")
    before = _state(store)
    with pytest.raises(ConcurrentUpdate):
        store.save(
            inst.id,
            record.snapshot,
            status=record.status,
            expected_version=record.row_version,
            time=record.updated,
            changes=store_changes(),
        )
    assert _state(store) == before


def store_changes() -> Any:
    from engine.store import Changes

    return Changes()
