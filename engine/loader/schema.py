"""Stage 3: check the document's shape against the bundled JSON Schema.

Two validators, one schema: ``jsonschema-rs`` (compiled, ~100x faster) answers "is
the document valid?"; only when it is not does ``jsonschema`` (pure Python, slower, with
detailed errors) list every problem. Each error becomes a diagnostic at the YAML
position of the offending key or value, with what was expected. For ``oneOf``
failures (an action or a timer that matches none of its forms) the most specific
sub-error is reported. A test checks the two validators agree on every test document.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from engine.errors import Diagnostic, Severity
from engine.loader.yaml_source import Document, Pointer, format_path

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = [
    "Broken",
    "check_schema",
    "invalid_paths",
    "is_valid",
    "load_schema",
    "prune_paths",
    "validate_schema",
]

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a text value",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    text = resources.files("engine.schemas").joinpath("statechart.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


@lru_cache(maxsize=1)
def _fast_validator() -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the fast path is optional
        return None
    return jsonschema_rs.validator_for(load_schema())


def is_valid(data: Any) -> bool | None:
    """The fast validator's verdict, or None when it is not installed."""
    fast = _fast_validator()
    return None if fast is None else bool(fast.is_valid(data))


def _found(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def _expected_type(t: Any) -> str:
    if isinstance(t, list):
        return " or ".join(_TYPE_NAMES.get(str(x), str(x)) for x in t)
    return _TYPE_NAMES.get(t, str(t))


#: What a value matching each named pattern looks like, for "expected ..." messages.
_PATTERNS = {
    r"^[A-Za-z_][A-Za-z0-9_]*$": "a name of letters, digits and `_`, not starting with a digit",
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$": "lowercase words joined by dots, like `yescart.order`",
    r"^[A-Za-z_][A-Za-z0-9_-]*$": "a state name of letters, digits, `_` and `-` (no dots)",
    r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$": "a state name, or a path of names joined by dots",
    r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$": "an event name: words joined by dots, like `payment.ok`",
    r"^(\*|[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*(\.\*)?)$": "an event name like `payment.ok`, a prefix like `payment.*`, or `*`",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$": 'a time of day such as "09:00"',
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$": 'a date such as "2026-12-24"',
}


def _expected_pattern(schema: Any) -> str:
    pattern = schema.get("pattern", "") if isinstance(schema, dict) else ""
    phrase = _PATTERNS.get(pattern)
    if phrase is None and isinstance(schema, dict) and schema.get("description"):
        phrase = "text matching " + pattern
    return f"; expected {phrase}" if phrase else ""


#: Sub-errors that only say which alternative of a ``oneOf`` did not fit; reporting the
#: ``oneOf`` itself (with its description) says more than any one of them.
_SHAPE_ONLY = frozenset({"required", "maxProperties", "propertyNames", "not", "enum"})


def _deepest(error: ValidationError) -> ValidationError:
    from jsonschema.exceptions import best_match

    while error.context:
        if error.validator in ("oneOf", "anyOf") and all(
            e.validator in _SHAPE_ONLY and len(e.relative_path) == 0 for e in error.context
        ):
            break
        best = best_match(error.context)
        if best is None:
            break
        error = best
    return error


def _extras(error: ValidationError) -> list[str]:
    """The keys an ``additionalProperties`` error is about."""
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    instance: Any = error.instance
    return [str(k) for k in instance if k not in known] if isinstance(instance, dict) else []


#: Where a document breaks the schema, and whether the key itself is wrong (an unknown
#: key, a bad name: the entry goes) or only its value.
Broken = tuple[Pointer, bool]


def prune_paths(error: ValidationError) -> list[Broken]:
    """Where the document breaks the schema: the keys and values later stages must skip.

    A required key missing at the top is named itself (the loader can stand in for some);
    one missing further down breaks the mapping that lacks it.
    """
    error = _deepest(error)
    path: Pointer = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        return [((*path, key), True) for key in _extras(error)]
    if "propertyNames" in error.absolute_schema_path:
        return [((*path, str(error.instance)), True)]
    if error.validator == "required" and not path and isinstance(error.instance, dict):
        wanted = error.validator_value if isinstance(error.validator_value, list) else []
        return [((str(k),), False) for k in wanted if k not in error.instance]
    return [(path, False)]


def _unknown_keys(error: ValidationError, doc: Document) -> list[Diagnostic]:
    """E101 for every key an ``additionalProperties`` error is about."""
    path: Pointer = tuple(error.absolute_path)
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    allowed = sorted(schema.get("properties", {}))
    out = []
    for key in _extras(error) or ["?"]:
        hint = difflib.get_close_matches(key, allowed, n=1)
        did = f" (did you mean '{hint[0]}'?)" if hint else ""
        out.append(
            Diagnostic(
                "E101",
                Severity.ERROR,
                f"unknown key '{key}'{did}; expected one of: {', '.join(allowed)}",
                doc.span((*path, key), key=True),
                format_path((*path, key)),
            )
        )
    return out


def _translate(error: ValidationError, doc: Document) -> list[Diagnostic]:
    error = _deepest(error)
    if error.validator == "additionalProperties":
        return _unknown_keys(error, doc)
    return [_translate_one(error, doc)]


def _translate_one(error: ValidationError, doc: Document) -> Diagnostic:
    path: Pointer = tuple(error.absolute_path)
    where = format_path(path)
    v = error.validator
    span = doc.span(path)
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return Diagnostic("E102", Severity.ERROR, f"missing required key '{missing}'", span, where)
    if v == "type":
        return Diagnostic(
            "E103",
            Severity.ERROR,
            f"found {_found(error.instance)}; expected {_expected_type(value)}",
            span,
            where,
        )
    if v in ("enum", "const"):
        options = value if v == "enum" else [value]
        hint = difflib.get_close_matches(str(error.instance), [str(o) for o in options], n=1)
        did = f" (did you mean '{hint[0]}'?)" if hint else ""
        return Diagnostic(
            "E104",
            Severity.ERROR,
            f"{_found(error.instance)} is not allowed here{did}; expected one of: "
            + ", ".join(str(o) for o in options),
            span,
            where,
        )
    if "propertyNames" in error.absolute_schema_path:
        key = str(error.instance)
        expected = _expected_pattern(schema)
        return Diagnostic(
            "E105",
            Severity.ERROR,
            f"'{key}' is not a valid name here{expected}",
            doc.span((*path, key), key=True),
            format_path((*path, key)),
        )
    if v == "pattern":
        expected = _expected_pattern(schema)
        return Diagnostic(
            "E105",
            Severity.ERROR,
            f"{_found(error.instance)} is not valid here{expected}",
            span,
            where,
        )
    if v in ("minItems", "minProperties"):
        return Diagnostic(
            "E106",
            Severity.ERROR,
            f"{_found(error.instance)} is empty; expected at least one entry",
            span,
            where,
        )
    if v in ("minimum", "exclusiveMinimum"):
        return Diagnostic(
            "E104",
            Severity.ERROR,
            f"{_found(error.instance)} is too small; {error.message}",
            span,
            where,
        )
    if v in ("oneOf", "anyOf", "not", "maxProperties", "dependentRequired"):
        desc = str(schema.get("description", "")).split(". Example")[0]
        expected = f"; expected {desc[0].lower() + desc[1:].rstrip('.')}" if desc else ""
        return Diagnostic(
            "E107",
            Severity.ERROR,
            f"{_found(error.instance)} does not have a valid form{expected}",
            span,
            where,
        )
    return Diagnostic("E100", Severity.ERROR, error.message, span, where)


def validate_schema(doc: Document) -> list[Diagnostic]:
    """All schema problems of the document, one diagnostic per problem."""
    return check_schema(doc)[0]


def check_schema(doc: Document) -> tuple[list[Diagnostic], list[Broken]]:
    """All schema problems of the document, one diagnostic per problem, and the paths of
    the keys and values that break the schema (what :mod:`.prune` leaves out).

    A ``oneOf`` failure at a path that also has a more specific problem (an unknown
    or missing key) is dropped: the specific one says more.
    """
    if is_valid(doc.data):
        return [], []
    found: dict[tuple[str, str], Diagnostic] = {}
    from_choice: set[tuple[str, str]] = set()
    paths: list[Broken] = []
    for error in _validator().iter_errors(doc.data):
        paths.extend(prune_paths(error))
        for d in _translate(error, doc):
            key = (d.path, d.code)
            if key not in found:
                found[key] = d
                if error.validator in ("oneOf", "anyOf"):
                    from_choice.add(key)
    unknown_at = {d.path.rsplit(".", 1)[0] for d in found.values() if d.code == "E101"}
    kept = [
        d
        for key, d in found.items()
        if not (key in from_choice and d.code in ("E102", "E107") and d.path in unknown_at)
    ]
    return kept, paths


def invalid_paths(data: Any) -> list[Broken]:
    """Where ``data`` breaks the schema (no diagnostics: for pruning rounds)."""
    if is_valid(data):
        return []
    return [p for error in _validator().iter_errors(data) for p in prune_paths(error)]
