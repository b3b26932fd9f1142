"""Manual transitions: roles, notes, and the list of actions people may take."""

from __future__ import annotations

import pytest

from engine.runtime import EventRefused
from tests.runtime.helpers import T0, Machine

CHART = """
id: t.manual
version: 1
context:
  amount: {type: integer, default: 10}
states:
  pending:
    on:
      approve:
        target: approved
        guard: amount > 0
        manual: {label: Approve, roles: [admin, manager], note_required: true}
      reject:
        target: rejected
        manual: {label: Reject}
      escalate:
        target: escalated
        guard: amount > 100
        manual: {label: Escalate, roles: [clerk]}
  approved: {}
  rejected: {}
  escalated: {}
"""

CASES = [
    # (roles, note, expected: a state or the blocker codes)
    (frozenset({"clerk"}), "ok", ["role_not_allowed"]),
    (frozenset({"clerk"}), None, ["role_not_allowed", "note_required"]),
    (frozenset({"admin"}), None, ["note_required"]),
    (frozenset({"admin"}), "   ", ["note_required"]),
    (frozenset({"manager", "clerk"}), "checked", "approved"),
    (None, "integration", "approved"),  # roles None: not checked (a system)
    (None, None, ["note_required"]),
]


@pytest.mark.parametrize(("roles", "note", "expected"), CASES)
def test_roles_and_notes(
    roles: frozenset[str] | None, note: str | None, expected: str | list[str]
) -> None:
    m = Machine(CHART)
    if isinstance(expected, str):
        m.send("approve", roles=roles, note=note)
        assert m.config == {expected}
        return
    with pytest.raises(EventRefused) as info:
        m.send("approve", roles=roles, note=note)
    assert [b.code for b in info.value.blockers] == expected


def test_manual_actions_for_roles() -> None:
    m = Machine(CHART)
    actions = m.interp.manual_actions(m.snapshot, T0, instance=m.info(), roles=frozenset({"clerk"}))
    assert [(a.event, a.label, a.enabled) for a in actions] == [
        ("reject", "Reject", True),
        ("escalate", "Escalate", False),
    ]
    escalate = actions[1]
    assert [b.code for b in escalate.blockers] == ["guard_false"]
    assert escalate.blockers[0].clauses[0].values == {"amount": 10}


def test_manual_actions_without_roles_lists_all_of_the_active_states() -> None:
    m = Machine(CHART)
    actions = m.interp.manual_actions(m.snapshot, T0, instance=m.info())
    assert [a.event for a in actions] == ["approve", "reject", "escalate"]
    approve = actions[0]
    assert approve.roles == ("admin", "manager") and approve.note_required and approve.enabled
    m.send("reject")
    assert m.interp.manual_actions(m.snapshot, T0, instance=m.info()) == ()
