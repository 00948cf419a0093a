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
* ``make_path``  -- a path in a make/ninja depfile.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """Control characters (newlines, tabs...) become spaces; runs of spaces stay as written."""
    return _CONTROL.sub(" ", text)


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


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#])")


def markdown(text: str) -> str:
    """Inline Markdown (a heading or a table cell): emphasis, code, links, HTML and `|` cannot start."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text)).strip()


_RST_SPECIAL = re.compile(r"([\\`*_|\[\]])")
_RST_BLOCK_START = "-+#.:=>|0123456789"


def rst(text: str) -> str:
    """Inline reStructuredText (a title, a table cell): markup characters escaped, and the first
    character too when it could open a block (a list, a comment, a section rule)."""
    text = _RST_SPECIAL.sub(r"\\\1", one_line(text)).strip()
    if text and text[0] in _RST_BLOCK_START:
        text = "\\" + text
    return text


def make_path(path: str) -> str:
    """A path in a Makefile rule (GNU make, ninja's depfile reader): spaces, `#`, `$`, `:` escaped."""
    path = one_line(path)
    out = []
    for ch in path:
        if ch == "$":
            out.append("$$")
        elif ch in " #:\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)
