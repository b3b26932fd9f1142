"""MkDocs hooks for the project's documentation site (``hooks:`` in ``mkdocs.yml``).

* ``on_config``: drops nav entries whose page does not exist (yet), so the nav can list
  pages that are still being written and ``mkdocs build --strict`` keeps passing.
* ``on_files``: when ``docs/index.md`` does not exist, the home page is the repository's
  ``README.md``, with its ``docs/...`` links pointing into the site (links to files
  outside ``docs/`` keep their text only).
* ``on_pre_build``: generates the flow reference (``docs/flows/``: one page and one SVG
  per shipped chart, and an index) with ``statewise docs definitions/ -o docs/flows``.
  Unchanged files are not rewritten, so ``mkdocs serve`` does not rebuild in a loop.

The generation runs the command line in a subprocess: this package does not import the
loader (see the import contracts in pyproject.toml).
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["home_page", "on_config", "on_files", "on_pre_build"]

log = logging.getLogger("mkdocs.hooks.statewise")


def _prune(items: list[Any], docs: Path) -> list[Any]:
    kept: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            pruned: dict[str, Any] = {}
            for title, value in item.items():
                if isinstance(value, list):
                    inner = _prune(value, docs)
                    if inner:
                        pruned[title] = inner
                elif isinstance(value, str) and _missing(value, docs):
                    log.info("nav: leaving out %s (%s does not exist yet)", title, value)
                else:
                    pruned[title] = value
            if pruned:
                kept.append(pruned)
        elif isinstance(item, str) and _missing(item, docs):
            log.info("nav: leaving out %s (it does not exist yet)", item)
        else:
            kept.append(item)
    return kept


def _missing(page: str, docs: Path) -> bool:
    generated = page.startswith("flows/")  # written by on_pre_build
    if page == "index.md" and (docs.parent / "README.md").exists():
        generated = True  # on_files makes it from the README
    return page.endswith(".md") and not generated and not (docs / page).exists()


_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def home_page(readme: str) -> str:
    """The README as the site's home page: ``docs/x.md`` links become ``x.md``."""

    def fix(m: re.Match[str]) -> str:
        bang, text, target = m.groups()
        if target.startswith(("http://", "https://", "#", "mailto:")):
            return m.group(0)
        if target.startswith("docs/"):
            return f"{bang}[{text}]({target.removeprefix('docs/')})"
        return text  # a file outside the site

    return _LINK.sub(fix, readme)


def on_files(files: Any, config: Any) -> Any:
    docs = Path(config["docs_dir"])
    readme = docs.parent / "README.md"
    if (docs / "index.md").exists() or not readme.exists():
        return files
    file_class = importlib.import_module("mkdocs.structure.files").File
    page = home_page(readme.read_text(encoding="utf-8"))
    files.append(file_class.generated(config, "index.md", content=page))
    return files


def on_config(config: Any) -> Any:
    nav = config.get("nav")
    if nav:
        config["nav"] = _prune(list(nav), Path(config["docs_dir"]))
    return config


def on_pre_build(config: Any) -> None:
    docs = Path(config["docs_dir"])
    definitions = docs.parent / "definitions"
    if os.environ.get("STATEWISE_DOCS_SKIP_FLOWS") == "1" or not definitions.is_dir():
        return
    result = subprocess.run(
        [sys.executable, "-m", "engine", "docs", str(definitions), "-o", str(docs / "flows")],
        cwd=docs.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(
            "statewise docs failed; the flow reference pages were not generated:\n"
            + result.stdout
            + result.stderr
        )
    log.info(result.stdout.strip())
