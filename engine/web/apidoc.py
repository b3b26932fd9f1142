"""docs/api.md, generated from the OpenAPI document: ``python -m engine.web.apidoc > docs/api.md``
(a test checks the file is current)."""

from __future__ import annotations

import json
from typing import Any

from engine.web.openapi import document
from engine.web.problems import CODES

__all__ = ["markdown"]

_INTRO = """\
# The HTTP API

`statewise serve` answers under `/api/v1`; the machine-readable contract is the OpenAPI 3.1
document at [`/api/v1/openapi.json`](#the-openapi-document). This page is generated from it
(`python -m engine.web.apidoc > docs/api.md`).

**Signing in.** Integrations send `Authorization: Bearer <token>` with a token from
`statewise tokens add NAME --charts A,B --events E,F` (each token is limited to the charts
and events it lists). The console's session cookie works too; a write with it must carry
the page's CSRF token in the `X-CSRF-Token` header. Without credentials the answer is 401;
without a role a chart's `manual.roles` requires, 403. `GET /healthz` needs no sign-in.

**Webhooks.** Send an event with an `Idempotency-Key` header: the first request is applied,
and every repeat with the same key gets the first answer back (with
`Idempotent-Replayed: true`) and changes nothing, also after a restart and from another
server process (the keys are kept in the database for 7 days). The key is marked in the same
database transaction as the event's step. A repeat while the first is still being processed
gets 409 `idempotency_in_progress`; the same key with another body gets 422
`idempotency_key_reused`.

**Errors** are problem details (RFC 9457, `application/problem+json`) with a stable `code`:

```json
{"type": "urn:statewise:problem:refused", "title": "The event was refused", "status": 422,
 "detail": "cancel.order refused: guard of ... does not hold: `deliveries_in_transit == 0` is false (deliveries_in_transit = 1)",
 "code": "refused", "instance": "/api/v1/instances/1a2b.../events", "reasons": ["..."]}
```
"""


def _params(op: dict[str, Any]) -> list[str]:
    rows = []
    for p in op.get("parameters", []):
        kind = p["schema"].get("type", "string")
        rows.append(f"| `{p['name']}` | {p['in']} | {kind} | {p.get('description', '')} |")
    if not rows:
        return []
    return ["| parameter | in | type | meaning |", "|---|---|---|---|", *rows, ""]


def _schema_name(content: dict[str, Any]) -> str:
    schema = next(iter(content.values()))["schema"]
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[-1]}`"
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return f"list of `{schema['items']['$ref'].rsplit('/', 1)[-1]}`"
    return "JSON"


def markdown() -> str:
    doc = document()
    out = [_INTRO, "## Calls", ""]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            out += [f"### `{method.upper()} {path}`", "", op["summary"] + ".", ""]
            out += _params(op)
            if "requestBody" in op:
                body = _schema_name(op["requestBody"]["content"])
                out += [f"Body: {body}.", ""]
            answers = []
            for status, r in op["responses"].items():
                what = _schema_name(r["content"]) if "content" in r else ""
                answers.append(f"{status} {r['description']}" + (f" ({what})" if what else ""))
            out += ["Answers: " + "; ".join(answers) + ".", ""]
    out += ["## Problem codes", "", "| code | status | title |", "|---|---|---|"]
    out += [f"| `{code}` | {status} | {title} |" for code, (status, title) in CODES.items()]
    out += ["", "## Schemas", ""]
    for name, schema in doc["components"]["schemas"].items():
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        out += [f"### `{name}`", "", "| field | type | meaning |", "|---|---|---|"]
        for field, spec in props.items():
            kind = spec.get(
                "type", "object" if "$ref" not in spec else spec["$ref"].rsplit("/", 1)[-1]
            )
            if isinstance(kind, list):
                kind = " or ".join(kind)
            mark = " (required)" if field in required else ""
            out.append(f"| `{field}`{mark} | {kind} | {spec.get('description', '')} |")
        out.append("")
    out += [
        "## The OpenAPI document",
        "",
        "`GET /api/v1/openapi.json` serves it; its paths are:",
        "",
        "```json",
        json.dumps(sorted(doc["paths"]), indent=2),
        "```",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - the docs command
    print(markdown(), end="")
