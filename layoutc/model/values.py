"""Runtime values of KL expressions.

Integers are plain Python ``int`` (exact: a region may end at 2**64), booleans
``bool``, strings ``str``.  The rest are small frozen types below.  ``UNKNOWN``
stands for a value whose evaluation already failed with a diagnostic, so one
mistake is reported once, not once per use.
"""

from __future__ import annotations

from ..frozen import field, frozen


class Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = Unknown()


class Version(tuple[int, ...]):
    """A kernel release: ``6.12`` is (6, 12).  As a tuple (6,) < (6, 0); KL comparisons drop trailing zeros (evaluate.py)."""

    def __str__(self) -> str:
        return ".".join(str(part) for part in self)

    def __repr__(self) -> str:
        return f"Version({self})"


@frozen
class Choice:
    """A member of a ``choice(...)`` param; numeric-looking members (16K) also act as numbers."""

    text: str
    number: int | None
    members: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return self.text


@frozen
class Bank:
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size


class Banks(tuple[Bank, ...]):
    """RAM banks, in the order written (``BASE:SIZE, BASE:SIZE``)."""

    @property
    def base(self) -> int:
        return min(bank.base for bank in self) if self else 0

    @property
    def end(self) -> int:
        return max(bank.end for bank in self) if self else 0

    @property
    def size(self) -> int:
        return sum(bank.size for bank in self)

    def __str__(self) -> str:
        return ", ".join(f"{format_address(b.base)}:{format_size(b.size)}" for b in self)


def type_name(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Version):
        return "version"
    if isinstance(value, Choice):
        return "choice"
    if isinstance(value, Banks):
        return "banks"
    if isinstance(value, Bank):
        return "bank"
    return type(value).__name__.lower()


_UNITS = ((60, "E"), (50, "P"), (40, "T"), (30, "G"), (20, "M"), (10, "K"))


def format_size(size: int) -> str:
    """Exact size in the largest binary unit that divides it: 4K, 948M, 0x1234 otherwise."""
    if size == 0:
        return "0"
    for shift, unit in _UNITS:
        if size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return hex(size) if size > 9999 else str(size)


def human_size(size: int) -> str:
    """Approximate size for tables: 128 TB, 0.5 TB, 1520 MB, 4 kB (as the kernel docs print them).

    Integer arithmetic only, so any size prints (a float would overflow past 2^1024).
    """
    for shift, unit in ((60, "EB"), (50, "PB"), (40, "TB"), (30, "GB"), (20, "MB"), (10, "kB")):
        if size >= 1 << shift:
            whole, rest = divmod(size, 1 << shift)
            tenths = (rest * 10 + (1 << (shift - 1))) >> shift  # rounded to one decimal
            if tenths == 10:
                whole, tenths = whole + 1, 0
            return f"{whole} {unit}" if tenths == 0 else f"{whole}.{tenths} {unit}"
    return f"{size} B"


def format_address(value: int, bits: int = 32) -> str:
    digits = max(8, (bits + 3) // 4)
    if value < 0:
        return f"-0x{-value:x}"
    return f"0x{value:0{digits}x}"


def show(value: object, bits: int = 32) -> str:
    """A value as a diagnostic prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if -4096 < value < 4096:
            return str(value)
        return f"{format_address(value, bits)} ({format_size(abs(value))})" if value >= 0 else format_address(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return str(value)
