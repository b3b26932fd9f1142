"""Stage 1: YAML text -> plain data, plus the source position of every key and value.

The YAML is read safely (PyYAML's composer, no object construction), with:

* YAML 1.2 core-schema scalars: only ``true``/``false`` are booleans, so a state
  named ``on``, ``off``, ``yes`` or ``no`` stays a string; dates stay strings;
* duplicate keys reported as errors (E002) instead of silently overwritten;
* size bounded before any tree is built (:mod:`engine.loader.yaml_bounds`): the file's
  length (E010), its node count with aliases expanded (E003, a "billion laughs" document
  fails fast), its nesting depth (E012), and integers of at most
  :data:`MAX_INTEGER_DIGITS` digits (E011).
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
from engine.limits import MAX_INTEGER_DIGITS
from engine.loader.files import MAX_DEFINITION_BYTES, FileRefused, read_text
from engine.loader.yaml_bounds import MAX_DEPTH, MAX_NODES, depth_problem, stream_problem
from engine.loader.yaml_messages import syntax_error
from engine.source import Span

__all__ = [
    "MAX_INTEGER_DIGITS",
    "MAX_NODES",
    "Document",
    "Loc",
    "Pointer",
    "format_path",
    "parse_yaml",
    "read_yaml_file",
]

#: A key path into a document: mapping keys and list indexes.
Pointer = tuple[str | int, ...]


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
    #: the definitions folder: files the document names must be inside it (None: the
    #: folder that holds ``file``); see :mod:`engine.loader.files`
    root: str | None = None

    def folder(self) -> Path:
        """The definitions folder the files this document names must stay inside."""
        return Path(self.root) if self.root is not None else Path(self.file).parent

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


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


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


def _scalar(node: ScalarNode, file: str = "") -> Any:
    tag, value = node.tag, node.value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() == "true"
    if tag.endswith(":int"):
        if len(value.lstrip("+-")) > MAX_INTEGER_DIGITS:
            raise _Refused(
                Diagnostic(
                    "E011",
                    Severity.ERROR,
                    f"this integer has {len(value.lstrip('+-'))} digits; expected at most "
                    f"{MAX_INTEGER_DIGITS} (write a long number or code as 'text' in quotes)",
                    _span(file, node),
                )
            )
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
            return _scalar(node, self.file)
        if len(path) >= MAX_DEPTH:
            raise _Refused(depth_problem(self.file, span.line, span.col))
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
            raw = _scalar(key_node, self.file)
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


def parse_yaml(
    text: str, file: str, *, root: str | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML document. Returns (document, diagnostics); document is None on failure.

    ``root`` is the definitions folder of the document (see :attr:`Document.root`).
    """
    diagnostics: list[Diagnostic] = []
    if len(text) > MAX_DEFINITION_BYTES:
        return None, [
            Diagnostic(
                "E010",
                Severity.ERROR,
                f"the text is {len(text)} characters long; the limit is {MAX_DEFINITION_BYTES}",
                Span.point(file, 1, 1),
            )
        ]
    too_large = stream_problem(text, file, _LOADER)
    if too_large is not None:
        return None, [too_large]
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        diagnostics.append(syntax_error(exc, text, file))
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
    builder.doc.root = root
    try:
        data = builder.build(node, ())
    except _Refused as refused:
        diagnostics.append(refused.diagnostic)
        return None, diagnostics
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


def read_yaml_file(
    path: Path, *, root: str | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse a file: a regular file of UTF-8 text within the size limit, else
    E005, E009 or E010 (see :func:`engine.loader.files.read_text`)."""
    try:
        text = read_text(path)
    except FileRefused as refused:
        span = Span.point(str(path), 1, 1)
        return None, [Diagnostic(refused.code, Severity.ERROR, refused.reason, span)]
    return parse_yaml(text, str(path), root=root)
