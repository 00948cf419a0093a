"""Expression evaluation and dependency discovery over the AST.

``references`` lists what an expression reads (params, constants, region
bounds) so ``elaborate`` can evaluate definitions in dependency order and
report cycles.  ``Evaluator.eval`` computes one expression against the values
known so far; every failure is a diagnostic and yields ``UNKNOWN``, which
later operations absorb silently.

Arithmetic is exact (Python ints); ``/`` and ``%`` truncate toward zero as in C;
results wider than ``MAX_BITS`` are refused so a hostile file cannot exhaust
memory with ``1 << 10**9``.
"""

from __future__ import annotations

import itertools
import operator
from typing import Callable, Iterator, Mapping

from ..diagnostics import Sink
from ..frozen import frozen
from ..limits import MAX_EVAL_STEPS
from ..limits import MAX_VALUE_BITS as MAX_BITS
from ..source import Span
from ..suggest import Suggester, did_you_mean
from ..syntax import ast
from .values import UNKNOWN, Bank, Banks, Choice, Unknown, Version, show, type_name

RegionKey = tuple[str, str]  # (space, region)


@frozen
class RegionValue:
    start: int | Unknown
    end: int | Unknown
    present: bool | Unknown


class RegionIndex(Mapping[str, tuple[str, ...]]):
    """Region name -> the spaces that declare it, in declaration order.

    Nearly every name is declared in one space: that space's name (a string the layout already
    holds) is all it keeps for it, not a list per region (7 MB of a check of 60,000 regions)."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}
        self._more: dict[str, list[str]] = {}

    def add(self, name: str, space: str) -> None:
        if name in self._first:
            self._more.setdefault(name, []).append(space)
        else:
            self._first[name] = space

    def __getitem__(self, name: str) -> tuple[str, ...]:
        first = self._first[name]
        more = self._more.get(name)
        return (first, *more) if more else (first,)

    def __contains__(self, name: object) -> bool:
        return name in self._first

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)


class Scope:
    """What names mean: declared params/consts, spaces and region names."""

    def __init__(self, names: set[str], spaces: set[str], region_index: RegionIndex) -> None:
        self.names = names
        self.spaces = spaces
        self.region_index = region_index  # region name -> spaces that declare it
        self.suggest = Suggester()  # did-you-mean among the names, with one budget per check

    def region_key(self, node) -> tuple[RegionKey, list[str], Span] | None:
        """If ``node`` is a dotted reference to a region, (key, remaining attrs, span of the path)."""
        chain = _flatten(node)
        if chain is None:
            return None
        head, attrs = chain
        if head.name in self.names:
            return None
        if head.name in self.spaces and attrs and attrs[0].name in self.region_index:
            if head.name in self.region_index[attrs[0].name]:
                return (head.name, attrs[0].name), [a.name for a in attrs[1:]], attrs[0].span
        if head.name in self.region_index:
            spaces = self.region_index[head.name]
            return (spaces[0], head.name), [a.name for a in attrs], head.span
        return None


def _flatten(node) -> tuple[ast.Name, list[ast.Attr]] | None:
    attrs: list[ast.Attr] = []
    while isinstance(node, ast.Attr):
        attrs.append(node)
        node = node.obj
    if not isinstance(node, ast.Name):
        return None
    attrs.reverse()
    return node, attrs


def references(expr, scope: Scope) -> list[tuple[str, str | RegionKey, Span]]:
    """Names (("name", NAME, span)) and regions (("region", (space, name), span)) that ``expr`` reads."""
    found: list[tuple[str, str | RegionKey, Span]] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, ast.Name):
            if node.name in scope.names:
                found.append(("name", node.name, node.span))
            elif node.name in scope.region_index:
                found.append(("region", (scope.region_index[node.name][0], node.name), node.span))
        elif isinstance(node, ast.Attr):
            region = scope.region_key(node)
            if region is not None:
                found.append(("region", region[0], node.span))
            else:
                stack.append(node.obj)
        elif isinstance(node, ast.Index):
            stack.extend((node.obj, node.index))
        elif isinstance(node, ast.Call):
            stack.extend(node.args)
        elif isinstance(node, ast.Unary):
            stack.append(node.operand)
        elif isinstance(node, ast.Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, ast.IfExpr):
            stack.extend((node.cond, node.then, node.otherwise))
        elif isinstance(node, ast.Match):
            stack.append(node.subject)
            stack.extend(arm.value for arm in node.arms)
        elif isinstance(node, ast.Banks):
            for bank in node.banks:
                stack.extend((bank.base, bank.size))
    return found


class EvalError(Exception):
    """Raised inside the evaluator to abandon one expression; already turned into a diagnostic."""


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _c_mod(a: int, b: int) -> int:
    return a - b * _c_div(a, b)


def _end_below(banks: Banks, limit: int) -> int:
    ends = [min(bank.end, limit) for bank in banks if bank.base < limit]
    return max(ends) if ends else 0


def _size_below(banks: Banks, limit: int) -> int:
    return sum(max(0, min(bank.end, limit) - bank.base) for bank in banks)


class Evaluator:
    def __init__(self, scope: Scope, values: Mapping[str, object], regions: Mapping[RegionKey, RegionValue], sink: Sink,
                 demand: Callable[[tuple], None] | None = None) -> None:
        self.scope = scope
        self.values = values
        self.regions = regions
        self.sink = sink
        self.budget = MAX_EVAL_STEPS  # expression nodes this evaluator may still visit (L010)
        # Called for a declared name or region not evaluated yet: definitions are evaluated in
        # dependency order, so this only happens inside a (possible) cycle, which `demand` resolves
        # or reports -- a cycle through an `if` branch that is not taken is no cycle.
        self.demand = demand

    # ---- entry points
    def eval(self, expr) -> object:
        try:
            return self._eval(expr)
        except EvalError:
            return UNKNOWN
        except RecursionError:
            self.sink.emit("E204", "expression nested too deeply to evaluate", expr.span,
                           help="split it into named constants")
            return UNKNOWN

    def eval_int(self, expr, what: str) -> int | Unknown:
        value = self.eval(expr)
        if isinstance(value, Unknown):
            return value
        try:
            return self._as_int(value, expr, what)
        except EvalError:  # already reported by _as_int
            return UNKNOWN

    def eval_bool(self, expr, what: str) -> bool | Unknown:
        value = self.eval(expr)
        if isinstance(value, Unknown) or isinstance(value, bool):
            return value
        self.sink.emit("E201", f"{what} must be a bool, found {type_name(value)} {show(value)}", expr.span)
        return UNKNOWN

    # ---- helpers
    def _fail(self, code: str, message: str, span: Span, **extra) -> EvalError:
        self.sink.emit(code, message, span, **extra)
        return EvalError()

    def _as_int(self, value, node, what: str = "operand") -> int:
        if isinstance(value, bool):
            raise self._fail("E201", f"{what} must be an integer, found bool {show(value)}", node.span,
                             help="use `if COND then A else B` to turn a bool into a number")
        if isinstance(value, int):
            return value
        if isinstance(value, Choice) and value.number is not None:
            return value.number
        raise self._fail("E201", f"{what} must be an integer, found {type_name(value)} {show(value)}", node.span)

    def _checked(self, value: int, node) -> int:
        if value.bit_length() > MAX_BITS:
            raise self._fail("L003", f"value too large (more than {MAX_BITS} bits)", node.span)
        return value

    # ---- the evaluator proper
    def _eval(self, node):
        self._spend(node)
        method = getattr(self, "_eval_" + type(node).__name__)
        return method(node)

    def _spend(self, node) -> None:
        """Count ``node`` against the budget (L010)."""
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.sink.emit("L010", f"evaluation stopped after {MAX_EVAL_STEPS:,} expression nodes", node.span,
                               help="simplify the definitions; the rest of the layout is left unknown")
            raise EvalError()

    def _eval_Num(self, node: ast.Num):
        return node.value

    def _eval_Word(self, node: ast.Word):
        raise self._fail("E201", f"`{node.text}` is not a number", node.span,
                         help="numbers are decimal, 0x.. or 0b.., with an optional K/M/G/T/P/E suffix; "
                              "a word like this only names a choice member (`vmsplit == 3G_OPT`)")

    def _eval_Ver(self, node: ast.Ver):
        return Version(node.value)

    def _eval_Str(self, node: ast.Str):
        return node.value

    def _eval_Bool(self, node: ast.Bool):
        return node.value

    def _eval_Name(self, node: ast.Name):
        name = node.name
        if name not in self.values and name in self.scope.names and self.demand is not None:
            self.demand(("name", name))
        if name in self.values:
            value = self.values[name]
            if isinstance(value, Unknown):
                raise EvalError()
            return value
        if name in self.scope.names:  # declared but failed (or in a cycle): already reported
            raise EvalError()
        if name in self.scope.region_index:
            raise self._fail("E201", f"`{name}` is a region; use `{name}.start`, `{name}.end` or `{name}.size`", node.span)
        # lazily: past its budget the suggester reads none of them (a list per unknown name made a
        # file of n unknown names among n definitions quadratic: 15 minutes for 1 MB)
        candidates = itertools.chain(self.scope.names, BUILTINS)
        raise self._fail("N101", f"unknown name `{name}`", node.span, help=self.scope.suggest(name, candidates))

    def _eval_Attr(self, node: ast.Attr):
        region = self.scope.region_key(node)
        if region is not None:
            key, rest, path_span = region
            return self._region_attr(key, rest, node)
        chain = _flatten(node)
        if chain is not None and chain[0].name in self.scope.spaces and chain[0].name not in self.scope.names:
            space, first = chain[0].name, chain[1][0]  # `space.REGION...` naming no region of that space
            elsewhere = [s for s in self.scope.region_index.get(first.name, ()) if s != space]
            inside = [r for r, spaces in self.scope.region_index.items() if space in spaces]
            raise self._fail("N101", f"no region `{first.name}` in space `{space}`", first.name_span,
                             help=f"`{first.name}` is in space `{elsewhere[0]}`" if elsewhere
                             else did_you_mean(first.name, inside))
        obj = self._eval(node.obj)
        return self._value_attr(obj, node)

    def _region_attr(self, key: RegionKey, rest: list[str], node) -> int:
        if len(rest) != 1 or rest[0] not in ("start", "end", "size", "last"):
            raise self._fail("E201", f"a region reference needs one of `.start`, `.end`, `.size`, `.last` "
                                     f"(found `{'.'.join(rest) or 'nothing'}`)", node.span)
        value = self.regions.get(key)
        if value is None and self.demand is not None:
            self.demand(("region", key))
            value = self.regions.get(key)
        if value is None:  # not evaluated: it failed or is in a cycle, already reported
            raise EvalError()
        if value.present is False:
            raise self._fail("E205", f"region `{key[0]}.{key[1]}` is not present in this configuration (its `if` is false)",
                             node.span, help="guard this use with the same condition")
        start, end = value.start, value.end
        if isinstance(start, Unknown) or isinstance(end, Unknown) or isinstance(value.present, Unknown):
            raise EvalError()
        attr = rest[0]
        if attr == "start":
            return start
        if attr == "end":
            return end
        if attr == "last":
            return end - 1
        return end - start

    def _value_attr(self, obj, node: ast.Attr):
        if isinstance(obj, Unknown):
            raise EvalError()
        name = node.name
        if isinstance(obj, Banks):
            table = {"base": obj.base, "end": obj.end, "size": obj.size, "span": obj.end - obj.base, "count": len(obj)}
            if name in table:
                return table[name]
            raise self._fail("E201", f"banks have no attribute `{name}`", node.name_span,
                             help=did_you_mean(name, table) or "banks have .base .end .size .span .count and [i]")
        if isinstance(obj, Bank):
            table = {"base": obj.base, "end": obj.end, "size": obj.size}
            if name in table:
                return table[name]
            raise self._fail("E201", f"a bank has no attribute `{name}`", node.name_span, help=did_you_mean(name, table))
        if isinstance(obj, Version):
            table = {"major": obj[0], "minor": obj[1] if len(obj) > 1 else 0}
            if name in table:
                return table[name]
        hint = None
        chain = _flatten(node)
        if chain is not None and chain[0].name in self.scope.region_index:
            head = chain[0].name
            space = self.scope.region_index[head][0]
            hint = f"`{head}` is also a region: write `{space}.{head}.{name}` for the region"
        raise self._fail("E201", f"{type_name(obj)} value has no attribute `{name}`", node.name_span, help=hint)

    def _eval_Index(self, node: ast.Index):
        obj = self._eval(node.obj)
        index = self._as_int(self._eval(node.index), node.index, "index")
        if isinstance(obj, Banks):
            if 0 <= index < len(obj):
                return obj[index]
            raise self._fail("E204", f"bank index {index} out of range (there are {len(obj)} banks)", node.index.span)
        raise self._fail("E201", f"only banks can be indexed, not {type_name(obj)}", node.span)

    def _eval_Unary(self, node: ast.Unary):
        value = self._eval(node.operand)
        if node.op == "!":
            if isinstance(value, bool):
                return not value
            raise self._fail("E201", f"`!` needs a bool, found {type_name(value)}", node.span,
                             help="for a bitwise complement use `~`")
        number = self._as_int(value, node.operand)
        return -number if node.op == "-" else ~number

    def _eval_Binary(self, node: ast.Binary):
        """A chain `a + b - c ...` is a spine of Binary nodes down their left operands (the parser builds it
        left-associative, 10,000 operands at most: L015): walked in a loop, so it costs no stack per operand."""
        spine = [node]
        while isinstance(spine[-1].left, ast.Binary):
            spine.append(spine[-1].left)
            self._spend(spine[-1])
        value = self._eval(spine[-1].left)
        for level in reversed(spine):
            value = self._apply(level, value)
        return value

    def _apply(self, node: ast.Binary, left):
        """``node``'s value given that of its left operand."""
        op = node.op
        if op in ("&&", "||"):
            if not isinstance(left, bool):
                raise self._fail("E201", f"`{op}` needs bools, found {type_name(left)} {show(left)}", node.left.span)
            if (op == "&&" and not left) or (op == "||" and left):
                return left
            right = self._eval(node.right)
            if not isinstance(right, bool):
                raise self._fail("E201", f"`{op}` needs bools, found {type_name(right)} {show(right)}", node.right.span)
            return right
        if op in ("==", "!=", "<", "<=", ">", ">="):
            right = self._operand_like(left, node.right, ordering=op not in ("==", "!="))
            result = self._compare(op, left, right, node)
            return result
        right = self._eval(node.right)
        a = self._as_int(left, node.left)
        b = self._as_int(right, node.right)
        if op == "+":
            return self._checked(a + b, node)
        if op == "-":
            return self._checked(a - b, node)
        if op == "*":
            return self._checked(a * b, node)
        if op in ("/", "%"):
            if b == 0:
                raise self._fail("E203", "division by zero", node.right.span,
                                 notes=(f"`{node.right.span.text}` evaluates to 0",))
            return _c_div(a, b) if op == "/" else _c_mod(a, b)
        if op in ("<<", ">>"):
            if b < 0:
                raise self._fail("E204", f"negative shift count {b}", node.right.span)
            if op == "<<":
                if b > MAX_BITS or a.bit_length() + b > MAX_BITS:
                    raise self._fail("L003", f"value too large (more than {MAX_BITS} bits)", node.span)
                return a << b
            return a >> b
        if op == "&":
            return a & b
        if op == "|":
            return a | b
        if op == "^":
            return a ^ b
        raise self._fail("E201", f"unknown operator `{op}`", node.op_span)

    def _operand_like(self, left, node, ordering: bool = False):
        """Right operand of a comparison: a bare word compares by spelling against a choice."""
        if isinstance(left, Choice):
            text = literal_text(node)
            if text is not None and not (isinstance(node, ast.Name) and node.name in self.scope.names):
                number = node.value if isinstance(node, ast.Num) else None
                if ordering and left.number is not None and number is not None:
                    return number  # a numeric choice (16K) orders as a number: `page > 8K`
                if left.members and text not in left.members:
                    raise self._fail("E201", f"`{text}` is not a member of this choice",
                                     node.span, help=did_you_mean(text, left.members) or
                                     "members: " + ", ".join(left.members))
                return Choice(text, number, left.members)
        if isinstance(left, Version) and isinstance(node, ast.Num) and node.text.isdigit():
            return Version((node.value,))
        return self._eval(node)

    def _compare(self, op: str, left, right, node: ast.Binary) -> bool:
        if isinstance(left, Choice) and isinstance(right, Choice):
            if op not in ("==", "!="):
                if left.number is not None and right.number is not None:
                    return _ORDER[op](left.number, right.number)
                raise self._fail("E201", "choices compare only with `==` and `!=`", node.op_span)
            equal = left.text == right.text
            return equal if op == "==" else not equal
        if isinstance(left, Version) or isinstance(right, Version):
            left, right = _as_version(left), _as_version(right)
            if left is None or right is None:
                raise self._fail("E201", "a version compares only with a version (e.g. `kernel >= 5.11`)", node.span)
            return _ORDER[op](_version_key(left), _version_key(right))
        if isinstance(left, bool) or isinstance(right, bool) or isinstance(left, str) or isinstance(right, str):
            if type(left) is not type(right):
                raise self._fail("E201", f"cannot compare {type_name(left)} with {type_name(right)}", node.span)
            if op not in ("==", "!="):
                raise self._fail("E201", f"{type_name(left)} values compare only with `==` and `!=`", node.op_span)
            return (left == right) if op == "==" else (left != right)
        a = self._as_int(left, node.left)
        b = self._as_int(right, node.right)
        return _ORDER[op](a, b)

    def _eval_IfExpr(self, node: ast.IfExpr):
        cond = self._eval(node.cond)
        if not isinstance(cond, bool):
            raise self._fail("E201", f"`if` needs a bool condition, found {type_name(cond)} {show(cond)}", node.cond.span)
        return self._eval(node.then if cond else node.otherwise)

    def _eval_Match(self, node: ast.Match):
        subject = self._eval(node.subject)
        if isinstance(subject, Choice) and subject.members:  # a misspelt arm is wrong in every variant
            for arm in node.arms:
                for pattern in arm.patterns:
                    text = literal_text(pattern)
                    if not isinstance(pattern, ast.Wildcard) and text not in subject.members:
                        raise self._fail("E201", f"`{text}` is not a member of this choice", pattern.span,
                                         help=did_you_mean(text or "", subject.members)
                                         or "members: " + ", ".join(subject.members))
        for arm in node.arms:
            for pattern in arm.patterns:
                if self._matches(subject, pattern):
                    return self._eval(arm.value)
        raise self._fail("E206", f"no arm of this `match` covers {show(subject)}", node.span,
                         help="add an arm for it, or a default arm `_ => ...`")

    def _matches(self, subject, pattern) -> bool:
        if isinstance(pattern, ast.Wildcard):
            return True
        if isinstance(subject, Choice):
            text = literal_text(pattern)
            if subject.members and text not in subject.members:
                raise self._fail("E201", f"`{text}` is not a member of this choice", pattern.span,
                                 help=did_you_mean(text or "", subject.members) or "members: " + ", ".join(subject.members))
            return text == subject.text
        if isinstance(pattern, ast.Name):
            raise self._fail("E201", "a match pattern must be a literal (or `_`)", pattern.span)
        value = self._eval(pattern)
        if isinstance(subject, Version) or isinstance(value, Version):
            a, b = _as_version(subject), _as_version(value)
            return a is not None and b is not None and _version_key(a) == _version_key(b)
        return type(subject) is type(value) and subject == value

    def _eval_Call(self, node: ast.Call):
        builtin = BUILTINS.get(node.func)
        if builtin is None:
            raise self._fail("N101", f"unknown function `{node.func}`", node.func_span, help=did_you_mean(node.func, BUILTINS))
        arity, function = builtin
        if (arity >= 0 and len(node.args) != arity) or (arity < 0 and len(node.args) < -arity):
            wanted = f"{arity}" if arity >= 0 else f"at least {-arity}"
            raise self._fail("E201", f"`{node.func}` takes {wanted} argument(s), given {len(node.args)}", node.span)
        args = [self._eval(arg) for arg in node.args]
        return function(self, node, args)

    def _eval_Banks(self, node: ast.Banks):
        banks = []
        for bank in node.banks:
            base = self._as_int(self._eval(bank.base), bank.base, "bank base")
            size = self._as_int(self._eval(bank.size), bank.size, "bank size")
            if base < 0 or size <= 0:
                raise self._fail("E204", "a bank needs a base >= 0 and a size > 0", bank.span)
            banks.append(Bank(base, size))
        return Banks(banks)


