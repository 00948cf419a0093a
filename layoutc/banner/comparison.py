"""compare(layout, log) -> one diagnostic per banner line that differs.

The rendered banner of the layout is matched with the banner found in the log line
by line, by label (``vmalloc``, ``lowmem``, ...).  Text is compared byte for byte
from the label on; the indentation in front of the label is not, because log
captures change it (dmesg re-indents continuation lines, forums collapse spaces).
Kernel-image lines (.text, .init, ...) depend on the build, not the layout, and are
compared only when asked.  Codes: layoutc/rules/fidelity.py.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..model.types import Layout
from ..source import SourceFile, Span
from .common import MissingValue
from .dmesg import find
from .render import banner


def compare(layout: Layout, text: str, name: str = "<banner>", images: bool = False) -> list[Diagnostic]:
    source = SourceFile(name, text)
    found = find(source)
    if isinstance(found, Diagnostic):
        return [found]
    try:
        expected = banner(layout)
    except MissingValue as missing:
        return [Diagnostic("F104", f"the layout has no banner to compare: {missing}", Span(source, found.header_offset,
                           found.header_offset + len(found.header)))]
    diagnostics: list[Diagnostic] = []
    actual = {entry.key: entry for entry in found.entries}
    wanted = [line for line in expected.lines if images or line.region]
    for line in wanted:
        text_expected = expected.text_of(line).strip()
        entry = actual.get(line.key)
        if entry is None:
            if not found.header:  # an excerpt without the header may start below this line
                first = expected.lines.index(next(e for e in expected.lines if e.key == found.entries[0].key)) \
                    if any(e.key == found.entries[0].key for e in expected.lines) else 0
                if expected.lines.index(line) < first:
                    continue
            at = Span(source, found.header_offset, found.header_offset + max(len(found.header), 1))
            diagnostics.append(Diagnostic("F101", f"banner line `{line.key}` is missing from the log",
                                          at, notes=(f"expected: {text_expected}", "actual:   (no such line)"),
                                          help=f"the layout prints it because of {line.source}"))
        elif entry.text != text_expected:
            at = Span(source, entry.offset, entry.offset + len(entry.text))
            diagnostics.append(Diagnostic("F101", f"banner line `{line.key}` differs",
                                          at, notes=(f"expected: {text_expected}", f"actual:   {entry.text}"),
                                          help=f"the layout computes it from {line.source}"))
    printed = {line.key for line in expected.lines}
    image_keys = {line.key for line in expected.lines if not line.region} | {".text", ".init", ".data", ".bss", ".rodata"}
    for entry in found.entries:
        if entry.key in printed or (not images and entry.key in image_keys):
            continue
        at = Span(source, entry.offset, entry.offset + len(entry.text))
        diagnostics.append(Diagnostic("F101", f"the log has a banner line `{entry.key}` the layout does not print",
                                      at, notes=("expected: (no such line)", f"actual:   {entry.text}"),
                                      help="a vendor-added line, or a config/era param (highmem, modules, "
                                           "dtcm_size, kernel) that differs from the board's"))
    return diagnostics
