"""A corpus of hostile layout text: strings that try to become markup in what we generate.

Shared by the emitter injection tests (tests/test_emit_injection.py) and the fuzzer, which
uses it as a text family.  Each entry is (id, text).  The strings are ours; the constructs
they try come from the docutils reStructuredText specification (directives, roles,
hyperlink and substitution references, section adornments, standalone hyperlinks), CommonMark
0.31 and GitHub Flavored Markdown (links, images, autolinks, raw HTML, entities, emphasis,
tables, extended autolinks) and Python's ``str.splitlines`` (which docutils uses to split its
input into lines).
"""

from __future__ import annotations

# Everything str.splitlines() -- and so docutils -- takes as a line break.
LINE_BREAKS = ("\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
# Bidirectional formatting characters (UAX #9).
BIDI = ("\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069")
CONTROLS = "".join(chr(c) for c in [*range(0x01, 0x20), *range(0x7F, 0xA0)])


def _per_break(tag: str, template: str) -> list[tuple[str, str]]:
    """One entry per line break: `template` with `{br}` replaced by it."""
    return [(f"{tag}-{'CRLF' if br == chr(13) + chr(10) else f'U+{ord(br):04X}'}", template.format(br=br))
            for br in LINE_BREAKS]


CORPUS: list[tuple[str, str]] = [
    # reStructuredText directives and block structure smuggled in through a line break
    *_per_break("raw", "x{br}{br}.. raw:: html{br}{br}   <script>alert(1)</script>"),
    *_per_break("include", "x{br}{br}.. include:: /etc/passwd"),
    *_per_break("image", "x{br}{br}.. image:: javascript:alert(1)"),
    *_per_break("section", "x{br}{br}Injected{br}========{br}{br}y"),
    *_per_break("list", "- a{br}- b{br}{br}1. c"),
    ("rst-directive-inline", ".. raw:: html\n\n   <b>bold</b>"),
    ("rst-comment", ".. a comment"),
    ("rst-field-list", ":field: value"),
    ("rst-option-list", "-a  option text"),
    ("rst-enumerator", "(a) item"),
    ("rst-line-block", "| line"),
    ("rst-doctest", ">>> import os"),
    ("rst-literal-marker", "text::"),
    ("rst-transition", "----------"),
    ("rst-hyperlink", "`x <javascript:alert(1)>`_"),
    ("rst-anonymous-link", "`x <https://evil.example/>`__"),
    ("rst-substitution", "|sub| and |sub|_"),
    ("rst-reference", "name_ and `two words`_"),
    ("rst-footnote", "[1]_ [#]_ [*]_ [CIT]_"),
    ("rst-role", ":raw-html:`<b>x</b>` :math:`x`"),
    ("rst-target", "_`inline target`"),
    ("rst-emphasis", "*em* **strong** ``literal`` `interpreted`"),
    # links the author did not write
    ("url-javascript", "javascript:alert(1)"),
    ("url-https", "see https://evil.example/path?q=1#frag"),
    ("url-www", "www.evil.example"),
    ("url-email", "mail root@evil.example now"),
    ("url-mailto", "mailto:root@evil.example"),
    ("url-ftp", "ftp://evil.example"),
    # Markdown (CommonMark + GitHub Flavored Markdown)
    ("md-link", "[click](javascript:alert(1))"),
    ("md-image", "![x](https://evil.example/x.png)"),
    ("md-reference-link", "[x][1]\n\n[1]: https://evil.example"),
    ("md-autolink", "<https://evil.example>"),
    ("md-html", "<script>alert(1)</script><img src=x onerror=alert(1)>"),
    ("md-html-comment", "<!-- hidden -->"),
    ("md-entity", "&lt;b&gt; &#x3C;script&#x3E; &copy;"),
    ("md-emphasis", "**b** __b__ *i* _i_ ~~s~~ `c`"),
    ("md-table-breaker", "a | b | c"),
    ("md-heading", "# heading"),
    ("md-quote", "> quote"),
    ("md-math", "$x^2$ and $$y$$"),
    ("md-footnote", "[^1] and [^1]: note"),
    ("md-setext", "x\n==="),
    ("md-hard-break", "x  \ny"),
    # backslashes: escapes of escapes, and a run that docutils would read as a section rule
    ("backslash-one", "\\"),
    ("backslash-run", "\\" * 12),
    ("backslash-trailing", "x\\"),
    ("backslash-star", "\\*not em\\*"),
    # wide and combining characters (titles and table columns are measured in display columns)
    ("wide-cjk", "メモリマップ 内核虚拟内存"),
    ("wide-fullwidth", "ＡＢＣ１２３"),
    ("emoji", "🧠 memory"),
    ("combining", "e\u0301te\u0301"),
    # whitespace that changes a table
    ("double-space", "a  b   c"),
    ("padded", "   leading and trailing   "),
    ("only-space", "   "),
    ("adornment", "===== ====="),
    # every control character, every bidirectional control
    ("controls", f"a{CONTROLS}b"),
    ("bidi", "user" + "".join(BIDI) + "admin"),
    ("trojan", "access\u202e\u2066 // check\u2069\u2066"),
]
