"""Where the states of one chart version go in another: the state mapping ``statewise
migrate --map OLD=NEW`` and ``statewise replay --map OLD=NEW`` take.

A stored leaf state maps through the nearest entry of the mapping among itself and its
ancestors (a mapping of a compound state covers its substates); a state without an entry
keeps its id when the new version has it. Both commands use this one class, so a replay
and a migration with the same mapping put every instance in the same states.

State ids are dotted paths (``order.status.open``), so the old version is known by its
state ids alone: the ids of its chart, or the ids an instance's stored history names.
An ``OLD`` reference is resolved like any state reference: the full id or a unique suffix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.model.chart import Chart

__all__ = ["StateMap", "UnknownReference"]


class UnknownReference(ValueError):
    """An ``OLD`` reference of the mapping names no state (or several) of the old version."""

    def __init__(self, ref: str, target: str, candidates: tuple[str, ...]) -> None:
        self.ref, self.target, self.candidates = ref, target, candidates
        what = "is ambiguous: " + ", ".join(candidates) if candidates else "names no state"
        super().__init__(f"--map {ref}={target}: {ref!r} {what}")


def _with_ancestors(ids: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for sid in ids:
        parts = sid.split(".")
        out.update(".".join(parts[: n + 1]) for n in range(len(parts)))
    out.discard("")
    return out


def _suffix_matches(ref: str, ids: Iterable[str]) -> tuple[str, ...]:
    tail = "." + ref
    return tuple(sorted(s for s in ids if s == ref or s.endswith(tail)))


class StateMap:
    """Maps state ids of an old version (``old``: its chart, or state ids it has) to states
    of ``new`` through ``mapping`` (``OLD`` reference -> ``NEW`` reference).

    ``strict``: an ``OLD`` reference that names no state of ``old`` raises
    :class:`UnknownReference` (``migrate``, which knows the whole old chart); otherwise it is
    listed in :attr:`unused` (``replay``, which knows the states instances were in). An
    ambiguous reference always raises.
    """

    def __init__(
        self,
        old: Chart | Iterable[str],
        new: Chart,
        mapping: Mapping[str, str],
        *,
        strict: bool = True,
    ) -> None:
        self.new = new
        ids = _with_ancestors(s for s in old.states if s) if isinstance(old, Chart) else None
        if ids is None:
            ids = _with_ancestors(old)  # type: ignore[arg-type]
        self.entries: dict[str, str] = {}
        #: references of the mapping that name no known state of the old version
        self.unused: list[str] = []
        for ref, target in mapping.items():
            found = _suffix_matches(ref, ids)
            if len(found) == 1:
                self.entries[found[0]] = target
            elif found:
                raise UnknownReference(ref, target, found)
            elif strict:
                raise UnknownReference(ref, target, ())
            else:
                self.unused.append(ref)
        self._cache: dict[str, tuple[str | None, str | None]] = {}

    def target(self, state_id: str) -> tuple[str | None, str | None]:
        """(the new version's state id, None) or (None, why the state has no counterpart)."""
        found = self._cache.get(state_id)
        if found is None:
            found = self._cache[state_id] = self._target(state_id)
        return found

    def _target(self, state_id: str) -> tuple[str | None, str | None]:
        new = self.new
        parts = state_id.split(".")
        for n in range(len(parts), 0, -1):  # the state, then its ancestors, nearest first
            sid = ".".join(parts[:n])
            if sid in self.entries:
                ref = self.entries[sid]
                try:
                    return new.resolve(ref), None
                except KeyError:
                    return (
                        None,
                        f"'{state_id}' maps to '{ref}', which version {new.version} does not have",
                    )
        if state_id in new.states:
            return state_id, None
        return (
            None,
            f"no mapping for state '{state_id}' (version {new.version} has no such state)",
        )
