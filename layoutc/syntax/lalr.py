"""The LALR(1) driver that runs the tables in ``kl_tables.py`` (built by Lark from ``grammars/kl.lark``).

A check needs only this: shift, reduce, and on each reduction the AST
builder's method for the rule, called with the children Lark would pass it
(``syntax/make_tables.py`` records which children a rule keeps, which it
splices in from a helper rule, and where ``maybe_placeholders`` puts
``None``).  Errors carry what ``syntax/grammar.py`` words them from: the
token, the LR state, the terminals the state expects and those it really
accepts.  ``tests/test_parser_tables.py`` runs a corpus through this and
through Lark itself and compares the results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

END = "$END"


class Token:
    """A token: its terminal name, its text and where it starts in the source (a character offset).

    Its text is the source's from there: the end is computed, not kept (an integer less per token,
    ~20 % of what the tokens of a long operator chain hold until the chain is reduced, issue 10).
    """

    __slots__ = ("start_pos", "type", "value")

    def __init__(self, type: str, value: str, start_pos: int) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos

    @property
    def end_pos(self) -> int:
        return self.start_pos + len(self.value)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.start_pos})"


class UnexpectedInput(Exception):
    """A syntax error; ``pos_in_stream`` is the character offset where it was found."""

    pos_in_stream: int
    state: int | None = None


class UnexpectedCharacters(UnexpectedInput):
    """No token starts here; ``allowed`` are the terminals the parser would have taken."""

    def __init__(self, text: str, pos: int, line: int, column: int, allowed: set[str]) -> None:
        super().__init__(f"unexpected character at line {line}, column {column}")
        self.pos_in_stream = pos
        self.line, self.column = line, column
        self.allowed = allowed


class UnexpectedToken(UnexpectedInput):
    """The parser in LR state ``state`` cannot take ``token``."""

    def __init__(self, token: Token, parser: Parser, stack: list[int]) -> None:
        super().__init__(f"unexpected {token.type} {token.value!r} at offset {token.start_pos}")
        self.token = token
        self.pos_in_stream = token.start_pos
        self.state = stack[-1]
        self._parser = parser
        self._stack = stack
        self._accepts: set[str] | None = None

    @property
    def expected(self) -> set[str]:
        """Terminals with an action in this state (a reduction may still fail on them later)."""
        return {symbol for symbol in self._parser.states[self._stack[-1]] if symbol.isupper()}

    @property
    def accepts(self) -> set[str]:
        """Terminals that would really be shifted here, after whatever reductions they cause."""
        if self._accepts is None:
            self._accepts = {t for t in self.expected if self._parser.would_shift(self._stack, t)}
        return self._accepts


class TooManyTokens(UnexpectedInput):
    """The text has more tokens than the parse may take (L014); ``token`` is the first one past."""

    def __init__(self, token: Token, limit: int) -> None:
        super().__init__(f"more than {limit} tokens")
        self.token = token
        self.pos_in_stream = token.start_pos


class TooManyItems(UnexpectedInput):
    """A list within one construct (``LISTS``: an expression's operands, a call's arguments...) grew past
    ``limit`` items (L015); ``owner`` is the rule it belongs to, ``item`` the one past the limit."""

    def __init__(self, owner: str, item: Any, limit: int) -> None:
        super().__init__(f"more than {limit} items in one {owner}")
        self.owner, self.item, self.limit = owner, item, limit


class Parser:
    """The tables, and one builder whose methods are called on reductions (named as the grammar's rules/aliases)."""

    def __init__(self, tables: Any, builder: object, lexer: Any) -> None:
        self.states: tuple[dict[str, int], ...] = tables.STATES
        self.start_states: dict[str, int] = tables.START_STATES
        self.end_states: dict[str, int] = tables.END_STATES
        self.terminals: dict[str, tuple[str, str]] = tables.TERMINALS
        # the lists Lark derived from `x (sep x)*`, and the rule each belongs to: L015 caps their length
        self.lists: dict[str, str] = tables.LISTS
        self.max_items: int | None = None  # of the parse under way
        self.rules = tuple((origin, size, self._capped(origin, kept, _reducer(builder, name, expand1, kept, nones)))
                           for origin, size, name, expand1, kept, nones in tables.RULES)
        self.lexer = lexer
        self.tokens = 0  # how many the last parse read

    def _capped(self, origin: str, kept, reduce: Callable[[list[Any]], Any]) -> Callable[[list[Any]], Any]:
        """``reduce``, or for the rule that adds one more item to a list of ``LISTS``, it and a count.

        Such a list holds every item after the first, each as ``per`` children (`+` and its operand):
        past ``max_items`` items the parse stops as soon as the list is, before the rest is built.
        """
        if origin not in self.lists or not kept or not any(splice for _, splice, _ in kept):
            return reduce
        per = len(kept) - 1
        owner = self.lists[origin]

        def grow(children: list[Any]) -> Any:
            items = reduce(children)
            limit = self.max_items
            if limit is not None and len(items) >= limit * per:
                raise TooManyItems(owner, items[-1], limit)
            return items

        return grow

    def parse(self, text: str, start: str = "start", max_tokens: int | None = None,
              max_items: int | None = None) -> Any:
        """What the builder made of ``text``; TooManyTokens past ``max_tokens`` tokens and TooManyItems
        past ``max_items`` items of one list (L015), before building more."""
        self.max_items = max_items
        states, rules = self.states, self.rules
        end_state = self.end_states[start]
        stack = [self.start_states[start]]
        values: list[Any] = []
        for token in self._tokens(text, stack, max_tokens):
            kind = token.type
            while True:
                action = states[stack[-1]].get(kind)
                if action is None or (action >= 0 and kind is END):  # the end of input is never shifted
                    raise UnexpectedToken(token, self, list(stack))
                if action >= 0:
                    stack.append(action)
                    values.append(token)
                    break
                origin, size, reduce = rules[~action]
                if size:
                    children = values[-size:]
                    del values[-size:]
                    del stack[-size:]
                else:
                    children = []
                values.append(reduce(children))
                stack.append(states[stack[-1]][origin])
                if kind is END and stack[-1] == end_state:
                    return values[-1]
        raise AssertionError("the end of input was neither accepted nor refused")  # the loop returns or raises

    def _tokens(self, text: str, stack: list[int], max_tokens: int | None) -> Iterator[Token]:
        """The lexer's tokens, then the end of input (at the end of the last token)."""
        at = 0
        self.tokens = 0
        limit = -1 if max_tokens is None else max_tokens
        for token in self.lexer.lex(text, stack, self.states):
            if self.tokens == limit:
                raise TooManyTokens(token, limit)
            self.tokens += 1
            at = token.end_pos
            yield token
        yield Token(END, "", at if at else len(text))

    def would_shift(self, stack: list[int], terminal: str) -> bool:
        """Whether ``terminal`` would be shifted from this stack (reductions run on a copy, no callbacks).

        The end of input counts as taken when its reductions reach an end state (the input is complete).
        """
        states, rules = self.states, self.rules
        ends = set(self.end_states.values()) if terminal == END else ()
        stack = list(stack)
        while True:
            action = states[stack[-1]].get(terminal)
            if action is None:
                return False
            if action >= 0:
                return True
            origin, size, _ = rules[~action]
            if size:
                del stack[-size:]
            stack.append(states[stack[-1]][origin])
            if stack[-1] in ends:
                return True


def _reducer(builder: object, name: str, expand1: bool, kept: tuple[tuple[int, bool, int], ...] | None,
             nones_after: int) -> Callable[[list[Any]], Any]:
    """The callback of one rule: keep/splice the children as Lark would, then call the builder's method."""
    method: Callable[[list[Any]], Any] | None = getattr(builder, name, None)
    if method is None:
        # A helper rule Lark derived from `*` or `(...)` (its children go into the parent), or a `?rule`
        # that only ever passes on its single child (tests/test_parser_tables.py checks it is one of those).
        def method(children: list[Any]) -> Any:
            return children
    if expand1:
        inner = method

        def method(children: list[Any]) -> Any:
            return children[0] if len(children) == 1 else inner(children)
    if kept is None:
        return method
    build = method

    def reduce(children: list[Any]) -> Any:
        filtered: list[Any] = []
        for index, splice, nones in kept:
            if nones:
                filtered += [None] * nones
            if splice:
                if filtered:
                    filtered += children[index]
                else:
                    filtered = children[index]
            else:
                filtered.append(children[index])
        if nones_after:
            filtered += [None] * nones_after
        return build(filtered)

    return reduce

