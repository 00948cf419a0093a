"""The pygls language server: LSP messages in, the pipeline's answers out.

Everything runs on the server's event loop (the parser is not re-entrant):
a change is checked DEBOUNCE seconds after the last keystroke; the values
across the `--matrix` are elaborated afterwards, one variant per loop turn, so
a hover in between is answered at once.  A check reads every open buffer in
place of its file, and re-checks the open layouts that extend the one edited.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any, Sequence

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..cli import FORMATS
from ..config import ConfigError, Finder
from ..diagnostics import Diagnostic, Severity
from ..limits import MAX_FILE_BYTES
from ..session import Policy
from ..source import SourceFile, Span
from ..syntax import ast
from . import complete, document, fixes, hover
from .index import Index, norm

DEBOUNCE = 0.03  # seconds of quiet after a change before it is checked
CONFIG_TTL = 5.0  # seconds a project configuration is reused before it is read again
MATRIX_DELAY = 0.3  # further quiet before the values per variant are computed

_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.NOTE: lsp.DiagnosticSeverity.Information}
_COMPLETION_KIND = {
    "keyword": lsp.CompletionItemKind.Keyword, "param": lsp.CompletionItemKind.Variable,
    "const": lsp.CompletionItemKind.Constant, "region": lsp.CompletionItemKind.Struct,
    "space": lsp.CompletionItemKind.Module, "attribute": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.EnumMember, "function": lsp.CompletionItemKind.Function,
    "type": lsp.CompletionItemKind.TypeParameter, "rule": lsp.CompletionItemKind.Reference,
}


# ------------------------------------------------------------------ positions (LSP counts UTF-16 units)


def uri_to_path(uri: str) -> str:
    """A file's path (Windows drive letters too); another scheme (`untitled:`) stays a name of its own."""
    return to_fs_path(uri) or uri


def path_to_uri(path: str) -> str:
    return from_fs_path(os.path.abspath(path)) or path


class Positions:
    """Offsets in our text <-> LSP positions, in the units the client and server agreed on
    (UTF-16 code units unless the client offered UTF-8 or UTF-32 first: Neovim does)."""

    def __init__(self, encoding: str = lsp.PositionEncodingKind.Utf16) -> None:
        self.encoding = encoding

    def units(self, text: str) -> int:
        """Code units of ``text``; a lone surrogate (JSON can send one) counts as one, not as an error."""
        if self.encoding == lsp.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        if self.encoding == lsp.PositionEncodingKind.Utf32:
            return len(text)
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, source: SourceFile, offset: int) -> lsp.Position:
        line, column = source.position(offset)
        return lsp.Position(line - 1, self.units(source.line_text(line)[: column - 1]))

    def range(self, span: Span) -> lsp.Range:
        return lsp.Range(self.position(span.file, span.start), self.position(span.file, span.end))

    def location(self, span: Span) -> lsp.Location:
        return lsp.Location(path_to_uri(span.file.name), self.range(span))

    def offset(self, text: str, pos: lsp.Position) -> int:
        start = 0
        for _ in range(pos.line):
            found = text.find("\n", start)
            if found == -1:
                return len(text)
            start = found + 1
        units = 0
        offset = start
        while offset < len(text) and text[offset] != "\n" and units < pos.character:
            units += self.units(text[offset])
            offset += 1
        return offset


# ------------------------------------------------------------------ the server


