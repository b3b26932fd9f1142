"""The OpenAPI document names exactly the routes the server has, every reference in it
resolves, and docs/api.md is generated from the current document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")

from starlette.routing import Route

from engine.web.apidoc import markdown
from engine.web.app import API_HANDLERS, routes
from engine.web.openapi import document
from engine.web.problems import CODES

ROOT = Path(__file__).resolve().parents[2]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_names_exactly_the_servers_api_routes() -> None:
    doc = document()
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    served = {
        (method, r.path)
        for r in routes()
        if isinstance(r, Route) and (r.path.startswith("/api/") or r.path == "/healthz")
        for method in (r.methods or ()) - {"HEAD"}
    }
    assert documented == served
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert set(API_HANDLERS) | {"health", "openapi"} == set(ids)


def test_every_reference_resolves_and_every_code_is_known() -> None:
    doc = document()
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[-1] in doc["components"]["schemas"], ref
    json.dumps(doc)  # plain JSON
    assert doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] == sorted(CODES)


def test_docs_api_md_is_generated_from_the_document() -> None:
    current = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert current == markdown(), "docs/api.md is stale: python -m engine.web.apidoc > docs/api.md"
