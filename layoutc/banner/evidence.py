"""The header block of a collected boot log (tests/data/banners/*.txt).

    # source: URL (thread, comment)
    # board: ...            free text, any number of lines
    # differs: KEY -- why   a banner line the shipped layout is known not to reproduce
    # layout: layouts/arm32.kl
    # params: kernel=4.19 vmsplit=3G ram=0:1G

Header lines start with ``#``; the rest of the file is the log as posted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    source: str
    layout: str
    params: tuple[str, ...]
    differs: dict[str, str]
    notes: str
    log: str


def read_evidence(text: str) -> Evidence:
    fields: dict[str, list[str]] = {}
    current = "notes"
    log_lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#") and not log_lines:
            body = line[1:].strip()
            head, sep, rest = body.partition(":")
            if sep and head.isidentifier() and line[1:2] == " " and not line[2:3].isspace():
                current = head
                fields.setdefault(current, []).append(rest.strip())
            else:
                fields.setdefault(current, []).append(body)
            continue
        log_lines.append(line)
    differs: dict[str, str] = {}
    for entry in fields.get("differs", []):
        if "--" in entry:
            key, _, why = entry.partition("--")
            differs[key.strip()] = why.strip()
    return Evidence(" ".join(fields.get("source", [])), " ".join(fields.get("layout", [])).strip(),
                    tuple(" ".join(fields.get("params", [])).split()), differs,
                    " ".join(fields.get("board", []) + fields.get("known", [])), "".join(log_lines))
