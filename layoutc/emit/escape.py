"""Layout text (titles, docs, labels, assert messages, file names) made safe for each output language.

Text from a layout is data; it must never become code in what we generate.
Each function here returns text that stays inside the construct it is put in,
whatever it contains:

* ``c_comment``  -- inside ``/* ... */`` in C, C++, assembly run through cpp and
  linker scripts (which also use ``/* */``): no ``*/`` or ``/*`` (``-Wcomment``),
  no newlines, no ``??`` (trigraphs: ``??/`` is a backslash in ISO C modes), ASCII
  only (no bidirectional-override characters, ``-Wbidi-chars``), no backslash
  (at the end of a line it would splice the next one);
* ``c_string``   -- inside a C/C++ string literal: every byte that is not plain
  printable ASCII is an octal escape, ``"`` ``\\`` and ``?`` are escaped;
* ``ld_string``  -- inside a GNU ld string (ld has no escapes at all, and the
  script may go through cpp first): no ``"``, ``\\``, ``??`` or newlines;
* ``markdown`` / ``rst`` -- inline text in a table cell;
* ``make_path``  -- a path in a GNU make rule (a depfile).
"""

from __future__ import annotations

import re
import unicodedata

# Every character that some consumer takes as the end of a line: C0 and C1 controls (U+0085 NEL
# among them) and the Unicode line and paragraph separators.  docutils splits its input with
# str.splitlines(), which breaks on \v, \f, U+001C..U+001E, U+0085, U+2028 and U+2029 as well as
# on \n and \r, so a "one-line" text must have none of them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional formatting characters (Unicode UAX #9) reorder what a reader sees ("Trojan Source",
# CVE-2021-42574); in generated documents they are shown as code points instead.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """Control characters and line/paragraph separators become spaces; runs of spaces stay as written."""
    return _CONTROL.sub(" ", text)


def prose(text: str) -> str:
    """One line of text for a document: no line breaks, bidirectional controls made visible (`<U+202E>`)."""
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", one_line(text)).strip()


def _ascii(text: str) -> str:
    return "".join(ch if ord(ch) < 0x80 else f"<U+{ord(ch):04X}>" for ch in text)


def _break(text: str, pair: str, replacement: str) -> str:
    while pair in text:
        text = text.replace(pair, replacement)
    return text


def c_comment(text: str) -> str:
    """Text for the inside of a ``/* */`` comment (one line; a backslash becomes ``/``)."""
    text = _ascii(one_line(text)).replace("\\", "/")
    text = _break(text, "*/", "* /")
    text = _break(text, "/*", "/ *")
    text = _break(text, "??", "? ?")
    return text.strip()


def c_string(text: str) -> str:
    """A C/C++ string literal, quotes included, with the same bytes (UTF-8) as ``text``."""
    out = ['"']
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    out.append('"')
    return "".join(out)


def ld_string(text: str) -> str:
    """A GNU ld string literal, quotes included (ld strings have no escapes: unsafe characters are replaced)."""
    text = _ascii(one_line(text)).replace('"', "'").replace("\\", "/")
    text = _break(text, "??", "? ?")
    text = _break(text, "*/", "* /")
    text = _break(text, "/*", "/ *")
    return f'"{text}"'


# Any ASCII punctuation character may be backslash-escaped in CommonMark and in reStructuredText, and
# an escaped character starts no markup: no emphasis, code, link, footnote, substitution, role,
# HTML, entity, table cell, math, list or section.  Escaping every one that some markup uses, not
# only the obvious few, is what keeps URLs (`https\://`), `www\.`, e-mail addresses and
# hyperlink targets (`name\_`) from becoming links in renderers that look for them in plain text
# (docutils' standalone hyperlinks, GitHub's autolinks).  Left as they are: `, ; / ? % ' " ^ { }`,
# which neither language gives a meaning of their own.
_PUNCTUATION = re.compile(r"""([!#$&()*+\-.:<=>@\[\\\]_`|~])""")


