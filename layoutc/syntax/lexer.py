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

# No pattern here repeats a group: `re` keeps backtracking state for every iteration of a repeated
# group, however it is written, so a pattern that took a string's escapes or a run of comments as
# repeats of a group held ~120 bytes per repeat (1 MB of `\\q` escapes or of `//c` lines: 120-145
# MB, issue 10).  Repeats of one character class cost nothing; comments and the rest of a string
# after its first escape are found with str.find and a loop in `KlLexer` instead.
_CLASSES = [
    ("VERSION", r"[0-9]+\.[0-9][0-9.]*"),  # cut back to DIGITS(.DIGITS)+ by _longest
    ("WORDNUM", r"[0-9][A-Za-z0-9_]*"),
    ("WORD", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("STRING", r'"[^"\\\n]*(?:"|(?=\\))'),  # a whole string, or its start up to the first escape
]
_RULEREF = re.compile(r"[A-Za-z][A-Za-z0-9-]*")  # cut back to WORD(-WORD)* by _longest
_BLANKS = re.compile(r"\s*")
_PLAIN = re.compile(r'[^"\\\n]*')  # string characters between escapes


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
        self.scanner = re.compile(r"\s*(?:" + "|".join(alternatives) + ")")

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
                pos = _BLANKS.match(text, pos).end()  # type: ignore[union-attr]  # \s* matches anywhere
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
                    value = _longest(rule.group(), "-")
                    pos = start + len(value)
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
            elif kind == "VERSION":
                value = _longest(value, ".")
                pos = start + len(value)
            elif kind == "PUNCT":
                if value[0] == "/":
                    after = _comment_end(text, start)
                    if after is not None:
                        pos = after
                        continue
                kind = punctuation[value]
            elif kind == "STRING" and (len(value) == 1 or value[-1] != '"'):  # stopped at an escape
                closed = _string_end(text, pos)
                if closed is None:
                    self._unexpected(text, start, states[stack[-1]])
                pos = closed
                value = text[start:pos]
            yield Token(kind, value, start)  # value is text[start:pos]

    def first_past(self, text: str, limit: int, states: tuple[dict[str, int], ...],
                   regions: int | None = None) -> tuple[str, int, int] | None:
        """("tokens", start, end) of the token after the first ``limit`` of ``text``, or ("regions", start,
        end) of the keyword (and name) of the region or hole after the first ``regions``, whichever comes
        first; None if there is none (or the text stops being tokens first: the parse then says why).

        Counted as ``lex`` finds them but without the parser, so without building anything: a file too
        long for L014 or L007 is refused in the time it takes to scan it.  The loop is ``lex``'s without
        its tokens and names (tests/test_limits.py pins its counts to the parse's): counting ``lex``'s
        own tokens took a third longer and, for the names it keeps, 40 MB more (one past L014: 1.6 ->
        2.1 s; one past L007: 34 -> 75 MB).  Only a rule name (a word after `allow`, which may hold
        hyphens) depends on the parser's state; here any word after the word `allow` is read as one,
        which can only count fewer tokens than the parse would.

        A declaration is `region NAME [` or `hole NAME [`, which declare wherever they parse (two names
        side by side are no expression; the one exception: a param named `region` ending a region's
        `if` right before `hole [`, which counts one too many), or `hole [` after a token that ends a
        statement or an operand, where `hole` cannot be a param being indexed: `{`, `}`, `;`, `)`, `]`,
        a string, number or version, or a word that is no keyword (after a keyword or an operator it
        is not counted, so a few holes may be found only after the parse).
        """
        before_rule = self._before_rule_names(states)
        spelled = {name: value for value, name in (*self.keywords.items(), *self.punctuation.items())}
        region, hole, bracket = spelled["REGION"], spelled["HOLE"], spelled["LSQB"]
        declares = {("WORD", region), ("WORD", hole)}
        enders = {spelled[name] for name in ("LBRACE", "RBRACE", "SEMI", "RPAR", "RSQB")}
        keywords = self.keywords
        scan = self.scanner.match
        end = len(text)
        pos = count = found = 0
        rule_next = False
        back1 = back2 = ("", "", 0)  # the two tokens before this one: (kind, text, start)
        while True:
            match = scan(text, pos)
            if match is None:
                return None  # the end, or a character no token starts with
            kind = match.lastgroup or ""
            start = match.start(kind)
            value = match.group(kind)
            pos = match.end()
            if kind == "WORD":
                if rule_next:
                    pos = start + len(_longest(_RULEREF.match(text, start).group(), "-"))  # type: ignore[union-attr]
                    kind = "RULEREF"
                rule_next = keywords.get(value) in before_rule
            else:
                rule_next = False
                if kind == "VERSION":
                    pos = start + len(_longest(value, "."))
                elif kind == "PUNCT" and value[0] == "/":
                    after = _comment_end(text, start)
                    if after is not None:
                        pos = after
                        continue
                elif kind == "STRING" and (len(value) == 1 or value[-1] != '"'):
                    closed = _string_end(text, pos)
                    if closed is None:
                        return None
                    pos = closed
            count += 1
            if count > limit:
                return "tokens", start, min(pos, end)
            if regions is not None and value == bracket and kind == "PUNCT" and back1[0] == "WORD":
                if back2[:2] in declares:  # `region NAME [`, `hole NAME [`
                    first = back2[2]
                elif back1[1] == hole and (back2[0] in ("STRING", "WORDNUM", "VERSION", "RULEREF")
                                           or (back2[0] == "WORD" and back2[1] not in keywords)
                                           or (back2[0] == "PUNCT" and back2[1] in enders)):
                    first = back1[2]  # `hole [` where no operand is awaited
                else:
                    first = -1
                if first >= 0:
                    found += 1
                    if found > regions:
                        return "regions", first, back1[2] + len(back1[1])
            back2, back1 = back1, (kind, value, start)

    def _before_rule_names(self, states: tuple[dict[str, int], ...]) -> set[str]:
        """The keywords after which the parser takes a rule name (`allow`)."""
        return {symbol for row in states for symbol, target in row.items()
                if symbol.isupper() and target >= 0 and "RULEREF" in states[target]}

    @staticmethod
    def _unexpected(text: str, pos: int, accepted) -> NoReturn:
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise UnexpectedCharacters(text, pos, line, column, allowed=set(accepted))


def _comment_end(text: str, at: int) -> int | None:
    """Where the comment starting at ``at`` ends (after `*/`, or at its line's end), or None if
    none starts there or a `/*` is never closed (the parser then words the error)."""
    if text.startswith("//", at):
        newline = text.find("\n", at)
        return len(text) if newline == -1 else newline
    if text.startswith("/*", at):
        close = text.find("*/", at + 2)
        return None if close == -1 else close + 2
    return None


def _string_end(text: str, at: int) -> int | None:
    """After the closing quote of the string that ``at`` lies inside (past its opening quote), or None
    if the line or the text ends first.  An escape is a backslash and any character but a newline."""
    end = len(text)
    while True:
        at = _PLAIN.match(text, at).end()  # type: ignore[union-attr]  # matches the empty string too
        if at >= end or text[at] == "\n":
            return None
        if text[at] == '"':
            return at + 1
        if at + 1 >= end or text[at + 1] == "\n":  # a backslash that escapes nothing
            return None
        at += 2


def _longest(run: str, separator: str) -> str:
    """The longest prefix of ``run`` whose ``separator``s each stand between two characters that are
    not separators (`1.2..3` -> `1.2`, `a-b-` -> `a-b`): a version or rule name matched as one run
    of characters instead of repeats of a group."""
    double = run.find(separator * 2)
    return (run if double == -1 else run[:double]).rstrip(separator)


_OPENER = re.compile(r'"|//|/\*')


def strings_and_comments(text: str) -> Iterator[tuple[int, int, bool]]:
    """``(start, end, closed)`` of every string and comment of ``text``, in order, found as the lexer
    finds them (an unclosed string ends at its line's end, an unclosed block comment at the text's).
    For what reads raw text rather than tokens: the end-of-file hint, the editor's completion."""
    at = 0
    end = len(text)
    while True:
        opener = _OPENER.search(text, at)
        if opener is None:
            return
        start = opener.start()
        if text[start] == '"':
            after = _string_end(text, start + 1)
            closed = after is not None
            if after is None:  # an unclosed string ends with its line
                newline = text.find("\n", start)
                after = end if newline == -1 else newline
        else:
            after = _comment_end(text, start)
            closed = after is not None
            if after is None:  # a `/*` never closed ends the text
                after = end
        yield start, after, closed
        at = after


def code_only(text: str) -> str:
    """``text`` with its strings and comments blanked out, offsets kept."""
    pieces: list[str] = []
    at = 0
    for start, end, _ in strings_and_comments(text):
        pieces += (text[at:start], " " * (end - start))
        at = end
    pieces.append(text[at:])
    return "".join(pieces)
