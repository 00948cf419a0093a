"""One open layout, checked the way `layoutc check` checks it, and its values across the `--matrix`.

The editor's unsaved buffers replace the files on disk (``texts``), so a board
sees the edits made to the base layout it extends before they are saved.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Iterator, Mapping, Sequence

from ..model.elaborate import elaborate
from ..model.types import Layout
from ..session import Parsed, Policy, Result, evaluate, matrix_axes, parse_layout, parse_overrides
from ..syntax import ast
from .index import Index, build_index, norm

# Values per variant are computed for at most this many combinations of the
# layout's bool and choice params (the hover says so when there are more).
MATRIX_LIMIT = 256


@dataclass
class Checked:
    path: str
    parsed: Parsed
    result: Result
    index: Index | None
    files: set[str] = field(default_factory=set)  # normalised paths this check read or tried to read

    @property
    def layout(self) -> Layout | None:
        return self.result.layout

    @property
    def whole(self) -> bool:
        """Every file of the chain was read and parsed (the index knows every name)."""
        return self.index is not None and not any(
            d.code.startswith("S") or d.code in ("N104", "N105") for d in self.parsed.diagnostics)


@dataclass
class Matrix:
    axes: dict[str, list[str]]
    variants: list[dict[str, str]] = field(default_factory=list)
    layouts: list[Layout] = field(default_factory=list)
    too_many: int = 0  # the number of combinations when over MATRIX_LIMIT (nothing computed)
    excluded: int = 0  # combinations a `requires` rules out
    done: bool = False  # every variant elaborated


def check(path: str, texts: Mapping[str, str], overrides: Sequence[str] = (), policy: Policy = Policy()) -> Checked:
    parsed = parse_layout(path, texts=texts)
    parsed_overrides, problems = parse_overrides(overrides)
    result = evaluate(parsed, parsed_overrides, policy, problems)
    index = build_index(parsed.files) if parsed.files else None
    files = {norm(path)} | {norm(f.source.name) for f in parsed.files}
    if index is not None:
        files |= {o.key[1] for o in index.occurrences if o.role == "extends"}
    for diagnostic in parsed.diagnostics:
        if diagnostic.span is not None and not diagnostic.span.file.name.startswith("<"):
            files.add(norm(diagnostic.span.file.name))
    return Checked(path, parsed, result, index, files)


def matrix(checked: Checked, overrides: Sequence[str] = (),
           limit: int = MATRIX_LIMIT) -> tuple[Matrix, Iterator[None]] | None:
    """The layout elaborated for every combination `layoutc check --matrix` would check (rules not run).

    Returns the matrix and the work that fills it, one variant per step, so the
    server can answer requests between variants; None when nothing elaborates.
    Every value is parsed before the first step (the parser is not re-entrant).
    """
    parsed = checked.parsed
    if checked.layout is None or not parsed.files:
        return None
    fixed, _ = parse_overrides(overrides)
    axes, _ = matrix_axes(parsed, {}, (o.name for o in fixed))
    count = 1
    for values in axes.values():
        count *= max(1, len(values))
    if count > limit:
        return Matrix(axes, too_many=count, done=True), iter(())
    result = Matrix(axes)
    parsed_values = {(name, value): parse_overrides([f"{name}={value}"])[0] for name, choices in axes.items() for value in choices}
    files: list[ast.File] = list(parsed.files)
    names = list(axes)

    def work() -> Iterator[None]:
        for combo in itertools.product(*(axes[n] for n in names)):
            variant = dict(zip(names, combo))
            variant_overrides = [o for item in variant.items() for o in parsed_values[item]]
            layout, _ = elaborate(files, list(fixed) + variant_overrides)
            if any(a.keyword == "requires" and a.passed is False for a in layout.assertions):
                result.excluded += 1
            else:
                result.variants.append(variant)
                result.layouts.append(layout)
            yield None
        result.done = True

    return result, work()