class KlServer:
    def __init__(self) -> None:
        self.ls = LanguageServer("layoutc", __version__)
        self.checked: dict[str, document.Checked] = {}  # uri -> latest check
        self.good: dict[str, document.Checked] = {}  # uri -> latest check that produced an index
        self.matrices: dict[str, tuple[document.Checked, document.Matrix]] = {}
        self.actions: dict[str, list[tuple[lsp.Diagnostic, fixes.Fix]]] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.matrix_tasks: dict[str, asyncio.Task[None]] = {}
        self.defines: list[str] = []
        self._finder: tuple[float, Finder] | None = None  # (when made, the configurations it has read)
        self._pos = Positions()
        self._register()

    @property
    def pos(self) -> Positions:
        encoding = self.ls.workspace.position_encoding or lsp.PositionEncodingKind.Utf16
        if self._pos.encoding != encoding:
            self._pos = Positions(encoding)
        return self._pos

    # ---- checking
    def _path(self, uri: str) -> str:
        return uri_to_path(uri)

    def _texts(self) -> dict[str, str]:
        return {norm(self._path(uri)): doc.source for uri, doc in self.ls.workspace.text_documents.items()}

    def _policy(self, path: str) -> Policy:
        """`select`/`ignore` from the file's project configuration, as `layoutc check` reads it."""
        now = time.monotonic()
        if self._finder is None or now - self._finder[0] > CONFIG_TTL:
            self._finder = (now, Finder(FORMATS))
        try:
            config = self._finder[1].for_file(path)
        except ConfigError:  # `layoutc check` reports a broken configuration; the editor keeps working
            return Policy()
        return Policy(config.select, config.ignore)

    def schedule(self, uri: str, delay: float) -> None:
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.timers[uri] = asyncio.get_running_loop().call_later(delay, self.check, uri)

    def check(self, uri: str, dependents: bool = True) -> document.Checked | None:
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if uri not in self.ls.workspace.text_documents:
            return None
        path = self._path(uri)
        try:
            checked = document.check(path, self._texts(), self.defines, self._policy(path))
        except Exception as error:  # a bug in layoutc: say so in the editor, keep serving
            self._internal_error(uri, error)
            return None
        self.checked[uri] = checked
        if checked.whole:  # completion and the outline keep the last check that parsed while a line is typed
            self.good[uri] = checked
        self.publish(uri, checked)
        self._start_matrix(uri, checked)
        if dependents:
            for other, seen in list(self.checked.items()):
                if other != uri and norm(path) in seen.files:
                    self.check(other, dependents=False)
        return checked

    def _internal_error(self, uri: str, error: Exception) -> None:
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
        message = (f"layoutc: internal error: {type(error).__name__}: {error}{where}; this is a bug in layoutc, "
                   "please report it with the input that caused it")
        self.ls.window_log_message(lsp.LogMessageParams(lsp.MessageType.Error, message))
        start = lsp.Position(0, 0)
        self.ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, [
            lsp.Diagnostic(lsp.Range(start, start), message, lsp.DiagnosticSeverity.Error, "internal",
                           source="layoutc")]))

    def current(self, uri: str) -> document.Checked | None:
        """The check of the buffer as it is now (checked at once when a change is still waiting)."""
        checked = self.checked.get(uri)
        if uri in self.timers or checked is None:
            checked = self.check(uri)
        return checked

    def _start_matrix(self, uri: str, checked: document.Checked) -> None:
        task = self.matrix_tasks.pop(uri, None)
        if task is not None:
            task.cancel()
        self.matrices.pop(uri, None)
        self.matrix_tasks[uri] = asyncio.get_running_loop().create_task(self._matrix(uri, checked))

    async def _matrix(self, uri: str, checked: document.Checked) -> None:
        try:
            await asyncio.sleep(MATRIX_DELAY)
            planned = document.matrix(checked, self.defines)
            if planned is not None:
                matrix, work = planned
                for _ in work:
                    await asyncio.sleep(0)  # let requests in between variants
                self.matrices[uri] = (checked, matrix)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug: the hover goes without values per variant, the server goes on
            self.ls.window_log_message(lsp.LogMessageParams(
                lsp.MessageType.Error, f"layoutc: internal error computing the --matrix: {type(error).__name__}: {error}"))
        finally:
            if self.matrix_tasks.get(uri) is asyncio.current_task():
                del self.matrix_tasks[uri]

    def publish(self, uri: str, checked: document.Checked) -> None:
        path = norm(self._path(uri))
        anchor: Span | None = None
        if checked.index is not None:
            anchor = next((o.span for o in checked.index.occurrences
                           if o.role == "extends" and norm(o.span.file.name) == path), None)
        root = next((f.source for f in checked.parsed.files if norm(f.source.name) == path), None)
        out: list[lsp.Diagnostic] = []
        actions: list[tuple[lsp.Diagnostic, fixes.Fix]] = []
        for diagnostic in checked.result.diagnostics:
            converted = self._diagnostic(diagnostic, path, anchor, root)
            out.append(converted)
            for fix in fixes.fixes(diagnostic, checked.index, checked.layout):
                actions.append((converted, fix))
        self.actions[uri] = actions
        version = self.ls.workspace.get_text_document(uri).version
        self.ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, out, version))

    def _diagnostic(self, d: Diagnostic, path: str, anchor: Span | None, root: SourceFile | None) -> lsp.Diagnostic:
        related = [lsp.DiagnosticRelatedInformation(self.pos.location(label.span), label.message)
                   for label in d.labels if not label.span.file.name.startswith("<")]
        message = d.message
        span = d.span
        if span is None or span.file.name.startswith("<") or norm(span.file.name) != path:
            if span is not None and not span.file.name.startswith("<"):
                where = os.path.relpath(span.file.name, os.path.dirname(path))
                message += f" (in {where})"
                related.insert(0, lsp.DiagnosticRelatedInformation(self.pos.location(span), "reported here"))
            elif span is not None:
                message += f" (in {span.file.name})"
            rng = self.pos.range(anchor) if anchor is not None else lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
        else:
            rng = self.pos.range(span)
        extra = list(d.notes) + ([f"help: {d.help}"] if d.help else [])
        if extra:
            message += "\n" + "\n".join(extra)
        return lsp.Diagnostic(rng, message, _SEVERITY.get(d.severity or Severity.ERROR), d.code, source="layoutc",
                              related_information=related or None)

    # ---- lookups
    def _at(self, uri: str, pos: lsp.Position) -> tuple[document.Checked, Index, Any] | None:
        checked = self.current(uri)
        if checked is None or checked.index is None:
            return None
        path = self._path(uri)
        source = next((f.source for f in checked.parsed.files if norm(f.source.name) == norm(path)), None)
        if source is None:
            return None
        occurrence = checked.index.at(path, self.pos.offset(source.text, pos))
        return (checked, checked.index, occurrence) if occurrence is not None else None

    def _indexes(self) -> list[Index]:
        return [c.index for c in self.checked.values() if c.index is not None]

    # ---- features
    def _register(self) -> None:
        server = self.ls

        @server.feature(lsp.INITIALIZE)
        def initialize(params: lsp.InitializeParams) -> None:
            options = params.initialization_options
            if isinstance(options, dict) and isinstance(options.get("defines"), list):
                self.defines = [str(d) for d in options["defines"]]

        @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
        def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
            self.check(params.text_document.uri)

        @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
        def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
            self.schedule(params.text_document.uri, DEBOUNCE)

        @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
        def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
            self.schedule(params.text_document.uri, 0)

        @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
        def watched(params: lsp.DidChangeWatchedFilesParams) -> None:
            changed = {norm(uri_to_path(change.uri)) for change in params.changes}
            for uri, seen in list(self.checked.items()):  # a base changed on disk: its open boards again
                if seen.files & changed and uri not in self.timers:
                    self.schedule(uri, DEBOUNCE)

        @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
        def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
            uri = params.text_document.uri
            for table in (self.checked, self.good, self.matrices, self.actions):
                table.pop(uri, None)
            timer = self.timers.pop(uri, None)
            if timer is not None:
                timer.cancel()
            task = self.matrix_tasks.pop(uri, None)
            if task is not None:
                task.cancel()
            server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))

        @server.feature(lsp.TEXT_DOCUMENT_HOVER)
        def on_hover(params: lsp.HoverParams) -> lsp.Hover | None:
            found = self._at(params.text_document.uri, params.position)
            if found is None:
                return None
            checked, index, occurrence = found
            ready = self.matrices.get(params.text_document.uri)
            matrix = ready[1] if ready is not None and ready[0] is checked else None
            text = hover.hover_text(index, occurrence, checked.layout, matrix,
                                    pending=params.text_document.uri in self.matrix_tasks)
            if text is None:
                return None
            return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text), self.pos.range(occurrence.span))

        @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
        def definition(params: lsp.DefinitionParams) -> list[lsp.Location] | None:
            found = self._at(params.text_document.uri, params.position)
            if found is None:
                return None
            _, index, occurrence = found
            if occurrence.key[0] == "file":
                start = lsp.Position(0, 0)
                return [lsp.Location(path_to_uri(occurrence.key[1]), lsp.Range(start, start))]
            span = index.definition(occurrence.key)
            return [self.pos.location(span)] if span is not None else None

        @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
        def references(params: lsp.ReferenceParams) -> list[lsp.Location] | None:
            found = self._at(params.text_document.uri, params.position)
            if found is None:
                return None
            _, index, occurrence = found
            declaration = index.definition(occurrence.key)
            seen: set[tuple[str, int]] = set()
            out: list[lsp.Location] = []
            for other in [index] + self._indexes():
                if declaration is not None and other.definition(occurrence.key) is not None and \
                        norm(other.definition(occurrence.key).file.name) != norm(declaration.file.name):  # type: ignore[union-attr]
                    continue  # another layout's symbol of the same name
                for o in other.of(occurrence.key):
                    if o.role == "definition" and not params.context.include_declaration:
                        continue
                    key = (norm(o.span.file.name), o.span.start)
                    if key not in seen:
                        seen.add(key)
                        out.append(self.pos.location(o.span))
            return out

        @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
        def symbols(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
            uri = params.text_document.uri
            self.current(uri)
            checked = self.good.get(uri)
            if checked is None:
                return []
            path = norm(self._path(uri))
            file = next((f for f in checked.parsed.files if norm(f.source.name) == path), None)
            return _outline(file, checked, self.pos) if file is not None else []

        @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
        def completion(params: lsp.CompletionParams) -> lsp.CompletionList:
            uri = params.text_document.uri
            document = server.workspace.text_documents.get(uri)
            if document is None:  # not opened: the workspace would read it from disk (/dev/zero, a FIFO)
                return lsp.CompletionList(is_incomplete=False, items=[])
            text = document.source
            good = self.good.get(uri)
            found = complete.candidates(text, self.pos.offset(text, params.position), good.index if good else None,
                                        good.layout if good else None)
            items = [lsp.CompletionItem(c.label, kind=_COMPLETION_KIND.get(c.kind), detail=c.detail or None)
                     for c in found]
            return lsp.CompletionList(is_incomplete=False, items=items)

        @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
        def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
            uri = params.text_document.uri
            self.current(uri)
            out: list[lsp.CodeAction] = []
            for diagnostic, fix in self.actions.get(uri, []):
                if not _intersects(diagnostic.range, params.range):
                    continue
                changes: dict[str, list[lsp.TextEdit]] = {}
                for span, text in fix.edits:
                    changes.setdefault(path_to_uri(span.file.name), []).append(lsp.TextEdit(self.pos.range(span), text))
                out.append(lsp.CodeAction(fix.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                                          edit=lsp.WorkspaceEdit(changes=changes), is_preferred=fix.preferred or None))
            return out


def _intersects(a: lsp.Range, b: lsp.Range) -> bool:
    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _outline(file: ast.File, checked: document.Checked, pos: Positions) -> list[lsp.DocumentSymbol]:
    layout = checked.layout
    hover_bits = layout.bits if layout is not None else 64

    def detail_of_region(space: str, decl: ast.RegionDecl) -> str | None:
        if layout is None or space not in layout.spaces:
            return None
        text = hover.region_range(layout, space, decl.name)
        return text

    def region(space: str, decl: ast.RegionDecl) -> lsp.DocumentSymbol:
        return lsp.DocumentSymbol(decl.name, lsp.SymbolKind.Struct, pos.range(decl.span), pos.range(decl.name_span),
                                  detail=detail_of_region(space, decl),
                                  children=[region(space, child) for child in decl.children])

    out: list[lsp.DocumentSymbol] = []
    for item in file.items:
        if isinstance(item, ast.LayoutHeader):
            out.append(lsp.DocumentSymbol(item.name, lsp.SymbolKind.Module, pos.range(item.span),
                                          pos.range(item.name_span), detail=layout.title if layout else None))
        elif isinstance(item, ast.ParamDecl):
            value = hover.value_text(layout.value(item.name), hover_bits) if layout and layout.has(item.name) else None
            out.append(lsp.DocumentSymbol(item.name, lsp.SymbolKind.Variable, pos.range(item.span),
                                          pos.range(item.name_span), detail=value))
        elif isinstance(item, ast.ConstDecl):
            value = hover.value_text(layout.value(item.name), hover_bits) if layout and layout.has(item.name) else None
            out.append(lsp.DocumentSymbol(item.name, lsp.SymbolKind.Constant, pos.range(item.span),
                                          pos.range(item.name_span), detail=value))
        elif isinstance(item, ast.SpaceDecl):
            out.append(lsp.DocumentSymbol(item.name, lsp.SymbolKind.Namespace, pos.range(item.span),
                                          pos.range(item.name_span), detail=f"bits {item.bits.span.text}",
                                          children=[region(item.name, r) for r in item.regions]))
    return out


# A message's body may be a document of up to MAX_FILE_BYTES, escaped in JSON: a few times that at most.
MAX_MESSAGE_BYTES = 4 * MAX_FILE_BYTES
_IGNORED = b'{"jsonrpc": "2.0", "method": "$/layoutc/messageTooLarge"}'  # a `$/` notification: ignored


class _BoundedInput:
    """The client's stream, as pygls reads it (``readline``, ``read(n)``), with bounds: a header line of
    at most 64 KiB, a body of at most MAX_MESSAGE_BYTES.  A larger body is read and dropped a MiB at a
    time (the stream stays framed) and replaced by a notification the server ignores: a
    `Content-Length: 99999999999999` made pygls allocate it whole (MemoryError, issue 10)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def readline(self) -> bytes:
        return self.raw.readline(64 * 1024)

    def read(self, size: int) -> bytes:
        if size <= MAX_MESSAGE_BYTES:
            return self.raw.read(size)
        logging.getLogger(__name__).warning("a message of %d bytes (more than %d) was dropped", size, MAX_MESSAGE_BYTES)
        while size > 0:
            chunk = self.raw.read(min(size, 1 << 20))
            if not chunk:
                return b""  # the client went away: the server stops as at any end of input
            size -= len(chunk)
        return _IGNORED


class _OneLine(logging.Formatter):
    """Log records on one line: a message pygls cannot handle is logged with its exception, not a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "msg": f"{record.getMessage()}: {type(error).__name__}: {error}",
                                            "args": ()})
        return super().format(record)


def serve(argv: Sequence[str] = ()) -> None:
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("layoutc lsp: %(levelname)s: %(message)s"))
    for name in ("pygls", __name__):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
    KlServer().ls.start_io(_BoundedInput(sys.stdin.buffer))  # type: ignore[arg-type]  # pygls reads readline and read only