def markdown(text: str) -> str:
    """Inline Markdown (a heading, a table cell): literal text, whatever it contains.

    GitHub's renderer (cmark-gfm) turns `user@host.dom` into a mailto link after parsing, escapes
    or not; an `@` in a code span breaks that and still reads as `@`."""
    return _PUNCTUATION.sub(lambda m: "`@`" if m.group() == "@" else "\\" + m.group(), prose(text))


def rst(text: str) -> str:
    """Inline reStructuredText (a title, a table cell): literal text, whatever it contains.

    A line of one repeated punctuation character of four or more (an escaped run of backslashes
    is one) is a section rule to docutils; an escaped space in front (which renders as nothing)
    keeps it text."""
    escaped = _PUNCTUATION.sub(r"\\\1", prose(text))
    if len(set(escaped)) == 1 and escaped[0] == "\\":
        escaped = "\\ " + escaped
    return escaped


def display_width(text: str) -> int:
    """Columns that text takes in a monospaced layout, as docutils measures title rules and table
    columns (``docutils.utils.column_width``): East Asian wide and full-width characters take two,
    combining characters none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


# GNU make reads a rule line `targets: prerequisites` with these characters special in a name:
# blanks separate names, `#` starts a comment, `:` ends the targets, `*?[]` are wildcards, `|`
# starts order-only prerequisites (only there: a target keeps a backslash before it), `%` makes a
# target a pattern (only there: a prerequisite keeps the backslash); each is quoted by a backslash
# (and a backslash right before one is doubled).  `$` is quoted as `$$`.  A leading `~` would be
# expanded to a home directory (`./~` is the same file and is not).  Some names have no quoted form
# at all: `;` starts the recipe, `=` makes the line a variable assignment, a line break or control
# character ends the rule, a trailing backslash continues it, `NAME(MEMBER)` is an archive member,
# and `.PHONY`-style names are special targets.  Checked against GNU make 4.3 (tests/test_emit_escape.py).
_MAKE_QUOTED = frozenset(" #:*?[]")
_MAKE_SPECIAL_TARGET = re.compile(r"(?:\./)*\.[A-Z_]+")
_MAKE_DIRECTIVES = frozenset(("include", "-include", "sinclude", "define", "endef", "export", "unexport", "override",
                              "private", "undefine", "vpath", "ifdef", "ifndef", "ifeq", "ifneq", "else", "endif",
                              "load", "-load"))


class UnquotablePath(ValueError):
    """A file name that GNU make has no way to write in a rule."""


def make_path(path: str, *, target: bool = False) -> str:
    """A path as a target (``target=True``) or a prerequisite in a GNU make rule.

    Raises UnquotablePath for a name make cannot express; the message says which character."""
    reason = _make_unquotable(path)
    if reason:
        raise UnquotablePath(f"{path!r} {reason}")
    special = _MAKE_QUOTED | {"%" if target else "|"}
    out: list[str] = []
    backslashes = 0
    for ch in path:
        if ch == "\\":
            backslashes += 1
            continue
        if ch in special:
            out.append("\\" * (2 * backslashes + 1) + ch)
        else:
            out.append("\\" * backslashes + ("$$" if ch == "$" else ch))
        backslashes = 0
    text = "".join(out)
    if text.startswith("~") or text in _MAKE_DIRECTIVES:
        text = "./" + text
    return text


def _make_unquotable(path: str) -> str | None:
    if not path:
        return "is empty"
    for ch, why in ((";", "starts a recipe"), ("=", "makes the line a variable assignment")):
        if ch in path:
            return f"has `{ch}`, which {why} in a make rule"
    if _CONTROL.search(path):
        return "has a line break or control character"
    if path.endswith("\\"):
        return "ends in a backslash, which continues a make line"
    if path.endswith(")") and "(" in path:
        return "reads as an archive member `LIB(MEMBER)` to make"
    if _MAKE_SPECIAL_TARGET.fullmatch(path):
        return "is the name of a make special target"
    return None
