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

import collections
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..source import SourceFile, Span

_PREFIX = re.compile(
    r"""^(?:[ \t]*>)*[ \t]*                       # mail quoting, indentation
        (?:<\d+>)?
        (?:(?:[A-Z][a-z]{2}[ ]+\d+[ ]\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ][\d:.,+\-]+)[ ]\S+[ ]kernel:[ ]?)?  # syslog
        (?:<\d+>)?
        (?:\[[^\]\n]{1,40}\][ ]?)*                  # [ 0.000000] [11:43:26] [0:swapper]
        (?:<\d+>)?""", re.X)
_ADDR = r"0x(?:[0-9a-fA-F]+|\(ptrval\)|\(_+ptrval_+\))"
# A label ends in no blank, and the blanks before `:` are the separator's alone: a label that could end in
# blanks the separator's `[ \t]*` could also take made a failing match try every split of a run of
# blanks (a 1.5 KB line of them: 4 s; issue 10).
_LABEL = r"[A-Za-z._](?:[\w./ ]*[\w./])?"
_LINE = re.compile(
    rf"""^(?P<label>{_LABEL})?[ \t]*(?::[ \t]*)?
        (?P<start>{_ADDR})[ \t]*-[ \t]*(?P<end>{_ADDR})[ \t]*
        \([ \t]*(?P<size>\d+)[ \t]*(?P<unit>[kKMGT]B)(?:[ \t]+(?P<note>maximum|actual))?[ \t]*\)[ \t]*$""", re.X)
_HEADER = re.compile(r"[Vv]irtual kernel memory layout:")
_WRAPPED_HEAD = re.compile(rf"^(?:{_LABEL})?[ \t]*(?::[ \t]*)?{_ADDR}[ \t]*-[ \t]*{_ADDR}$")
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
    past_limit: tuple[int, int] | None = None  # (offset, length) of a banner line past MAX_BANNER_LINES


def find(source: SourceFile) -> Found | Diagnostic:
    """The first banner of a log, or why there is none to use: F103 (none found), L016 (one that goes on
    past MAX_BANNER_LINES lines: only that many were read)."""
    from ..limits import MAX_BANNER_LINES

    found = parse(source.text)
    if found is None:
        return Diagnostic("F103", f"no \"Virtual kernel memory layout:\" banner in {source.name}", Span(source, 0, 0),
                          help="paste the boot log (dmesg) from the `Memory:` line to the last `.bss`/`kernel` line")
    if found.past_limit is not None:
        offset, length = found.past_limit
        return Diagnostic("L016", f"the banner has more than {MAX_BANNER_LINES} lines", Span(source, offset, offset + length),
                          help="the kernel prints a few dozen; paste one boot's banner")
    return found


_UNIT_SHIFT = {"K": 10, "M": 20, "G": 30, "T": 40}  # the (  8 MB) a banner line ends with


_MAX_LINE = 4096


def strip_prefix(raw: str) -> str:
    prefix = _PREFIX.match(raw)  # every part of _PREFIX is optional: it always matches
    return raw[prefix.end() if prefix else 0:].rstrip()


def _int(text: str) -> int | None:
    return None if "ptrval" in text else int(text[2:], 16)


_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # where str.splitlines breaks
_VERSION = re.compile(r"Linux version (\d+\.\d+(?:\.\d+)?)")


def _lines(text: str, at: int = 0, number: int = 0) -> Iterator[tuple[int, int, str]]:
    """(number, offset, line with its break) of each line of ``text`` from offset ``at`` (line ``number``),
    as ``str.splitlines(keepends=True)`` cuts them, made one at a time: a log of 16 MiB of line breaks
    held as lists of lines, offsets and candidates took 1.1 GB (issue 10)."""
    end = len(text)
    search = _BREAK.search
    while at < end:
        found = search(text, at)
        stop = found.end() if found else end
        yield number, at, text[at:stop]
        number, at = number + 1, stop


def _content(raw: str) -> str:
    # a line longer than any console line is no banner line (and would cost the regexes time)
    return strip_prefix(raw.rstrip("\r\n")) if len(raw) <= _MAX_LINE else "<long line>"


