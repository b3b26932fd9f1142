"""What each diagnostic code means, read from the code catalogue (docs/errors.md, shipped in
the package beside this module), for hovering over a problem in an editor."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

__all__ = ["meaning_of"]

_ROW = re.compile(r"^\| ([EW]\d{3}) \| (\w+) \| (.+?) \| (.+?) \|\s*$", re.M)


@lru_cache(maxsize=1)
def _rows() -> dict[str, tuple[str, str, str]]:
    try:
        text = resources.files("engine.lsp").joinpath("errors.md").read_text("utf-8")
    except (OSError, FileNotFoundError):
        return {}
    return {code: (sev, meaning, fix) for code, sev, meaning, fix in _ROW.findall(text)}


def meaning_of(code: str) -> str | None:
    """Markdown: the code, its severity, what it means and how it is usually fixed."""
    row = _rows().get(code)
    if row is None:
        return None
    severity, meaning, fix = row
    return f"**{code}** ({severity}): {meaning}\n\nFix: {fix}"
