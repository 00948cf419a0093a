"""Diagnostics -> text: human (with source lines and carets), JSON, GitHub annotations (SARIF: sarif.py).

Pure functions from values to strings; the CLI decides where they go and
whether colour is on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from .diagnostics import Diagnostic, Severity
from .frozen import frozen
from .source import Span

if TYPE_CHECKING:
    from .workspace import Workspace

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[1;36m", "bold": "\x1b[1m",
            "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


@frozen(slots=False)
class Summary:
    errors: int
    warnings: int
    notes: int
    files: int
    regions: int
    rules: int
    definitions: int = 0
    variants: int = 1
    waived: int = 0

    def as_dict(self) -> dict:
        return {"errors": self.errors, "warnings": self.warnings, "notes": self.notes, "files": self.files,
                "regions": self.regions, "rules": self.rules, "definitions": self.definitions,
                "variants": self.variants, "waived": self.waived}


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int, int]:
    items = list(diagnostics)
    return (sum(d.severity is Severity.ERROR for d in items), sum(d.severity is Severity.WARNING for d in items),
            sum(d.severity is Severity.NOTE for d in items))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def coverage_line(summary: Summary) -> str:
    """The last line of every human report: what was checked, so an empty run cannot look like a pass."""
    parts = [_plural(summary.files, "file"), _plural(summary.regions, "region"),
             _plural(summary.definitions, "param/constant"), _plural(summary.rules, "rule"),
             _plural(summary.variants, "variant")]
    verdict = f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}"
    if summary.waived:
        verdict += f", {summary.waived} waived"
    return f"checked {', '.join(parts)}: {verdict}"


# Layout text reaches a terminal in the human format: a source line, a name, a string value.  Control
# characters in it would be obeyed (ESC starts a sequence that can retitle the window or clear the
# screen), bidirectional controls would reorder what is shown.  Each becomes one visible character, so
# that carets stay under the columns they mark: C0 controls their Unicode Control Picture (ESC is
# U+241B), DEL U+2421, C1 controls, line/paragraph separators and bidi controls U+FFFD.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal would act on replaced by one visible character."""
    return _UNSAFE.sub(_picture, text)


# A source line longer than this is shown as a window around the span (`...` marks what is cut), so
# that a finding on a 1 MB line prints a line, not the megabyte.
SNIPPET_WIDTH = 160


