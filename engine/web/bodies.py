"""Reading request bodies, bounded: JSON objects for the API, URL-encoded forms for the
console (parsed here: the console's forms need nothing more)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from engine.web.problems import Problem

__all__ = ["Form", "read_body", "read_form", "read_json"]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem("payload_too_large", f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem("payload_too_large", f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def read_json(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as a JSON object (an empty body is ``{}``)."""
    if not raw.strip():
        return {}
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise Problem("unsupported_media_type", f"expected application/json, got {kind}")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem("bad_request", f"the body is not JSON: {exc}") from None
    except RecursionError:  # nested deeper than the JSON parser goes: refused, not a 500
        raise Problem("bad_request", "the body is nested too deeply") from None
    if not isinstance(data, dict):
        raise Problem("bad_request", "the body must be a JSON object")
    return data


class Form:
    """A URL-encoded form: one value per name (``get``), or all of them (``all``)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        for k, v in self.pairs:
            if k == name:
                return v
        return default

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


def read_form(raw: bytes) -> Form:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem("bad_request", "the form is not UTF-8") from None
    return Form(parse_qsl(text, keep_blank_values=True, max_num_fields=2000))
