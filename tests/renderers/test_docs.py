"""Documentation pages: one per shipped chart plus an index; the MkDocs site builds."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from engine.model import Chart
from renderers import build_docs
from renderers.docs import chart_page, index_page

REPO = Path(__file__).resolve().parents[2]


def test_chart_page_has_every_section(load: Callable[[Path], Chart]) -> None:
    chart = load(REPO / "definitions" / "ustore" / "email_item.yaml")
    page = chart_page(chart, "ustore.email_item.svg", "definitions/ustore/email_item.yaml")
    assert page.startswith("# uStore e-mail product item\n")
    for heading in (
        "## States",
        "## Transitions",
        "## Timers",
        "## Events",
        "## Notifications",
    ):
        assert f"\n{heading}\n" in page, heading
    assert "![uStore e-mail product item](ustore.email_item.svg)" in page
    assert "```mermaid" not in page  # Mermaid would load a script from a CDN
    assert "| `pending` | Pending Emails | atomic | Pending Emails |" in page
    assert "**Process**: operator" in page  # who may trigger a manual action
    assert "`recipient_list_present`" in page  # guards
    assert "uProduce said" in page or "{{" in page  # the template's text
    assert "- sent by: " in page


def test_pages_for_every_shipped_chart(
    tmp_path: Path, load: Callable[[Path], Chart], all_charts: list[Path]
) -> None:
    shipped = [load(p) for p in all_charts if "definitions" in p.parts]
    written = build_docs(shipped, tmp_path, svg=False, root=REPO)
    assert {p.name for p in written} == {f"{c.id}{x}" for c in shipped for x in (".md", ".mmd")} | {
        "index.md"
    }
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    for chart in shipped:
        assert f"]({chart.id}.md)" in index
        text = (tmp_path / f"{chart.id}.md").read_text(encoding="utf-8")
        assert "source: `definitions/" in text
        # tables are well formed: every row has as many cells as its header
        for table in re.findall(r"(?:^\|.*\|\n)+", text, re.MULTILINE):
            rows = [r for r in table.splitlines() if not r.startswith("|---")]
            widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
            assert len(widths) == 1, table.splitlines()[0]


def test_svg_files_next_to_pages(dot: None, tmp_path: Path, load: Callable[[Path], Chart]) -> None:
    chart = load(REPO / "definitions" / "ustore" / "print_item.yaml")
    build_docs([chart], tmp_path)
    assert (tmp_path / "ustore.print_item.svg").read_bytes().lstrip().startswith(b"<?xml")
    mtime = (tmp_path / "ustore.print_item.svg").stat().st_mtime_ns
    build_docs([chart], tmp_path)  # unchanged output is not rewritten (mkdocs serve)
    assert (tmp_path / "ustore.print_item.svg").stat().st_mtime_ns == mtime


def test_index_page_is_sorted(load: Callable[[Path], Chart], all_charts: list[Path]) -> None:
    charts = [load(p) for p in all_charts if "definitions" in p.parts]
    links = re.findall(r"\]\(([^)]+)\.md\)", index_page(reversed(charts)))
    assert links == sorted(links)


def test_flows_page_shows_every_shipped_flow(
    all_charts: list[Path], load: Callable[[Path], Chart]
) -> None:
    flows = (REPO / "docs" / "flows.md").read_text(encoding="utf-8")
    for path in all_charts:
        if "definitions" in path.parts:
            chart_id = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
            assert chart_id and f"flows/{chart_id.group(1)}.svg" in flows, path


def test_mkdocs_nav_lists_every_page() -> None:
    """Every docs page is in the nav (a page written later is caught here), and the
    hook leaves out nav entries whose page does not exist yet."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    nav = set(re.findall(r":\s*([\w./-]+\.md)\s*$", config, re.MULTILINE))
    pages = {p.name for p in (REPO / "docs").glob("*.md")}
    assert pages <= nav, f"docs pages missing from the nav in mkdocs.yml: {sorted(pages - nav)}"


def test_hook_prunes_missing_pages_and_makes_a_home_page(tmp_path: Path) -> None:
    from renderers.mkdocs_hooks import home_page, on_config

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "here.md").write_text("# here\n")
    nav = [
        {"A": [{"Here": "here.md"}, {"Gone": "gone.md"}]},
        {"B": [{"Gone": "gone.md"}]},
        {"F": "flows/index.md"},
    ]
    config = on_config({"nav": nav, "docs_dir": str(docs)})
    assert config["nav"] == [{"A": [{"Here": "here.md"}]}, {"F": "flows/index.md"}]
    readme = "See [the language](docs/language.md), [flows](definitions/README.md) and [x](https://x.org)."
    assert home_page(readme) == "See [the language](language.md), flows and [x](https://x.org)."


def test_mkdocs_build_strict(dot: None, tmp_path: Path) -> None:
    # mkdocs comes with the test environment (make test installs the docs extra).
    assert importlib.util.find_spec("mkdocs") and importlib.util.find_spec("material"), (
        "mkdocs / mkdocs-material missing: pip install -e '.[dev,docs]'"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("flows/index.html", "flows/yescart.order/index.html", "diagrams/index.html"):
        assert (tmp_path / "site" / name).exists(), name