def literal_text(node) -> str | None:
    """The spelling of a literal (or bare name) as a choice member compares it."""
    if isinstance(node, (ast.Num, ast.Word, ast.Ver)):
        return node.text
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.Str):
        return node.value
    return None


def _version_key(version: Version) -> tuple[int, ...]:
    """Trailing zeros dropped, so that 4.4 == 4.4.0 (KERNEL_VERSION(4, 4, 0)) and 5 == 5.0."""
    parts = list(version)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _as_version(value) -> Version | None:
    if isinstance(value, Version):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Version((value,))
    return None


_ORDER = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}


# ---- built-in functions: name -> (arity, implementation); negative arity = at least that many


def _ints(ev: Evaluator, node: ast.Call, args) -> list[int]:
    return [ev._as_int(arg, node.args[i], f"argument {i + 1} of `{node.func}`") for i, arg in enumerate(args)]


def _positive(ev: Evaluator, node: ast.Call, value: int, index: int) -> int:
    if value <= 0:
        raise ev._fail("E204", f"argument {index + 1} of `{node.func}` must be > 0, found {value}", node.args[index].span)
    return value


def _align_up(ev, node, args):
    x, a = _ints(ev, node, args)
    a = _positive(ev, node, a, 1)
    return -(-x // a) * a


def _align_down(ev, node, args):
    x, a = _ints(ev, node, args)
    a = _positive(ev, node, a, 1)
    return x // a * a


def _log2(ev, node, args):
    (x,) = _ints(ev, node, args)
    _positive(ev, node, x, 0)
    return x.bit_length() - 1


def _is_pow2(ev, node, args):
    (x,) = _ints(ev, node, args)
    return x > 0 and x & (x - 1) == 0


def _clamp(ev, node, args):
    x, lo, hi = _ints(ev, node, args)
    return max(lo, min(x, hi))


def _wrap(ev, node, args):
    x, bits = _ints(ev, node, args)
    _positive(ev, node, bits, 1)
    if bits > MAX_BITS:
        raise ev._fail("L003", f"width too large (more than {MAX_BITS} bits)", node.args[1].span)
    return x & ((1 << bits) - 1)


def _banks_and_limit(ev, node, args):
    banks, limit = args
    if not isinstance(banks, Banks):
        raise ev._fail("E201", f"argument 1 of `{node.func}` must be banks, found {type_name(banks)}", node.args[0].span)
    return banks, ev._as_int(limit, node.args[1], f"argument 2 of `{node.func}`")


BUILTINS: dict[str, tuple[int, Callable]] = {
    "align_up": (2, _align_up),
    "align_down": (2, _align_down),
    "min": (-1, lambda ev, node, args: min(_ints(ev, node, args))),
    "max": (-1, lambda ev, node, args: max(_ints(ev, node, args))),
    "log2": (1, _log2),
    "is_pow2": (1, _is_pow2),
    "clamp": (3, _clamp),
    "wrap": (2, _wrap),
    "end_below": (2, lambda ev, node, args: _end_below(*_banks_and_limit(ev, node, args))),
    "size_below": (2, lambda ev, node, args: _size_below(*_banks_and_limit(ev, node, args))),
}
