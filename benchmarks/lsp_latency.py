"""`layoutc lsp` responsiveness: an edit of arm32.kl to its diagnostics, and a hover, seen by a real client.

    python3 benchmarks/lsp_latency.py [--edits 20] [--hovers 50]

A real LSP client (pygls' LanguageClient, tests/lsp_session.py) starts `layoutc lsp` in a
subprocess and talks to it over stdio, as an editor does.  Figures:

* edit -> diagnostics: from sending a `didChange` (one number of the file changed, alternately
  making and removing an overlap) to the `publishDiagnostics` that answers it; this includes
  the server's debounce (layoutc.lsp.server.DEBOUNCE), which an editor waits for too.
* the check itself, in-process (`layoutc.lsp.document.check`), for the share of the above.
* hover: request to answer for a constant, once the values across the --matrix are known
  (the full answer), and right after an edit (before they are).

Targets (issue 14): diagnostics within 100 ms of an edit, a hover within 20 ms.  Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from common import ROOT, median, ms, table, verdict

sys.path.insert(0, str(ROOT / "tests"))

from lsp_session import Session, find  # noqa: E402
from lsprotocol import types as lsp  # noqa: E402

from layoutc.lsp import document  # noqa: E402
from layoutc.lsp.index import norm  # noqa: E402
from layoutc.lsp.server import DEBOUNCE  # noqa: E402

ARM32 = ROOT / "layouts" / "arm32.kl"


async def measure(edits: int, hovers: int) -> dict[str, list[float]]:
    text = ARM32.read_text(encoding="utf-8")
    session = Session()
    await session.start()
    figures: dict[str, list[float]] = {"edit": [], "hover": [], "hover_pending": []}
    try:
        uri = session.open(ARM32)
        await session.wait_diagnostics(uri)
        at = find(text, "region vmalloc_area [VMALLOC_START", 0, len("region vmalloc_area ["))
        spellings = ("high_memory - 16M", "VMALLOC_START")  # an overlap, then the original again
        current = "VMALLOC_START"
        use = find(text, "[VMALLOC_START", 0, 3)
        for i in range(edits):
            new = spellings[i % 2]
            end = lsp.Position(at.line, at.character + len(current))
            count = len(session.diagnostics[uri])
            start = time.perf_counter()
            session.replace(uri, at, end, new)
            await session.wait_diagnostics(uri, count + 1)
            figures["edit"].append(time.perf_counter() - start)
            current = new
            if i % 2 == 1:  # back at the original text: a hover before the matrix is known
                start = time.perf_counter()
                await session.hover(uri, use)
                figures["hover_pending"].append(time.perf_counter() - start)
            await asyncio.sleep(0.02)
        for _ in range(100):  # wait for the values per variant
            answer = await session.hover(uri, use)
            if answer is not None and "**per variant**" in str(answer.contents):
                break
            await asyncio.sleep(0.1)
        for _ in range(hovers):
            start = time.perf_counter()
            await session.hover(uri, use)
            figures["hover"].append(time.perf_counter() - start)
    finally:
        await session.stop()
    return figures


def in_process_check(repeat: int) -> float:
    texts = {norm(str(ARM32)): ARM32.read_text(encoding="utf-8")}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        document.check(str(ARM32), texts)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--hovers", type=int, default=50)
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.edits, args.hovers))
    check = in_process_check(10)
    edit, hover, pending = median(figures["edit"]), median(figures["hover"]), median(figures["hover_pending"])
    rows = [
        ["edit -> diagnostics (median)", ms(edit), f"max {ms(max(figures['edit']))}", "100 ms",
         verdict(edit <= 0.100)],
        ["  of which debounce", ms(DEBOUNCE), "", "", ""],
        ["  of which the check (in-process, best)", ms(check), "", "", ""],
        ["hover, values per variant known (median)", ms(hover), f"max {ms(max(figures['hover']))}", "20 ms",
         verdict(hover <= 0.020)],
        ["hover right after an edit (median)", ms(pending), f"max {ms(max(figures['hover_pending']))}", "20 ms",
         verdict(pending <= 0.020)],
    ]
    print(f"layoutc lsp on {ARM32.relative_to(ROOT)}: {args.edits} edits, {args.hovers} hovers, real client over stdio")
    print(table(rows, ["figure", "value", "spread", "target", "verdict"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
