"""`layoutc import`: a boot log -> a board overlay .kl that extends the right shipped layout.

The overlay's text is built here; writing it (atomically) is the CLI's job.  Every
banner line the chosen params do not reproduce comes back as an F101 diagnostic,
every guessed param as an F105 note.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic
from ..source import SourceFile, Span
from .dmesg import find
from .infer import LAYOUTS, Inference, infer

if TYPE_CHECKING:
    from ..session import Result

ORDER = ("kernel", "vmsplit", "mode", "pae", "highmem", "thumb2", "modules", "phys_offset", "ram", "vmalloc",
         "vmalloc_end", "dma_size", "dtcm_size", "itcm_size", "text_offset", "fixmap_size", "cpu_entry_size",
         "physical_start", "image_size")


@dataclass
class Imported:
    overlay: str | None  # the .kl text, None when nothing could be inferred
    inference: Inference | None
    diagnostics: list[Diagnostic]


def _score(base: str, params: dict[str, str], text: str, name: str) -> tuple[int, list[Diagnostic], Result]:
    from ..session import load_layout
    from .comparison import compare

    result = load_layout(base, [f"{k}={v}" for k, v in params.items()])
    if result.layout is None or result.errors:
        return 10_000, [], result
    diagnostics = compare(result.layout, text, name)
    return len(diagnostics), diagnostics, result


def import_banner(text: str, name: str = "<log>", out_dir: str = ".") -> Imported:
    source = SourceFile(name, text)
    found = find(source)
    if isinstance(found, Diagnostic):
        return Imported(None, None, [found])
    inference = infer(found)
    at = Span(source, found.header_offset, found.header_offset + max(len(found.header), 1))
    if inference is None or not inference.layout:
        why = inference.notes[0] if inference and inference.notes else "the banner's architecture is not recognised"
        return Imported(None, inference, [Diagnostic("F104", why, at)])
    base = str(LAYOUTS / inference.layout)
    candidates = inference.candidates or [inference.params]
    best = (_score(base, candidates[0], text, name), candidates[0])
    for candidate in candidates[1:]:
        if best[0][0] == 0:
            break
        scored = _score(base, candidate, text, name)
        if scored[0] < best[0][0]:
            best = (scored, candidate)
    (count, diagnostics, result), params = best
    inference.params = params
    if count >= 10_000:
        problems = "; ".join(f"{d.code} {d.message}" for d in result.errors[:3])
        diagnostics = [Diagnostic("F104", f"the inferred params do not evaluate: {problems}", at)]
    notes = [Diagnostic("F105", note, at) for note in inference.notes]
    return Imported(overlay_text(inference, name, out_dir), inference, list(diagnostics) + notes)


def overlay_text(inference: Inference, name: str, out_dir: str) -> str:
    base = LAYOUTS / inference.layout
    rel = os.path.relpath(base, os.path.abspath(out_dir)).replace(os.sep, "/")
    stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(name).stem) or "imported"
    if stem[0].isdigit():
        stem = "board_" + stem
    lines = [f"// written by `layoutc import {Path(name).name}`: params inferred from its",
             "// \"Virtual kernel memory layout\" boot banner. Check the guessed ones:"]
    lines += [f"//   - {note}" for note in inference.notes]
    lines += ["", f'extends "{rel}"', "", f"layout {stem} {{", f'    title = "imported from {Path(name).name}"', "}", ""]
    keys = sorted(inference.params, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    width = max((len(k) for k in keys), default=0)
    lines += [f"set {key.ljust(width)} = {inference.params[key]}" for key in keys]
    return "\n".join(lines) + "\n"