class Human:
    def __init__(self, colour: bool = False) -> None:
        self.colour = colour

    def _c(self, style: str, text: str) -> str:
        return f"{_COLOURS[style]}{text}{_COLOURS['reset']}" if self.colour else text

    def _snippet(self, span: Span, marker: str, message: str, gutter: int) -> list[str]:
        line, column = span.start_position()
        end_line, end_column = span.end_position()
        text = span.file.line_text(line).expandtabs(1)
        offset = column - 1  # of the span's first character in `text`
        width = max(1, (end_column - column) if end_line == line else len(text) - column + 1)
        if len(text) > SNIPPET_WIDTH:
            start = max(0, min(offset - SNIPPET_WIDTH // 4, len(text) - SNIPPET_WIDTH))
            end = start + SNIPPET_WIDTH
            shown = ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")
            width = max(1, min(width, end - offset))
            offset = offset - start + (3 if start else 0)
            text = shown
        pad = " " * gutter
        out = [f"{pad} {self._c('blue', '|')}",
               f"{self._c('blue', str(line).rjust(gutter))} {self._c('blue', '|')} {terminal_safe(text)}",
               f"{pad} {self._c('blue', '|')} {' ' * offset}{marker * width}"
               + (f" {terminal_safe(message)}" if message else "")]
        return out

    def diagnostic(self, d: Diagnostic, extra_notes: Sequence[str] = ()) -> str:
        severity = str(d.severity)
        head = f"{self._c(severity, f'{severity}[{d.code}]')}: {self._c('bold', terminal_safe(d.message))}"
        lines: list[str] = []
        spans = [s for s in [d.span] + [label.span for label in d.labels] if s is not None]
        gutter = max((len(str(s.start_position()[0])) for s in spans), default=1)
        if d.span is not None:
            lines.append(f"{terminal_safe(d.span.where())}: {head}")
            if d.span.file.text:  # an unreadable file has no line to show
                lines += self._snippet(d.span, "^", "", gutter)
        else:
            lines.append(f"layoutc: {head}")
        for label in d.labels:
            lines.append(f"{' ' * gutter} {self._c('blue', ':::')} {terminal_safe(label.span.where())}")
            lines += self._snippet(label.span, "-", label.message, gutter)
        for note in (*d.notes, *extra_notes):
            lines.append(f"{' ' * gutter} {self._c('blue', '=')} note: {terminal_safe(note)}")
        if d.help:
            lines.append(f"{' ' * gutter} {self._c('blue', '=')} help: {terminal_safe(d.help)}")
        return "\n".join(lines)

    def waived(self, d: Diagnostic) -> str:
        where = d.span.where() if d.span else "layoutc"
        return terminal_safe(f"{where}: waived[{d.code}] {d.message} -- allowed because: {d.waiver}")


def _position(span: Span | None) -> dict:
    if span is None:
        return {"file": None, "line": None, "column": None, "end_line": None, "end_column": None}
    line, column = span.start_position()
    end_line, end_column = span.end_position()
    return {"file": span.file.name, "line": line, "column": column, "end_line": end_line, "end_column": end_column}


def diagnostic_dict(d: Diagnostic) -> dict:
    data: dict[str, object] = {"code": d.code, "name": d.name, "severity": str(d.severity), "message": d.message}
    data.update(_position(d.span))
    data["regions"] = list(d.regions)
    data["labels"] = [{**_position(label.span), "message": label.message} for label in d.labels]
    data["notes"] = list(d.notes)
    data["help"] = d.help
    if d.waiver is not None:
        data["waiver"] = d.waiver
    return data


def to_json(diagnostics: Sequence[Diagnostic], waived: Sequence[Diagnostic], summary: Summary,
            variants: dict | None = None) -> str:
    body: dict = {"diagnostics": [diagnostic_dict(d) for d in diagnostics],
                  "waived": [diagnostic_dict(d) for d in waived],
                  "summary": summary.as_dict()}
    if variants is not None:
        body["variants"] = variants
    import json  # only for --format json: not on every check's start-up

    return json.dumps(body, indent=2, sort_keys=False) + "\n"


def _gh_escape(text: str, property_: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def to_github(diagnostics: Sequence[Diagnostic], workspace: Workspace | None = None) -> str:
    """GitHub Actions workflow commands, one per diagnostic.

    The runner matches `file=` against the repository checked out, so paths are relative to
    ``workspace`` (``workspace.find_workspace()``: GITHUB_WORKSPACE, the git top level, the current
    directory); without one, as the user named them.  A `-D`/`--vary` text is no file: no `file=`.
    """
    lines = []
    for d in diagnostics:
        kind = {"error": "error", "warning": "warning", "note": "notice"}[str(d.severity)]
        props = [f"title={_gh_escape(f'{d.code} {d.name}', True)}"]
        if d.span is not None and not d.span.file.is_argument:
            line, column = d.span.start_position()
            end_line, end_column = d.span.end_position()
            name = workspace.display(d.span.file.name) if workspace is not None else d.span.file.name
            props = [f"file={_gh_escape(name, True)}", f"line={line}", f"col={column}",
                     f"endLine={end_line}", f"endColumn={end_column}"] + props
        text = d.message + "".join(f"\nnote: {n}" for n in d.notes) + (f"\nhelp: {d.help}" if d.help else "")
        lines.append(f"::{kind} {','.join(props)}::{_gh_escape(text)}")
    return "\n".join(lines) + ("\n" if lines else "")


def to_concise(diagnostics: Sequence[Diagnostic]) -> str:
    """One line per diagnostic, `path:line:col: severity: message [CODE]`, as gcc prints them.

    The shape VS Code's `$gcc` problem matcher and Vim's/Emacs's compiler error formats read
    (`%f:%l:%c: %t%*[^:]: %m`): the path as the user named it, 1-based line and column, the
    message on one line.  A problem in a `-D`/`--vary` text has no file: `layoutc: severity: ...`.
    """
    from .session import CONFIGURATION_NOTE

    lines = []
    for d in diagnostics:
        # the configuration a finding comes from tells apart two findings at one place (a base and an overlay)
        where = [n for n in d.notes if n.startswith(f"{CONFIGURATION_NOTE} configuration")]
        message = " ".join(d.message.splitlines()) + "".join(f" ({n})" for n in where)
        text = f"{d.severity}: {message} [{d.code}]"
        if d.span is not None and not d.span.file.is_argument:
            lines.append(f"{d.span.where()}: {text}")
        else:
            lines.append(f"layoutc: {text}")
    return "\n".join(lines) + ("\n" if lines else "")


def colour_enabled(choice: str, isatty: bool, environ: Mapping[str, str]) -> bool:
    """Whether to colour the human report.  First rule that applies wins:

    1. `--color always` / `--color never`;
    2. NO_COLOR set and not empty: no colour (no-color.org), even when something forces it;
    3. FORCE_COLOR set and not empty (force-color.org), or CLICOLOR_FORCE set and not `0`
       (bixense.com/clicolors): colour, also into a pipe or file;
    4. TERM=dumb, or CLICOLOR=0: no colour;
    5. otherwise colour exactly when the output is a terminal.
    """
    if choice in ("always", "never"):
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR") or environ.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    if environ.get("TERM") == "dumb" or environ.get("CLICOLOR") == "0":
        return False
    return isatty
