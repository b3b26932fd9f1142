"""Stage 1: YAML text -> plain data, plus the source position of every key and value.

The YAML is read safely (PyYAML's composer, no object construction), with:

* YAML 1.2 core-schema scalars: only ``true``/``false`` are booleans, so a state
  named ``on``, ``off``, ``yes`` or ``no`` stays a string; dates stay strings;
* duplicate keys reported as errors (E002) instead of silently overwritten;
* alias expansion bounded (E003): a "billion laughs" document fails fast,
  because nodes are counted while aliases are expanded, before memory grows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import Diagnostic, Severity
from engine.source import Span

__all__ = ["MAX_NODES", "Document", "Loc", "Pointer", "format_path", "parse_yaml"]

#: A key path into a document: mapping keys and list indexes.
Pointer = tuple[str | int, ...]

#: How many nodes a document may expand to (aliases included) before it is refused.
MAX_NODES = 200_000


def format_path(path: Pointer) -> str:
    """``('states', 'pending', 'on', 'pay', 0)`` -> ``states.pending.on.pay[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value sits in its file, and how to find a character inside it."""

    span: Span
    style: str  # "" plain, "'" or '"' quoted, "|" literal block, ">" folded block, "map", "seq"
    text: str  # the file's text (shared, not copied)

    def locate(self, value: str) -> Callable[[int], tuple[int, int]]:
        """A function mapping an offset in the scalar ``value`` to (line, col) in the file."""
        span, style = self.span, self.style
        if style in ("|", ">"):
            # Walk the source lines of the block: each line gives its text without the
            # indentation, then one character (a line break, or a space when folded).
            lines = self.text.splitlines()
            rows: list[tuple[int, int, int]] = []  # (value offset, file line, file column)
            offset = 0
            last = min(span.end_line, len(lines))
            for number in range(span.line + 1, last + 1):
                src = lines[number - 1]
                indent = len(src) - len(src.lstrip(" "))
                rows.append((offset, number, indent + 1))
                offset += len(src) - indent + 1

            def block(at: int) -> tuple[int, int]:
                if not rows:
                    return span.line, span.col
                best = rows[0]
                for row in rows:
                    if row[0] <= at:
                        best = row
                    else:
                        break
                return best[1], best[2] + at - best[0]

            return block
        shift = 1 if style in ("'", '"') else 0

        def inline(offset: int) -> tuple[int, int]:
            return span.line, span.col + shift + offset

        return inline


@dataclass(slots=True)
class Document:
    """A parsed YAML file: its plain data and the positions of its parts."""

    file: str
    text: str
    data: Any
    values: dict[Pointer, Loc] = field(default_factory=dict)
    keys: dict[Pointer, Loc] = field(default_factory=dict)

    def span(self, path: Pointer, *, key: bool = False) -> Span | None:
        """The span of the value at ``path`` (or of its key), else of the nearest parent."""
        table = self.keys if key else self.values
        p = path
        while True:
            loc = table.get(p) or self.values.get(p)
            if loc is not None:
                return loc.span
            if not p:
                return None
            p = p[:-1]

    def loc(self, path: Pointer) -> Loc | None:
        return self.values.get(path)


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core schema: the only implicit types are null, bool, int and float."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)


class _TooLarge(Exception):
    pass


try:  # libyaml's parser is ~10x faster; the pure-Python one is the fallback
    from yaml._yaml import CParser as _CParser

    class _FastLoader(_CParser, _Resolver):
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

    _LOADER: type = _FastLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LOADER = _Loader


def _span(file: str, node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(file, s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _scalar(node: ScalarNode) -> Any:
    tag, value = node.tag, node.value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() == "true"
    if tag.endswith(":int"):
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)
    if tag.endswith(":float"):
        low = value.lower()
        if low.endswith("inf"):
            return float("-inf") if low.startswith("-") else float("inf")
        if low.endswith("nan"):
            return float("nan")
        return float(value)
    return value


class _Builder:
    def __init__(self, file: str, text: str, diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.text = text
        self.diagnostics = diagnostics
        self.count = 0
        self.doc = Document(file, text, None)

    def build(self, node: Node, path: Pointer) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        span = _span(self.file, node)
        if isinstance(node, ScalarNode):
            self.doc.values[path] = Loc(span, node.style or "", self.text)
            return _scalar(node)
        if isinstance(node, SequenceNode):
            self.doc.values[path] = Loc(span, "seq", self.text)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self.doc.values[path] = Loc(span, "map", self.text)
            return self._mapping(node, path)
        raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover

    def _mapping(self, node: MappingNode, path: Pointer) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_span = _span(self.file, key_node)
            if not isinstance(key_node, ScalarNode):
                self.diagnostics.append(
                    Diagnostic(
                        "E004",
                        Severity.ERROR,
                        "a mapping key must be a plain name; expected a string key",
                        key_span,
                        format_path(path),
                    )
                )
                continue
            raw = _scalar(key_node)
            key = raw if isinstance(raw, str) else key_node.value
            if key in out:
                first = self.doc.keys[(*path, key)].span
                self.diagnostics.append(
                    Diagnostic(
                        "E002",
                        Severity.ERROR,
                        f"duplicate key '{key}' (first defined at line {first.line}); "
                        "expected each key once per mapping",
                        key_span,
                        format_path((*path, key)),
                    )
                )
                continue
            self.doc.keys[(*path, key)] = Loc(key_span, key_node.style or "", self.text)
            out[key] = self.build(value_node, (*path, key))
        return out


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    """E001 at the place a person would look, not where the parser gave up.

    Two common slips are recognised: a key written without its colon (the parser only
    notices on a later line) and a quote that is never closed (noticed at the end of
    the file); both are reported where they start.
    """
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    if exc.context and "quoted scalar" in exc.context and exc.context_mark is not None:
        m = exc.context_mark
        return Diagnostic(
            "E001",
            Severity.ERROR,
            "YAML syntax error: a quoted text starting here is never closed; "
            "expected a closing quote on the same line",
            Span.point(file, m.line + 1, m.column + 1),
        )
    if mark is not None and "mapping values are not allowed" in problem:
        lines = text.splitlines()
        prev = mark.line - 1
        while prev >= 0 and (not lines[prev].strip() or lines[prev].lstrip().startswith("#")):
            prev -= 1
        if prev >= 0 and ":" not in lines[prev] and not lines[prev].lstrip().startswith("-"):
            word = lines[prev].strip()
            col = len(lines[prev].rstrip()) + 1
            return Diagnostic(
                "E001",
                Severity.ERROR,
                f"YAML syntax error: '{word}' has no ':' after it; expected '{word}:' "
                "(a key and its colon)",
                Span.point(file, prev + 1, col),
            )
    span = Span.point(file, mark.line + 1, mark.column + 1) if mark else None
    ctx = f" ({exc.context})" if exc.context else ""
    return Diagnostic("E001", Severity.ERROR, f"YAML syntax error: {problem}{ctx}", span)


def _expansion_problem(text: str, file: str) -> Diagnostic | None:
    """E003 at the alias where the expanded document passes :data:`MAX_NODES`.

    Reads the event stream once (aliases are not expanded there), keeping the expanded
    size of every anchor; run only when the text has both anchors and aliases.
    """
    if "&" not in text or "*" not in text:
        return None
    sizes: dict[str, int] = {}
    starts: list[tuple[str | None, int]] = []
    total = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                total += sizes.get(event.anchor or "", 1)
                if total > MAX_NODES and event.start_mark is not None:
                    m = event.start_mark
                    return Diagnostic(
                        "E003",
                        Severity.ERROR,
                        f"the alias *{event.anchor} makes the document expand to more than "
                        f"{MAX_NODES} nodes (aliases included); expected a definition without "
                        "runaway anchors/aliases",
                        Span(
                            file,
                            m.line + 1,
                            m.column + 1,
                            m.line + 1,
                            m.column + 2 + len(event.anchor or ""),
                        ),
                    )
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                starts.append((event.anchor, total))
                total += 1
            elif isinstance(event, yaml.CollectionEndEvent) and starts:
                anchor, start = starts.pop()
                if anchor:
                    sizes[anchor] = total - start
    except yaml.YAMLError:
        return None  # the composer reports syntax errors with their positions
    return None


def parse_yaml(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML document. Returns (document, diagnostics); document is None on failure."""
    diagnostics: list[Diagnostic] = []
    too_large = _expansion_problem(text, file)
    if too_large is not None:
        return None, [too_large]
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        diagnostics.append(_syntax_error(exc, text, file))
        return None, diagnostics
    except yaml.YAMLError as exc:
        diagnostics.append(Diagnostic("E001", Severity.ERROR, f"YAML error: {exc}", None))
        return None, diagnostics
    finally:
        loader.dispose()
    if node is None:
        diagnostics.append(
            Diagnostic(
                "E004",
                Severity.ERROR,
                "the file is empty; expected a chart definition (a mapping with id and states)",
                Span.point(file, 1, 1),
            )
        )
        return None, diagnostics
    builder = _Builder(file, text, diagnostics)
    try:
        data = builder.build(node, ())
    except _TooLarge:
        diagnostics.append(
            Diagnostic(
                "E003",
                Severity.ERROR,
                f"the document expands to more than {MAX_NODES} nodes (aliases included); "
                "expected a definition without runaway anchors/aliases",
                _span(file, node),
            )
        )
        return None, diagnostics
    builder.doc.data = data
    return builder.doc, diagnostics


def read_yaml_file(path: Path) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse a file; an unreadable file is diagnostic E005."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [
            Diagnostic(
                "E005", Severity.ERROR, f"cannot read file: {reason}", Span.point(str(path), 1, 1)
            )
        ]
    return parse_yaml(text, str(path))
