"""A real LSP client (pygls' LanguageClient) talking to `layoutc lsp` in a subprocess over stdio.

Shared by tests/test_lsp.py and benchmarks/lsp_latency.py.  Diagnostics the
server publishes are collected per URI; ``wait_diagnostics`` waits for the
next set of one document.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

TIMEOUT = 20.0


class Session:
    def __init__(self) -> None:
        self.client = LanguageClient("layoutc-tests", "1")
        self.diagnostics: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.arrived = asyncio.Event()
        self.versions: dict[str, int] = {}

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics.setdefault(params.uri, []).append(params)
            self.arrived.set()

    async def start(self, init_options: dict[str, Any] | None = None,
                    capabilities: lsp.ClientCapabilities | None = None) -> lsp.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "layoutc", "lsp")
        result = await asyncio.wait_for(self.client.initialize_async(lsp.InitializeParams(
            capabilities=capabilities or lsp.ClientCapabilities(), root_uri=None,
            initialization_options=init_options)), TIMEOUT)
        self.client.initialized(lsp.InitializedParams())
        return result

    async def stop(self) -> None:
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.resolve().as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
            uri, "kl", 1, path.read_text(encoding="utf-8") if text is None else text)))
        return uri

    async def opened(self, path: Path, text: str | None = None) -> str:
        """Open ``path`` and wait for its first diagnostics."""
        uri = self.open(path, text)
        await self.wait_diagnostics(uri)
        return uri

    async def close_all(self) -> None:
        """Close every open document and wait for the empty diagnostics each close publishes."""
        for uri in list(self.versions):
            count = len(self.diagnostics.get(uri, []))
            self.client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
            await self.wait_diagnostics(uri, count + 1)
        self.versions.clear()
        self.diagnostics.clear()

    def replace(self, uri: str, start: lsp.Position, end: lsp.Position, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [lsp.TextDocumentContentChangePartial(lsp.Range(start, end), text)]))

    async def wait_diagnostics(self, uri: str, count: int = 1) -> lsp.PublishDiagnosticsParams:
        """Wait until ``uri`` has had ``count`` sets of diagnostics published; the last one."""
        async def arrived() -> lsp.PublishDiagnosticsParams:
            while len(self.diagnostics.get(uri, [])) < count:
                self.arrived.clear()
                await self.arrived.wait()
            return self.diagnostics[uri][-1]

        return await asyncio.wait_for(arrived(), TIMEOUT)

    async def hover(self, uri: str, pos: lsp.Position) -> lsp.Hover | None:
        return await asyncio.wait_for(self.client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(uri), pos)), TIMEOUT)

    async def settled_hover(self, uri: str, pos: lsp.Position) -> str:
        """The hover's Markdown once the values across the --matrix are known (the server computes
        them in the background after a check)."""
        for _ in range(200):
            hover = await self.hover(uri, pos)
            assert hover is not None and isinstance(hover.contents, lsp.MarkupContent), hover
            if "being computed" not in hover.contents.value:
                return hover.contents.value
            await asyncio.sleep(0.05)
        raise TimeoutError("the values per variant never arrived")


def find(text: str, needle: str, nth: int = 0, offset: int = 0) -> lsp.Position:
    """The position of the ``nth`` occurrence of ``needle`` (plus ``offset`` characters) in ``text``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    return lsp.Position(line, index - (text.rfind("\n", 0, index) + 1))
