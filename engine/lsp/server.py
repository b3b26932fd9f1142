"""``statewise lsp``: the language server, a thin translator (pygls over stdio).

Each handler fetches the document, asks what ``statewise validate`` already knows (the
loader's diagnostics and chart, through :class:`~engine.lsp.folder.Folder`), and converts
the answer; positions are converted in :mod:`engine.lsp.positions` only. Diagnostics are
published for every chart, fragment and template file of the workspace folder, as
``statewise validate FOLDER`` reports them: same codes, ranges and messages.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from engine.errors import Diagnostic
from engine.lsp.catalogue import meaning_of
from engine.lsp.complete import completions, template_variables
from engine.lsp.context import spot_at
from engine.lsp.folder import Folder, normal
from engine.lsp.hover import hover_text
from engine.lsp.navigate import StateSymbol, definition, state_symbols
from engine.lsp.positions import from_client, to_range
from engine.model import StateKind

__all__ = ["StatewiseServer", "build_server"]

#: seconds to wait after a keystroke before checking again (the next keystroke restarts it)
DELAY = 0.25


class StatewiseServer(LanguageServer):
    """The server and what it remembers between requests."""

    def __init__(self) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("statewise")
        except PackageNotFoundError:  # pragma: no cover - running from a checkout
            shown = "0"
        super().__init__(
            "statewise", shown, text_document_sync_kind=types.TextDocumentSyncKind.Full
        )
        self.folder: Folder | None = None
        self.published: dict[str, list[Diagnostic]] = {}
        self.pending: asyncio.TimerHandle | None = None

    # -- folder and diagnostics ---------------------------------------------------------
    def folder_of(self, path: str) -> Folder:
        if self.folder is None:
            root = self.workspace.root_path
            self.folder = Folder(Path(root) if root else Path(path).parent)
            self.folder.check()
        return self.folder

    def lines_of(self, file: str) -> list[str]:
        uri = from_fs_path(file) or file
        doc = self.workspace.get_text_document(uri)
        try:
            return list(doc.lines)
        except OSError:
            return []

    def publish(self) -> None:
        """Send every file's diagnostics (an empty list clears a file that has none now)."""
        if self.folder is None:
            return
        found = self.folder.diagnostics()
        for file in set(found) | set(self.published):
            diags = found.get(file, [])
            lines = self.lines_of(file)
            codec = self.workspace.position_codec
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=from_fs_path(file) or file,
                    diagnostics=[_diagnostic(d, lines, codec) for d in diags],
                )
            )
        self.published = found

    def recheck(self, file: str) -> None:
        folder = self.folder_of(file)
        folder.check(folder.dependents(file))
        self.publish()


def _diagnostic(d: Diagnostic, lines: list[str], codec: Any) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(d.span, lines, codec),
        message=d.message,
        severity=types.DiagnosticSeverity.Error if d.is_error else types.DiagnosticSeverity.Warning,
        code=d.code,
        source="statewise",
        data={"path": d.path},
    )


def _path(uri: str) -> str:
    return normal(to_fs_path(uri) or uri)