def parse(text: str) -> Found | None:
    """The first banner in ``text``, or None.

    One pass finds the kernel's version, the first header (else the first banner-shaped line: an
    excerpt that begins below it) and the four lines before it; a second reads the banner's lines
    from there, and the two after them (`Memory:` lines are looked for in both)."""
    version = None
    header: tuple[int, int, str, re.Match[str]] | None = None  # (line number, offset, content, match) of the first
    run: tuple[int, int] | None = None  # (line number, offset) of the first banner-shaped line
    before: collections.deque[str] = collections.deque(maxlen=5)  # the contents of the lines before
    nearby: list[str] = []
    for number, offset, raw in _lines(text):
        if raw.isspace():  # a blank line: nothing in it to find (a log padded with millions of them)
            if header is None:
                before.append("")
            continue
        content = _content(raw)
        if version is None:
            found = _VERSION.search(content)
            version = found.group(1) if found else None
        if header is None:
            opening = _HEADER.search(content)
            if opening:
                header = (number, offset, content, opening)
                nearby = list(before)[-4:]
            elif run is None and _LINE.match(content.strip()):
                run = (number, offset)
                nearby = list(before)[:-1][-4:]  # the four before the line before it
            before.append(content)
        if version is not None and header is not None:
            break
    if header is not None:
        index, offset, content, match = header
        inline = content[match.end():].strip()  # first line glued to the header
        after = offset + len(next(_lines(text, offset, index))[2])
        candidates = _candidates(text, after, index + 1, (index, offset, inline) if inline else None)
    elif run is not None:
        index, after = run[0] - 1, run[1]
        candidates = _candidates(text, after, index + 1, None)
    else:
        return None
    entries, last, past = _entries(candidates)
    following = _lines(text, last[1], last[0]) if entries else _lines(text, after, index + 1)
    for _, _, raw in itertools.islice(following, 2):
        nearby.append(_content(raw))
    memory = tuple(c.strip() for c in nearby if c.strip().startswith("Memory:"))
    if header is None:  # headerless excerpt: point at its first line
        first = entries[0]
        return Found("", first.line, first.offset, tuple(entries), memory, version, past)
    return Found(content[match.start():match.end()], index, offset, tuple(entries), memory, version, past)


def _candidates(text: str, at: int, number: int, inline: tuple[int, int, str] | None
                ) -> Iterator[tuple[int, int, str, str]]:
    """(number, offset, raw line, content) of the lines that may be the banner's, from line ``number``
    at ``at``; first the part of the header's line after it, if it holds one."""
    if inline is not None:
        line, offset, content = inline
        yield line, offset, next(_lines(text, offset, line))[2], content
    for line, offset, raw in _lines(text, at, number):
        yield line, offset, raw, _content(raw)


def _entries(candidates: Iterator[tuple[int, int, str, str]]
             ) -> tuple[list[Entry], tuple[int, int], tuple[int, int] | None]:
    """The banner lines at the start of ``candidates`` (blank lines between them skipped, a line wrapped
    before its size joined again), at most MAX_BANNER_LINES of them; (number, offset) of the line after
    the last; and (offset, length) of a banner line past the limit, if there is one."""
    from ..limits import MAX_BANNER_LINES

    entries: list[Entry] = []
    last = (0, 0)
    pending = next(candidates, None)
    while pending is not None:
        number, offset, raw, candidate = pending
        pending = next(candidates, None)
        body = candidate.strip()
        following = pending[3].strip() if pending is not None else ""
        if _WRAPPED_HEAD.match(body) and _WRAPPED_TAIL.match(following):
            body = body + "   " + following
            pending = next(candidates, None)  # the tail, joined to this line
        match = _LINE.match(body)
        if not match:
            if not body:  # blank lines (some syslog viewers double-space) do not end the banner
                continue
            break
        where = raw.find(body[:12]) if body else 0
        if len(entries) == MAX_BANNER_LINES:
            return entries, last, (offset + max(where, 0), len(body))
        label = (match.group("label") or "").strip()
        note = match.group("note") or ""
        key = label or ("vmemmap actual" if note == "actual" else "?")
        entries.append(Entry(key, label, _int(match.group("start")), _int(match.group("end")),
                             int(match.group("size")), match.group("unit"), note, body,
                             number, offset + max(where, 0)))
        last = (number + 1, offset + len(raw))
    return entries, last, None
