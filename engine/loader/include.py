"""Stage 2: merge included fragments into the chart document.

``include:`` at the top merges a fragment's ``context``, ``events``, ``tasks``,
``templates``, ``calendars``, ``states`` and ``ignore``; ``include:`` inside a state merges a
fragment's ``states`` into that state's children. The including document wins: an entry
with the same name replaces the fragment's. Positions keep pointing into the file each
part came from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.loader.files import FileRefused, confine, exists, read_text
from engine.loader.yaml_bounds import MAX_NODES
from engine.loader.yaml_source import Document, Loc, Pointer, format_path, parse_yaml

__all__ = ["MAX_INCLUDED_FILES", "MERGED_SECTIONS", "resolve_includes"]

MERGED_SECTIONS = ("context", "events", "tasks", "templates", "calendars", "states")


#: how many fragment files one chart may include (directly or through other fragments)
MAX_INCLUDED_FILES = 100


class _Resolver:
    def __init__(self, diagnostics: list[Diagnostic], root: Path) -> None:
        self.diagnostics = diagnostics
        self.root = root
        self.sources: list[str] = []
        #: every fragment read so far, expanded (None: it had problems, already reported);
        #: a fragment included many times is read and expanded once
        self.done: dict[str, Document | None] = {}
        self.nodes = 0

    def error(self, code: str, message: str, doc: Document, path: Pointer) -> None:
        self.diagnostics.append(
            Diagnostic(code, Severity.ERROR, message, doc.span(path), format_path(path))
        )

    def load_fragment(
        self, doc: Document, path: Pointer, ref: Any, stack: tuple[str, ...]
    ) -> Document | None:
        if not isinstance(ref, str):
            return None  # the schema reports the wrong type
        try:
            target = confine(ref, Path(doc.file).parent, self.root)
        except FileRefused as refused:
            self.error(refused.code, f"include: {refused.reason}", doc, path)
            return None
        key = str(target)
        if key in stack:
            chain = " -> ".join(Path(s).name for s in (*stack, key))
            self.error(
                "E007",
                f"include cycle: {chain}; expected fragments that do not include each other",
                doc,
                path,
            )
            return None
        if key in self.done:
            return self.done[key]
        if len(self.done) >= MAX_INCLUDED_FILES:
            self.error(
                "E013",
                f"the chart includes more than {MAX_INCLUDED_FILES} fragment files; expected "
                "fewer (merge fragments)",
                doc,
                path,
            )
            return None
        self.done[key] = None
        if not exists(target):
            self.error(
                "E006",
                f"included file '{ref}' not found (looked for {target}); "
                "expected a path relative to this file",
                doc,
                path,
            )
            return None
        try:
            text = read_text(target)
        except FileRefused as refused:  # reported at the include: the file's text is not shown
            self.error(refused.code, f"include: {refused.reason}", doc, path)
            return None
        frag, diags = parse_yaml(text, key, root=str(self.root))
        self.diagnostics.extend(diags)
        if frag is None:
            return None
        self.nodes += len(frag.values)
        if self.nodes > MAX_NODES:
            self.error(
                "E003",
                f"with its fragments the chart has more than {MAX_NODES} nodes; expected a "
                "smaller definition",
                doc,
                path,
            )
            return None
        if not isinstance(frag.data, dict):
            self.error(
                "E006", f"included file '{ref}' is not a mapping; expected a fragment", doc, path
            )
            return None
        if frag.data.get("fragment") is not True:
            self.error(
                "E006",
                f"included file '{ref}' is not marked `fragment: true`; expected a fragment file",
                doc,
                path,
            )
            return None
        self.sources.append(key)
        expanded = self.expand(frag, (*stack, key))
        self.done[key] = expanded
        return expanded

    def expand(self, doc: Document, stack: tuple[str, ...]) -> Document:
        """Resolve this document's includes (top level and in states), recursively."""
        data = doc.data
        if not isinstance(data, dict):
            return doc
        out = Document(doc.file, doc.text, data, dict(doc.values), dict(doc.keys), doc.root)
        refs = data.get("include")
        if isinstance(refs, list):
            for i, ref in enumerate(refs):
                frag = self.load_fragment(doc, ("include", i), ref, stack)
                if frag is not None:
                    for section in (*MERGED_SECTIONS, "ignore", "rules"):
                        if section in frag.data:
                            _merge_section(out, frag, section)
        states = out.data.get("states")
        if isinstance(states, dict):
            self._expand_states(out, ("states",), stack)
        return out

    def _expand_states(self, doc: Document, path: Pointer, stack: tuple[str, ...]) -> None:
        states = _get(doc.data, path)
        if not isinstance(states, dict):
            return
        for name, state in list(states.items()):
            if not isinstance(state, dict):
                continue
            spath = (*path, name)
            loc = doc.values.get(spath)
            if loc is not None and loc.span.file != doc.file:
                continue  # merged from a fragment, whose own includes are resolved already
            refs = state.get("include")
            if isinstance(refs, list):
                for i, ref in enumerate(refs):
                    frag = self.load_fragment(doc, (*spath, "include", i), ref, stack)
                    if frag is not None and isinstance(frag.data.get("states"), dict):
                        _merge_into(doc, (*spath, "states"), frag, ("states",))
            self._expand_states(doc, (*spath, "states"), stack)