def build_server() -> StatewiseServer:
    server = StatewiseServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: StatewiseServer, params: types.InitializedParams) -> None:
        root = ls.workspace.root_path
        if root:
            ls.folder_of(str(Path(root) / "_"))
            ls.publish()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: StatewiseServer, params: types.DidOpenTextDocumentParams) -> None:
        file = _path(params.text_document.uri)
        ls.folder_of(file).buffers[file] = params.text_document.text
        ls.recheck(file)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: StatewiseServer, params: types.DidChangeTextDocumentParams) -> None:
        file = _path(params.text_document.uri)
        doc = ls.workspace.get_text_document(params.text_document.uri)
        ls.folder_of(file).buffers[file] = doc.source
        if ls.pending is not None:
            ls.pending.cancel()
        ls.pending = asyncio.get_running_loop().call_later(DELAY, ls.recheck, file)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: StatewiseServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.recheck(_path(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: StatewiseServer, params: types.DidCloseTextDocumentParams) -> None:
        file = _path(params.text_document.uri)
        ls.folder_of(file).buffers.pop(file, None)
        ls.recheck(file)

    def _where(
        ls: StatewiseServer, uri: str, position: types.Position
    ) -> tuple[str, Any, Any, int, int, str]:
        file = _path(uri)
        lines = ls.lines_of(file)
        line, col = from_client(position, lines, ls.workspace.position_codec)
        folder = ls.folder_of(file)
        return file, folder, folder.document(file), line, col, lines[line - 1] if lines else ""

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", "'", " ", "{"]),
    )
    def completion(ls: StatewiseServer, params: types.CompletionParams) -> types.CompletionList:
        file, folder, doc, line, col, text = _where(ls, params.text_document.uri, params.position)
        chart = folder.draft(file)
        items: list[types.CompletionItem] = []
        if chart is not None and doc is not None:
            items = completions(chart, folder.charts(), spot_at(doc, line, col), text[: col - 1])
        elif chart is not None and "{{" in text[: col - 1]:  # a template file
            used = [
                t for t in chart.templates.values() if t.body_file and normal(t.body_file) == file
            ]
            items = template_variables(chart, used[0].name) if used else []
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: StatewiseServer, params: types.HoverParams) -> types.Hover | None:
        file, folder, doc, line, col, text = _where(ls, params.text_document.uri, params.position)
        parts = []
        for d in ls.published.get(file, []):
            span = d.span
            if span and (span.line, span.col) <= (line, col) <= (span.end_line, span.end_col):
                parts.append(meaning_of(d.code) or d.code)
        chart = folder.draft(file)
        if chart is not None and doc is not None:
            found = hover_text(chart, spot_at(doc, line, col), text, col)
            if found:
                parts.insert(0, found)
        if not parts:
            return None
        return types.Hover(
            types.MarkupContent(types.MarkupKind.Markdown, "\n\n---\n\n".join(parts))
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def goto(ls: StatewiseServer, params: types.DefinitionParams) -> types.Location | None:
        file, folder, doc, line, col, text = _where(ls, params.text_document.uri, params.position)
        chart = folder.draft(file)
        if chart is None or doc is None:
            return None
        found = definition(chart, doc, spot_at(doc, line, col), text, col)
        if found is None:
            return None
        target, span = found
        lines = ls.lines_of(target)
        return types.Location(
            uri=from_fs_path(target) or target,
            range=to_range(span, lines, ls.workspace.position_codec)
            if span
            else types.Range(types.Position(0, 0), types.Position(0, 0)),
        )

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(
        ls: StatewiseServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        file = _path(params.text_document.uri)
        folder = ls.folder_of(file)
        chart, doc = folder.draft(file), folder.document(file)
        if chart is None or doc is None:
            return []
        lines, codec = ls.lines_of(file), ls.workspace.position_codec
        return [_symbol(s, lines, codec) for s in state_symbols(chart, doc)]

    return server


_KINDS = {
    StateKind.ATOMIC: types.SymbolKind.Field,
    StateKind.COMPOUND: types.SymbolKind.Class,
    StateKind.PARALLEL: types.SymbolKind.Struct,
    StateKind.FINAL: types.SymbolKind.EnumMember,
    StateKind.HISTORY: types.SymbolKind.Event,
}


def _symbol(s: StateSymbol, lines: list[str], codec: Any) -> types.DocumentSymbol:
    state = s.state
    return types.DocumentSymbol(
        name=state.name,
        detail=state.meta.label or state.kind.value,
        kind=_KINDS[state.kind],
        range=to_range(s.whole, lines, codec),
        selection_range=to_range(s.key, lines, codec),
        children=[_symbol(c, lines, codec) for c in s.children] or None,
    )


def serve() -> None:
    """Run the server on standard input and output until the client says exit."""
    build_server().start_io()
