"""Stage 3b: leave out what the schema rejected, so the later checks can run on the rest.

A file with schema errors still gets its names, references, expressions and templates
checked: the keys and values that break the schema are taken out of a copy of the data
(the positions stay as they are), and the model is built from what is left. What is
taken out, and how, is chosen so that the rest does not report follow-on errors:

* an unknown or misplaced key is dropped;
* a broken state becomes an empty state (``{}``), so targets naming it still resolve;
* a broken field declaration (context, record, event or task data) stays declared with
  an unknown type (:data:`LOOSE`), so expressions using the field are still checked;
* a broken list item becomes ``None`` (indexes, and so the paths of the items after it,
  stay right); the builder skips items that are not mappings or text;
* anything else is dropped, and when that leaves its mapping without a required key, the
  mapping goes too (a following round).

The rounds stop when the rest fits the schema (list placeholders aside). When a missing
top-level key cannot be made up (``states``) or the rounds do not converge, the model
checks are skipped and the loader says so.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.loader.schema import Broken, invalid_paths
from engine.loader.yaml_source import Document, Pointer

__all__ = ["Pruned", "prune"]

#: Rounds of pruning before giving up (each round handles what the previous one left).
MAX_ROUNDS = 8

#: Stand-ins for required top-level keys that the model can do without.
_PLACEHOLDERS: dict[str, Any] = {"id": "unnamed", "version": 1}

#: Stand-ins for a named entry that cannot be kept as written: references to it still
#: resolve, so they report nothing that is not there.
_STUBS: dict[str, Any] = {
    "states": {},
    "calendars": {"timezone": "UTC", "days": ["mon"], "opens": "00:00", "closes": "23:59"},
    "templates": {"body": ""},
    "tasks": {},
    "events": {},
}


@dataclass(slots=True)
class Pruned:
    """The document without its broken parts, what was taken out, and the field
    declarations kept with an unknown type (:attr:`loose`)."""

    doc: Document
    removed: list[Pointer]
    loose: frozenset[Pointer]


def _field_root(path: Pointer) -> Pointer | None:
    """The field declaration a path is inside, if any: ``context.x``, ``...fields.x``,
    ``events.e.data.x``, ``tasks.t.input.x`` / ``tasks.t.result.x``."""
    data_of = {"events": ("data",), "tasks": ("input", "result")}
    root: Pointer | None = None
    if len(path) >= 2 and path[0] == "context":
        root = path[:2]
    elif len(path) >= 4 and isinstance(path[0], str) and path[2] in data_of.get(path[0], ()):
        root = path[:4]
    for i in range(len(path) - 1, 0, -1):  # the innermost record field wins
        if path[i - 1] == "fields" and (root is None or i + 1 > len(root)):
            return path[: i + 1]
    return root


def _without_placeholders(data: Any) -> Any:
    """The data as the schema sees it: list placeholders (``None``) removed."""
    if isinstance(data, dict):
        return {k: _without_placeholders(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_placeholders(v) for v in data if v is not None]
    return data


def _restore(data: Any, path: Pointer) -> Pointer:
    """A path into ``_without_placeholders(data)`` as a path into ``data``."""
    out: list[str | int] = []
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int):
            kept = [i for i, v in enumerate(node) if v is not None]
            real = kept[part] if 0 <= part < len(kept) else part
            out.append(real)
            node = node[real] if 0 <= real < len(node) else None
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def _get(data: Any, path: Pointer) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _stub(path: Pointer) -> Any:
    """The stand-in for a state or a top-level declaration at ``path``, else None."""
    if len(path) >= 2 and path[-2] == "states":
        return {}
    if len(path) == 2 and isinstance(path[0], str) and path[0] in _STUBS:
        return copy.deepcopy(_STUBS[path[0]])
    return None


def _remove(data: dict[str, Any], broken: Broken, loose: set[Pointer]) -> bool:
    """Take a broken part out of ``data``; False when it cannot be (the root, ``states``)."""
    path, key_wrong = broken
    if not path:
        return False
    if len(path) == 1 and isinstance(path[0], str) and not key_wrong:
        if path[0] in _PLACEHOLDERS:
            data[path[0]] = _PLACEHOLDERS[path[0]]
            return True
        if path[0] == "states":
            return False
    field = _field_root(path)
    if field is not None and field not in loose and not (key_wrong and field == path):
        loose.add(field)
        parent = _get(data, field[:-1])
        if isinstance(parent, dict):
            parent[field[-1]] = "string"  # declared; typed as unknown through ``loose``
            return True
    parent = _get(data, path[:-1])
    key = path[-1]
    stub = None if key_wrong else _stub(path)
    if isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
        parent[key] = None
    elif isinstance(parent, dict) and key in parent:
        if stub is not None:
            parent[key] = stub
        else:
            del parent[key]
    return True


def prune(doc: Document, broken: Iterable[Broken]) -> Pruned | None:
    """A copy of ``doc`` without its ``broken`` parts (and what that leaves broken), or
    None when the rest cannot be made to fit the schema."""
    data = copy.deepcopy(doc.data)
    if not isinstance(data, dict):
        return None
    removed: list[Pointer] = []
    done: set[Broken] = set()
    loose: set[Pointer] = set()
    todo = list(broken)
    for _ in range(MAX_ROUNDS):
        for item in sorted(set(todo), key=lambda b: len(b[0])):
            path = item[0]
            if any(path[: len(r)] == r and len(path) > len(r) for r in removed):
                continue  # inside something already taken out
            if not _remove(data, item, loose):
                return None
            done.add(item)
            removed.append(path)
        again = [(_restore(data, p), k) for p, k in invalid_paths(_without_placeholders(data))]
        if not again:
            pruned = Document(doc.file, doc.text, data, doc.values, doc.keys)
            return Pruned(pruned, removed, frozenset(loose))
        todo = [b for b in again if b not in done]
        if not todo:
            return None  # taking things out does not make the rest fit
    return None
