"""A chart's meaning: what changes a version's identity and what does not."""

from __future__ import annotations

import pytest

from engine.loader import load_text
from engine.model.meaning import changes, meaning

BASE = """\
id: t.m
version: 1
title: Orders
context:
  total: {type: decimal, default: 0}
  limit: {type: decimal, default: 100}
  note: {type: string, optional: true}
events:
  pay: {source: integration, data: {amount: decimal, ref: string}}
templates:
  paid: {channel: email, subject: "Paid", body: "Thanks, {{ total }}"}
states:
  open:
    label: Open
    tags: [waiting]
    on:
      pay:
        - target: paid
          guard: event.amount > 0 and total <= limit
          actions:
            - assign: {total: event.amount, note: event.ref}
          manual: {label: Pay, roles: [clerk, admin]}
        - target: failed
    after:
      - {delay: 2d, target: failed}
  paid:
    entry:
      - notify: {template: paid, to: ["'a@b.c'"], data: {x: total, y: limit}}
    type: parallel
    states:
      ship: {states: {packing: {}, shipped: {}}}
      bill: {states: {billing: {}, billed: {}}}
  failed: {type: final}
"""


def _m(text: str) -> dict:  # type: ignore[type-arg]
    return meaning(load_text(text))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("title: Orders", "title: All orders  # renamed"),
        ("  total: {type: decimal, default: 0}\n  limit: {type: decimal, default: 100}\n",
         "  limit: {default: 100, type: decimal}\n  total: {type: decimal, default: 0}\n"),
        ("event.amount > 0 and total <= limit", "(event.amount > 0) and (total<=limit)"),
        ('"Paid"', "'Paid'"),
        ("label: Open", "label: Opened\n    description: Waiting for payment"),
        ("tags: [waiting]", "tags: [waiting, open]\n    queue: Open orders"),
        ("roles: [clerk, admin]", "roles: [admin, clerk]"),
        ("data: {x: total, y: limit}", "data: {y: limit, x: total}"),
        ("      ship: {states: {packing: {}, shipped: {}}}\n",
         "      ship:\n        states:\n          packing: {}\n          shipped: {}\n"),
        ("manual: {label: Pay,", "manual: {label: Pay now,"),
    ],
    ids=["title", "key order", "guard layout", "quoting", "label", "queue and tags",
         "role order", "data key order", "flow vs block", "manual label"],
)  # fmt: skip
def test_presentation_and_layout_do_not_change_meaning(old: str, new: str) -> None:
    assert old in BASE
    assert _m(BASE.replace(old, new)) == _m(BASE)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("total <= limit", "total < limit", "states.open.transitions.on pay[0].guard"),
        ("- target: failed", "- target: paid", "states.open.transitions.on pay[1].targets"),
        ("Thanks, {{ total }}", "Thank you, {{ total }}", "templates.paid.body"),
        ("default: 100", "default: 200", "defaults.limit"),
        ("delay: 2d", "delay: 3d", "states.open.transitions.after #0[0].timer.delay"),
        ("ref: string}", "ref: string, when: date}", "events.pay.data.when"),
        ("roles: [clerk, admin]", "roles: [clerk]", "states.open.transitions.on pay[0].manual.roles"),
        ("note: event.ref}", "note: \"'x'\"}", "states.open.transitions.on pay[0].actions[0].assign"),
        ("      ship: {states: {packing: {}, shipped: {}}}\n      bill: {states: {billing: {}, billed: {}}}\n",
         "      bill: {states: {billing: {}, billed: {}}}\n      ship: {states: {packing: {}, shipped: {}}}\n",
         "states.paid.regions"),
    ],
    ids=["guard", "target", "template wording", "default", "timer", "event data", "roles",
         "action", "region order"],
)  # fmt: skip
def test_changes_of_meaning_are_named(old: str, new: str, expected: str) -> None:
    assert old in BASE
    found = changes(_m(BASE), _m(BASE.replace(old, new)))
    assert found and all(line.startswith(expected) for line in found), found


def test_fingerprint_is_stable_and_follows_meaning() -> None:
    a, b = load_text(BASE), load_text(BASE.replace("title: Orders", "title: X"))
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 64
    assert load_text(BASE.replace("> 0", ">= 0")).fingerprint != a.fingerprint
