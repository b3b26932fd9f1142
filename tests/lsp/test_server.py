"""The language server, driven over stdio by a real LSP client (pygls's): diagnostics
identical to ``statewise validate`` (codes, ranges, messages) for charts, fragments and
template files; completion of targets, guard names and event fields; hover; definition;
the state outline; and diagnostics that follow edits."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from engine.cli import main

CHART = """\
id: shop.order
version: 1
include: [fragments/common.yaml]
context:
  total: decimal
  credit_limit: decimal
  email: string
  customer: {type: record, fields: {name: string, phone: string}}
events:
  pay: {source: integration, data: {amount: decimal, reference: string}}
templates:
  receipt: {channel: email, subject: "Receipt", body_file: templates/receipt.txt}
states:
  pending:
    label: Pending payment
    description: Waiting for the customer to pay.
    on:
      pay:
        target: paidd
        guard: total <= credit_limt and event.amount > 0
      cancel: {target: cancelled, manual: {label: Cancel, roles: [clerk]}}
  paid:
    entry:
      - notify: {template: receipt, to: [email]}
    type: final
"""

FRAGMENT = """\
fragment: true
states:
  cancelled:
    type: final
    entry:
      - log: reason_txt
"""

TEMPLATE = "Thank you, {{ customr.name }}: we got {{ total }}.\n"


def write_folder(root: Path) -> Path:
    (root / "fragments").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "order.yaml").write_text(CHART)
    (root / "fragments" / "common.yaml").write_text(FRAGMENT)
    (root / "templates" / "receipt.txt").write_text(TEMPLATE)
    return root


class Session:
    """A client talking to ``python -m engine lsp`` over stdio."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = LanguageClient("statewise-test", "1")
        self.diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.updates = 0

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = params.diagnostics
            self.updates += 1

    def uri(self, name: str) -> str:
        found = from_fs_path(str((self.root / name).resolve()))
        assert found is not None
        return found

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "engine", "lsp")
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=from_fs_path(str(self.root)),
                workspace_folders=[types.WorkspaceFolder(self.uri("."), "flows")],
            )
        )
        self.client.initialized(types.InitializedParams())

    async def open(self, name: str) -> None:
        text = (self.root / name).read_text()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=self.uri(name), language_id="yaml", version=1, text=text)
            )
        )

    async def until(self, check: Callable[[], bool], timeout: float = 20.0) -> None:
        waited = 0.0
        while not check():
            await asyncio.sleep(0.05)
            waited += 0.05
            assert waited < timeout, f"timed out; diagnostics: {self.diagnostics}"

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def run(root: Path, body: Callable[[Session], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        session = Session(root)
        await session.start()
        try:
            return await body(session)
        finally:
            await session.stop()

    return asyncio.run(go())


def validate_json(root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    main(["validate", "--format", "json", str(root)])
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["diagnostics"]
    return rows


def as_rows(session: Session) -> set[tuple[str, int, int, int, int, str, str]]:
    out = set()
    for uri, diags in session.diagnostics.items():
        for d in diags:
            r = d.range
            file = uri.removeprefix("file://")
            out.add((file, r.start.line + 1, r.start.character + 1, r.end.line + 1,
                     r.end.character + 1, str(d.code), d.message))  # fmt: skip
    return out


def test_diagnostics_are_those_of_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_folder(tmp_path / "flows")
    expected = {
        (str(Path(r["file"]).resolve()), r["line"], r["column"], r["end_line"], r["end_column"],
         r["code"], r["message"])
        for r in validate_json(root, capsys)
    }  # fmt: skip
    codes = sorted(row[5] for row in expected)
    # a chart, its fragment and its template file, several stages in one run
    assert codes == ["E205", "E205", "E301", "E502", "W410"], codes

    async def body(s: Session) -> set[tuple[str, int, int, int, int, str, str]]:
        await s.open("order.yaml")
        files = {
            s.uri("order.yaml"),
            s.uri("fragments/common.yaml"),
            s.uri("templates/receipt.txt"),
        }
        await s.until(lambda: files <= set(s.diagnostics))
        return as_rows(s)

    assert run(root, body) == expected


def test_diagnostics_follow_edits(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "flows")

    async def body(s: Session) -> None:
        await s.open("order.yaml")
        uri = s.uri("order.yaml")
        await s.until(lambda: uri in s.diagnostics)
        assert {d.code for d in s.diagnostics[uri]} == {"E301", "E205", "W410"}
        fixed = CHART.replace("paidd", "paid").replace("credit_limt", "credit_limit")
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=2, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(fixed)],
            )
        )
        await s.until(lambda: not any(d.code == "E301" for d in s.diagnostics.get(uri, [])))
        # the fragment's and the template's problems stay (in their files); because of them
        # the chart's graph checks still cannot run, which the note at line 1 says
        assert [d.code for d in s.diagnostics[uri]] == ["W410"]

    run(root, body)


