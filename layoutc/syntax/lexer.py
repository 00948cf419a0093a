"""The KL lexer: one regular expression per token, keywords decided by the parser's state.

Lark's contextual lexer tries the terminals each parser state accepts, one
pattern at a time, and lexes whitespace as tokens of its own; on large layouts
that was a third of the parse.  This lexer matches every token class with one
compiled expression (whitespace and comments skipped by the same match) and
uses the parser state only where KL is context-sensitive:

* a word is a keyword (``region``, ``if``, ``true``...) only where the parser
  accepts that keyword, so ``bits = 32`` in a layout header is an attribute;
* after ``allow``, a rule name may contain hyphens (``region-overlap``).

Terminal names come from the grammar (``grammars/kl.lark``); nothing here
restates a keyword or an operator list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NoReturn

from .lalr import Token, UnexpectedCharacters

# Strings and block comments are written as "unrolled loops" (a run of plain characters as one
# repeat, a group only per escape or `*`): `re` keeps state per iteration of a repeated group, so
# `(?:\\.|[^"])*` over a 1 MB string took 250 MB (issue 10).
_SKIP = r"(?:\s+|//[^\n]*|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/)*"
_CLASSES = [
    ("VERSION", r"[0-9]+\.[0-9]+(?:\.[0-9]+)*"),
    ("WORDNUM", r"[0-9][A-Za-z0-9_]*"),
    ("WORD", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("STRING", r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'),
]
_RULEREF = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")


class KlLexer:
    """Tokens for ``syntax/lalr.py``'s parser, from the grammar's terminals (name -> (pattern type, pattern))."""

    def __init__(self, terminals: dict[str, tuple[str, str]]) -> None:
        keywords: dict[str, str] = {}
        punctuation: dict[str, str] = {}
        for name, (kind, value) in terminals.items():
            if kind != "str":
                continue
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                keywords[value] = name
            else:
                punctuation[value] = name
        self.keywords = keywords
        self.punctuation = punctuation
        symbols = "|".join(re.escape(p) for p in sorted(punctuation, key=len, reverse=True))
        alternatives = [f"(?P<{name}>{regex})" for name, regex in _CLASSES] + [f"(?P<PUNCT>{symbols})"]
        # (?=(?P<skip>...))(?P=skip) takes the longest run of blanks and comments and never
        # gives part of it back (an atomic group, which `re` lacks before Python 3.11): without
        # it, a failed token match would backtrack into a comment and lex `/` or a word from it.
        self.scanner = re.compile(f"(?=(?P<skip>{_SKIP}))(?P=skip)(?:" + "|".join(alternatives) + ")")
        self.skip = re.compile(_SKIP)

    def lex(self, text: str, stack: list[int], states: tuple[dict[str, int], ...]) -> Iterator[Token]:
        """The tokens of ``text``; ``states[stack[-1]]`` is what the parser accepts next (read, never changed)."""
        end = len(text)
        pos = 0
        scan = self.scanner.match
        keywords, punctuation = self.keywords, self.punctuation
        spelled: dict[str, str] = {}  # one string per distinct name or number of this text
        intern = spelled.setdefault
        while True:
            match = scan(text, pos)
            if match is None:
                blank = self.skip.match(text, pos)  # _SKIP matches the empty string too: never None
                pos = blank.end() if blank is not None else pos
                if pos >= end:
                    return
                self._unexpected(text, pos, states[stack[-1]])
            kind = match.lastgroup or ""  # every alternative is a named group
            start = match.start(kind)
            value = match.group(kind)
            pos = match.end()
            if kind == "WORD":
                accepted = states[stack[-1]]
                rule = _RULEREF.match(text, start) if "RULEREF" in accepted else None
                if rule is not None:
                    value = rule.group()
                    pos = rule.end()
                    kind = "RULEREF"
                else:
                    keyword = keywords.get(value)
                    kind = keyword if keyword is not None and keyword in accepted else "NAME"
                # a name is usually written many times (PAGE_SIZE, SZ_4): one string for all its
                # tokens, and for the AST names and dict keys made of them (issue 10); the table
                # goes with the parse, unlike sys.intern's
                value = intern(value, value)
            elif kind == "WORDNUM":
                value = intern(value, value)  # numbers repeat as much (4K, 1M, 0x1000)
            elif kind == "PUNCT":
                kind = punctuation[value]
            yield Token(kind, value, start, pos)

    @staticmethod
    def _unexpected(text: str, pos: int, accepted) -> NoReturn:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise UnexpectedCharacters(text, pos, line, column, allowed=set(accepted))
