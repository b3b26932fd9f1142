"""Semantic diff of two chart versions: matched changes, changelog, coloured diagram."""

from __future__ import annotations

from engine.loader import load_text
from renderers import ChangeKind, diff_charts, render_dot

V1 = """\
id: df.ticket
version: 1
context:
  priority: {type: integer, default: 1}
states:
  open:
    on:
      assign:
        target: working
        guard: priority > 0
        manual: {label: Assign, roles: [lead]}
      close: closed
  working:
    after:
      - {delay: 10m, target: escalated}
    on:
      resolve: resolved
  escalated:
    on:
      resolve: resolved
  resolved:
    on:
      reopen: open
  closed: {type: final}
"""

V2 = """\
id: df.ticket
version: 2
context:
  priority: {type: integer, default: 1}
states:
  open:
    label: Open ticket
    on:
      assign:
        target: working
        guard: priority > 1
        manual: {label: Assign, roles: [lead, agent]}
      close: closed
  working:
    after:
      - {delay: 30m, target: waiting}
    on:
      resolve: resolved
  waiting:
    on:
      resolve: resolved
  resolved:
    on:
      reopen: open
      archive: closed
  closed: {type: final}
"""


def test_changes_are_found_and_named() -> None:
    diff = diff_charts(load_text(V1), load_text(V2))
    states = {(c.kind, c.name): c for c in diff.states}
    assert (ChangeKind.ADDED, "waiting") in states
    assert (ChangeKind.REMOVED, "escalated") in states
    assert states[(ChangeKind.CHANGED, "open")].details == (
        "label changed from `open` to `Open ticket`",
    )
    kinds = [(c.kind, c.name) for c in diff.transitions]
    assert (ChangeKind.ADDED, "`resolved` --archive--> `closed`") in kinds
    assert (ChangeKind.REMOVED, "`escalated` --resolve--> `resolved`") in kinds
    changed = {c.name: c.details for c in diff.transitions if c.kind is ChangeKind.CHANGED}
    assert changed["`open` --assign--> `working`"] == (
        "guard changed from `priority > 0` to `priority > 1`",
        "roles: added `agent`",
    )
    timer = changed["`working` --after 30m--> `waiting`"]
    assert "target changed from `escalated` to `waiting`" in timer
    assert "timer changed from `after 10m` to `after 30m`" in timer


def test_changelog_is_a_markdown_list() -> None:
    log = diff_charts(load_text(V1), load_text(V2)).changelog()
    lines = log.splitlines()
    assert lines[0] == "## df.ticket: version 1 → 2"
    assert all(line.startswith("- ") for line in lines[2:])
    assert "- State `waiting` added." in lines
    assert "- Transition `escalated` --resolve--> `resolved` removed." in lines


def test_no_changes() -> None:
    diff = diff_charts(load_text(V1), load_text(V1))
    assert diff.empty
    assert "No changes" in diff.changelog()


def test_diff_diagram_draws_both_versions_in_colours() -> None:
    diff = diff_charts(load_text(V1), load_text(V2))
    assert {"escalated", "waiting"} <= set(diff.merged.nodes)
    dot = render_dot(diff.merged, decorations=diff.decorations)
    line = {s.split(" [")[0].strip(): s for s in dot.splitlines() if " [" in s}
    assert 'color="#16a34a"' in line["waiting"]  # added: green
    assert 'color="#dc2626"' in line["escalated"] and "dashed" in line["escalated"]  # removed
    assert 'color="#ea580c"' in line["open"]  # changed: orange
    assert "Changes from version 1 to 2" in dot
