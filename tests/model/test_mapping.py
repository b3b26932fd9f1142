"""The state mapping of ``statewise migrate --map`` and ``statewise replay --map``."""

from __future__ import annotations

import pytest

from engine.loader import load_text
from engine.model.mapping import StateMap, UnknownReference

NEW = load_text("""
id: m.chart
version: 2
states:
  pending:
    initial: checking
    states:
      checking: {on: {ok: done}}
      on_hold: {on: {ok: done}}
  review: {on: {ok: done}}
  done: {type: final}
""")
OLD_IDS = ["waiting", "review.legal", "review.tax", "done", "archive.old"]


@pytest.mark.parametrize(
    ("state", "target", "problem"),
    [
        ("waiting", "pending", None),  # mapped to a compound state
        ("review.legal", "review", None),  # a compound state's mapping covers its substates
        ("review.tax", "review", None),
        ("done", "done", None),  # no mapping: the same id, which the new version has
        ("archive.old", None, "no mapping for state 'archive.old' (version 2 has no such state)"),
    ],
)
def test_targets(state: str, target: str | None, problem: str | None) -> None:
    states = StateMap(OLD_IDS, NEW, {"waiting": "pending", "review": "review"})
    assert states.target(state) == (target, problem)


def test_a_target_the_new_version_lacks() -> None:
    states = StateMap(OLD_IDS, NEW, {"waiting": "nowhere"})
    assert states.target("waiting") == (
        None, "'waiting' maps to 'nowhere', which version 2 does not have"
    )  # fmt: skip


def test_references_resolve_like_state_references() -> None:
    states = StateMap(OLD_IDS, NEW, {"legal": "pending.on_hold"})
    assert states.target("review.legal") == ("pending.on_hold", None)
    with pytest.raises(UnknownReference, match="ambiguous"):
        StateMap(["a.x", "b.x"], NEW, {"x": "review"})
    with pytest.raises(UnknownReference, match="names no state"):
        StateMap(OLD_IDS, NEW, {"nowhere": "review"})
    lenient = StateMap(OLD_IDS, NEW, {"nowhere": "review"}, strict=False)
    assert lenient.unused == ["nowhere"]


def test_an_old_chart_gives_its_state_ids() -> None:
    old = load_text("id: m.chart\nversion: 1\nstates:\n  a: {states: {b: {on: {x: c}}}}\n  c: {}\n")
    states = StateMap(old, NEW, {"a": "review"})
    assert states.target("a.b") == ("review", None)