def _get(data: Any, path: Pointer) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _copy_locs(
    dst: Document,
    src: Document,
    src_path: Pointer,
    dst_path: Pointer,
    names: set[str] | None = None,
) -> None:
    """Copy the positions under ``src_path`` (only of the children ``names``, if given).

    One pass over the source's positions, however many children are copied.
    """
    n = len(src_path)
    for table_src, table_dst in ((src.values, dst.values), (src.keys, dst.keys)):
        for p, loc in table_src.items():
            if p[:n] == src_path and (names is None or (len(p) > n and p[n] in names)):
                table_dst[dst_path + p[n:]] = loc


def _shift_locs(doc: Document, path: Pointer, by: int) -> None:
    """Move the positions of a list's items down by ``by`` (fragment items come first)."""
    n = len(path)
    for table in (doc.values, doc.keys):
        moved: dict[Pointer, Loc] = {}
        for p, loc in table.items():
            head = p[n] if len(p) > n and p[:n] == path else None
            moved[(*p[:n], head + by, *p[n + 1 :]) if isinstance(head, int) else p] = loc
        table.clear()
        table.update(moved)


def _merge_section(doc: Document, frag: Document, section: str) -> None:
    value = frag.data[section]
    if section in ("ignore", "rules"):
        if isinstance(value, list):
            mine = doc.data.get(section)
            merged = list(value) + [e for e in (mine or []) if e not in value]
            doc.data[section] = merged
            if isinstance(mine, list):
                _shift_locs(doc, (section,), len(value) - sum(1 for e in mine if e in value))
            _copy_locs(doc, frag, (section,), (section,))
        return
    _merge_into(doc, (section,), frag, (section,))


def _merge_into(doc: Document, path: Pointer, frag: Document, frag_path: Pointer) -> None:
    theirs = _get(frag.data, frag_path)
    if not isinstance(theirs, dict):
        return
    parent = _get(doc.data, path[:-1])
    if not isinstance(parent, dict):
        return
    mine = parent.get(path[-1])
    if mine is None:
        mine = {}
    if not isinstance(mine, dict):
        return
    merged: dict[str, Any] = {}
    for name, value in theirs.items():
        if name not in mine:
            merged[name] = value
    if merged:
        _copy_locs(doc, frag, frag_path, path, set(merged))
    merged.update(mine)
    parent[path[-1]] = merged
    if path not in doc.values:
        loc = frag.values.get(frag_path)
        if isinstance(loc, Loc):
            doc.values[path] = loc


def resolve_includes(doc: Document, diagnostics: list[Diagnostic]) -> tuple[Document, list[str]]:
    """The document with every include merged in, and the fragment files it read.

    Fragments must be inside the document's definitions folder (:meth:`Document.folder`);
    each is read once however often it is included.
    """
    resolver = _Resolver(diagnostics, doc.folder())
    resolver.nodes = len(doc.values)
    merged = resolver.expand(doc, (os.path.realpath(doc.file),))
    return merged, resolver.sources