def test_unsaved_fragments_and_template_files_count(tmp_path: Path) -> None:
    """An open fragment or template file is read as typed, not as saved: fixing them in the
    editor clears their problems, and the chart's graph checks run, before anything is saved;
    breaking the fragment again (still unsaved) brings a problem back."""
    root = write_folder(tmp_path / "flows")
    chart = CHART.replace("paidd", "paid").replace("credit_limt", "credit_limit")
    (root / "order.yaml").write_text(chart)

    def change(s: Session, name: str, version: int, text: str) -> None:
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=s.uri(name)),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )

    async def body(s: Session) -> None:
        chart_uri, frag_uri = s.uri("order.yaml"), s.uri("fragments/common.yaml")
        tmpl_uri = s.uri("templates/receipt.txt")
        await s.open("order.yaml")
        await s.open("fragments/common.yaml")
        await s.open("templates/receipt.txt")
        await s.until(lambda: {chart_uri, frag_uri, tmpl_uri} <= set(s.diagnostics))
        await s.until(lambda: [d.code for d in s.diagnostics[frag_uri]] == ["E205"])
        change(s, "fragments/common.yaml", 2, FRAGMENT.replace("reason_txt", "total"))
        change(s, "templates/receipt.txt", 2, TEMPLATE.replace("customr", "customer"))
        await s.until(lambda: not s.diagnostics.get(frag_uri) and not s.diagnostics.get(tmpl_uri))
        await s.until(lambda: "W410" not in [d.code for d in s.diagnostics.get(chart_uri, [])])
        change(s, "fragments/common.yaml", 3, FRAGMENT.replace("reason_txt", "totl"))
        await s.until(lambda: [d.code for d in s.diagnostics.get(frag_uri, [])] == ["E205"])

    run(root, body)
    # nothing was saved: the files on disk still hold the old text
    assert "reason_txt" in (root / "fragments" / "common.yaml").read_text()


def _position(text: str, marker: str, offset: int = 0) -> types.Position:
    index = text.index(marker) + len(marker) + offset
    line = text.count("\n", 0, index)
    return types.Position(line, index - (text.rfind("\n", 0, index) + 1))


def test_completion_hover_definition_and_symbols(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "flows")
    chart = CHART.replace("paidd", "paid").replace("credit_limt", "credit_limit")
    (root / "order.yaml").write_text(chart)
    doc = lambda: types.TextDocumentIdentifier(s_uri)  # noqa: E731
    s_uri = ""

    async def body(s: Session) -> dict[str, Any]:
        nonlocal s_uri
        s_uri = s.uri("order.yaml")
        await s.open("order.yaml")
        await s.until(lambda: s_uri in s.diagnostics)
        out: dict[str, Any] = {}

        async def complete(pos: types.Position) -> list[str]:
            found = await s.client.text_document_completion_async(
                types.CompletionParams(doc(), pos)
            )
            items = found.items if isinstance(found, types.CompletionList) else found or []
            return [i.label for i in items]

        out["targets"] = await complete(_position(chart, "target: pai"))
        out["guard"] = await complete(_position(chart, "guard: "))
        out["event"] = await complete(_position(chart, "and event."))
        out["on"] = await complete(_position(chart, "    on:\n      pa"))
        hover = await s.client.text_document_hover_async(
            types.HoverParams(doc(), _position(chart, "guard: tot"))
        )
        out["hover_guard"] = hover.contents.value if hover else None
        hover = await s.client.text_document_hover_async(
            types.HoverParams(doc(), _position(chart, "  pendi"))
        )
        out["hover_state"] = hover.contents.value if hover else None
        target = await s.client.text_document_definition_async(
            types.DefinitionParams(doc(), _position(chart, "target: canc"))
        )
        out["definition"] = target
        include = await s.client.text_document_definition_async(
            types.DefinitionParams(doc(), _position(chart, "include: [fragm"))
        )
        out["include"] = include
        symbols = await s.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(doc())
        )
        out["symbols"] = [(x.name, x.detail) for x in symbols or []]
        return out

    out = run(root, body)
    assert {"pending", "paid", "cancelled"} <= set(out["targets"])
    assert {"total", "credit_limit", "customer", "event", "len", "In"} <= set(out["guard"])
    assert out["event"] == ["amount", "reference"]
    assert "pay" in out["on"]
    assert out["hover_guard"] == "`total`: decimal (context)"
    assert out["hover_state"].startswith("**Pending payment** `pending` (atomic state)")
    assert "Waiting for the customer to pay." in out["hover_state"]
    assert isinstance(out["definition"], types.Location)
    assert out["definition"].uri.endswith("fragments/common.yaml")
    assert out["definition"].range.start.line == 2  # `cancelled:` in the fragment
    assert out["include"].uri.endswith("fragments/common.yaml")
    assert out["symbols"] == [("pending", "Pending payment"), ("paid", "final")]


def test_hover_over_a_problem_explains_its_code(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "flows")

    async def body(s: Session) -> str | None:
        await s.open("order.yaml")
        uri = s.uri("order.yaml")
        await s.until(lambda: uri in s.diagnostics)
        hover = await s.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), _position(CHART, "target: paid"))
        )
        return hover.contents.value if hover else None

    text = run(root, body)
    assert text is not None and "**E301** (error):" in text and "Fix:" in text
