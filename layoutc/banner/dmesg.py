"""Finding the banner in a pasted boot log.

Accepts whatever a log capture adds in front of the kernel's text: ``[  0.000000]``
timestamps, syslog prefixes (``Jun 13 21:03:14 host kernel:``), ``<N>`` levels,
quoting (``> ``), tabs, serial-console time stamps (``[11:43:26]``), and dmesg's
continuation lines that carry no timestamp at all (a multi-line ``pr_notice``).
The banner lines are matched by their shape
``LABEL : 0xSTART - 0xEND   (SIZE UNIT)``, so vendor-added lines are kept too.  A line
that a mail client wrapped before its ``(SIZE UNIT)`` (arm64's 16-digit addresses make
the lines 80+ characters long) is joined again with the kernel's three spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = re.compile(
    r"""^(?:[ \t]*>)*[ \t]*                       # mail quoting, indentation
        (?:<\d+>)?
        (?:(?:[A-Z][a-z]{2}[ ]+\d+[ ]\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ][\d:.,+\-]+)[ ]\S+[ ]kernel:[ ]?)?  # syslog
        (?:<\d+>)?
        (?:\[[^\]\n]{1,40}\][ ]?)*                  # [ 0.000000] [11:43:26] [0:swapper]
        (?:<\d+>)?""", re.X)
_ADDR = r"0x(?:[0-9a-fA-F]+|\(ptrval\)|\(_+ptrval_+\))"
_LINE = re.compile(
    rf"""^(?P<label>[A-Za-z._][\w./ ]*?)?[ \t]*:?[ \t]*
        (?P<start>{_ADDR})[ \t]*-[ \t]*(?P<end>{_ADDR})[ \t]*
        \([ \t]*(?P<size>\d+)[ \t]*(?P<unit>[kKMGT]B)(?:[ \t]+(?P<note>maximum|actual))?[ \t]*\)[ \t]*$""", re.X)
_HEADER = re.compile(r"[Vv]irtual kernel memory layout:")
_WRAPPED_HEAD = re.compile(rf"^(?:[A-Za-z._][\w./ ]*?)?[ \t]*:?[ \t]*{_ADDR}[ \t]*-[ \t]*{_ADDR}$")
_WRAPPED_TAIL = re.compile(r"^\([ \t]*\d+[ \t]*[kKMGT]B(?:[ \t]+(?:maximum|actual))?[ \t]*\)$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One banner line found in a log."""

    key: str  # label, or "vmemmap actual" for arm64's unlabelled second vmemmap line
    label: str
    start: int | None  # None for 0x(ptrval)
    end: int | None
    size: int
    unit: str
    note: str
    text: str  # the line as printed, from its label on (leading indentation dropped)
    line: int  # 0-based line number in the log
    offset: int  # character offset of `text` in the log

    @property
    def length(self) -> int:
        """Bytes the line covers: end - start, or, for a 0x(ptrval) line, the size it prints (exact to its unit)."""
        if self.start is not None and self.end is not None:
            return self.end - self.start
        return self.size << _UNIT_SHIFT[self.unit[0].upper()]


@dataclass(frozen=True, slots=True)
class Found:
    header: str
    header_line: int
    header_offset: int
    entries: tuple[Entry, ...]
    memory: tuple[str, ...]  # `Memory:` lines near the banner, prefixes removed
    version: str | None  # from a "Linux version X" line, when the paste has one


_UNIT_SHIFT = {"K": 10, "M": 20, "G": 30, "T": 40}  # the (  8 MB) a banner line ends with


_MAX_LINE = 4096


def strip_prefix(raw: str) -> str:
    prefix = _PREFIX.match(raw)  # every part of _PREFIX is optional: it always matches
    return raw[prefix.end() if prefix else 0:].rstrip()


def _int(text: str) -> int | None:
    return None if "ptrval" in text else int(text[2:], 16)


def parse(text: str) -> Found | None:
    """The first banner in ``text``, or None."""
    raw_lines = text.splitlines(keepends=True)
    offsets, position = [], 0
    for raw in raw_lines:
        offsets.append(position)
        position += len(raw)
    # a line longer than any console line is no banner line (and would cost the regexes seconds)
    contents = [strip_prefix(raw.rstrip("\r\n")) if len(raw) <= _MAX_LINE else "<long line>" for raw in raw_lines]
    version = None
    for content in contents:
        match = re.search(r"Linux version (\d+\.\d+(?:\.\d+)?)", content)
        if match:
            version = match.group(1)
            break
    starts = [(i, _HEADER.search(c)) for i, c in enumerate(contents) if _HEADER.search(c)]
    if not starts:  # an excerpt that begins below the header: the first run of banner-shaped lines
        runs = [i for i, c in enumerate(contents) if _LINE.match(c.strip())]
        starts = [(runs[0] - 1, None)] if runs else []
    for index, header in starts:
        content = contents[index] if header else ""
        entries: list[Entry] = []
        inline = content[header.end():].strip() if header else ""  # first line glued to the header
        candidates = ([(index, inline)] if inline else []) + [(i, contents[i]) for i in range(index + 1, len(contents))]
        wrapped = False
        for position, (number, candidate) in enumerate(candidates):
            if wrapped:  # the tail of a wrapped line, already joined to the line before
                wrapped = False
                continue
            body = candidate.strip()
            following = candidates[position + 1][1].strip() if position + 1 < len(candidates) else ""
            if _WRAPPED_HEAD.match(body) and _WRAPPED_TAIL.match(following):
                body, wrapped = body + "   " + following, True
            match = _LINE.match(body)
            if not match:
                if not body:  # blank lines (some syslog viewers double-space) do not end the banner
                    continue
                break
            label = (match.group("label") or "").strip()
            note = match.group("note") or ""
            key = label or ("vmemmap actual" if note == "actual" else "?")
            raw = raw_lines[number]
            where = raw.find(body[:12]) if body else 0
            entries.append(Entry(key, label, _int(match.group("start")), _int(match.group("end")),
                                 int(match.group("size")), match.group("unit"), note, body,
                                 number, offsets[number] + max(where, 0)))
        last = entries[-1].line if entries else index
        nearby = contents[max(0, index - 4):max(index, 0)] + contents[last + 1:last + 3]
        memory = tuple(c.strip() for c in nearby if c.strip().startswith("Memory:"))
        if header is None:  # headerless excerpt: point at its first line
            first = entries[0]
            return Found("", first.line, first.offset, tuple(entries), memory, version)
        return Found(content[header.start():header.end()], index, offsets[index], tuple(entries), memory, version)
    return None
