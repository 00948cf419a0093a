"""The front door: read files, resolve `extends`, parse, elaborate, run rules, apply policy.

This is the only library module that touches the file system for input.  It
stops at a stage boundary: a file that does not parse is not elaborated; a
layout that does not elaborate cleanly is still checked by the model rules
(regions that failed are skipped by them), so one run reports as much as it can.
"""

from __future__ import annotations

import gc
import itertools
import os
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from .diagnostics import Diagnostic, Label, Severity, sorted_diagnostics
from .frozen import field, frozen, record
from .limits import MAX_VARIANTS
from .model.elaborate import Override, elaborate
from .model.types import Layout, Waiver
from .source import SourceFile, Span
from .syntax import ast
from .syntax.grammar import parse

MAX_VARIANTS_DEFAULT = MAX_VARIANTS  # L009 (layoutc/limits.py)


# ------------------------------------------------------------------ policy


@frozen(slots=False)
class Policy:
    """What the user asked for: rule selection and severity (CLI flags and config)."""

    select: tuple[str, ...] = ()  # codes, names or code prefixes ("K6", "O"); empty = all
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str, name: str) -> bool:
        def hit(patterns: Sequence[str]) -> bool:
            return any(code.startswith(p.upper()) or p.lower() == name for p in patterns)

        if self.select and not hit(self.select):
            return False
        return not hit(self.ignore)


# ------------------------------------------------------------------ loading


@record
class Parsed:
    """A layout's files, base first, as parsed once (the matrix re-elaborates them)."""

    path: str
    files: list[ast.File] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unreadable: bool = False  # the named file itself could not be read: a usage error


def _read(path: str, sink: list[Diagnostic], span: Span | None, data: bytes | None = None,
          texts: Mapping[str, str] | None = None) -> SourceFile | None:
    """``path`` as text (``data``, if given, is its content: a layout piped to stdin; ``texts`` maps
    normalised absolute paths to an editor's unsaved buffers, `layoutc lsp`).  Whichever it comes
    from, more than MAX_FILE_BYTES is L001."""
    from .files import ReadError, read_input
    from .limits import MAX_FILE_BYTES

    buffer = texts.get(os.path.normpath(os.path.abspath(path))) if texts and data is None else None
    if span is None:  # a file named on the command line: report at its 1:1 -- a missing file is still a place
        span = SourceFile(path, "").whole()
    try:
        if buffer is not None:
            if len(buffer) > MAX_FILE_BYTES // 4 and len(buffer.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
                raise ReadError.past(path, MAX_FILE_BYTES)
            return SourceFile(path, buffer)
        if data is None:
            data = read_input(path, MAX_FILE_BYTES)
        elif len(data) > MAX_FILE_BYTES:  # stdin is read to one byte past the limit (cli.read_stdin)
            raise ReadError.past(path, MAX_FILE_BYTES)
    except ReadError as error:
        if error.too_large:
            sink.append(Diagnostic("L001", f"`{path}` is too large: {error.reason}", span,
                                   help="a layout is a few kilobytes; split generated tables into their own files"))
        elif error.reason == "it is a directory":
            sink.append(Diagnostic("N104", str(error), span,
                                   help="name a .kl file, or a glob such as layouts/**/*.kl"))
        else:
            sink.append(Diagnostic("N104", str(error), span))
        return None
    try:
        return SourceFile(path, data.decode("utf-8"))
    except UnicodeDecodeError as error:
        source = SourceFile(path, data.decode("utf-8", errors="replace"))
        offset = len(data[: error.start].decode("utf-8", errors="replace"))
        sink.append(Diagnostic("S003", f"`{path}` is not UTF-8 text: byte 0x{data[error.start]:02x} "
                                       f"cannot start a character", Span(source, offset, offset + 1),
                               help="save the file as UTF-8"))
        return None


def _long_names(tree: ast.File) -> list[Diagnostic]:
    """L011 for every declared name longer than MAX_NAME_CHARS: layout, params, choice members,
    constants, spaces, regions and holes.

    A declaration is written once but its name is printed wherever something refers to it without
    spelling it: by each child of a region (header and linker-script assertions, nested paths), by
    each finding about a neighbour, by every generated identifier.  Bounding the name bounds what
    one byte of input can make layoutc write.
    """
    from .limits import MAX_NAME_CHARS

    found: list[Diagnostic] = []

    def check(name: str | None, span: Span, what: str) -> None:
        if name is not None and len(name) > MAX_NAME_CHARS:
            found.append(Diagnostic("L011", f"{what} name `{name[:32]}...` is {len(name):,} characters long "
                                            f"(at most {MAX_NAME_CHARS})", span,
                                    help="use a shorter name; put the description in a `doc` or `label` string"))

    def regions(decls: Sequence[ast.RegionDecl]) -> None:
        for region in decls:
            check(region.name, region.name_span, "region")
            regions(region.children)

    for item in tree.items:
        if isinstance(item, ast.LayoutHeader):
            check(item.name, item.name_span, "layout")
        elif isinstance(item, ast.ParamDecl):
            check(item.name, item.name_span, "param")
            for member, span in item.type.choices:
                check(member, span, "choice member")
        elif isinstance(item, ast.ConstDecl):
            check(item.name, item.name_span, "constant")
        elif isinstance(item, ast.SpaceDecl):
            check(item.name, item.name_span, "space")
            regions(item.regions)
            for hole in item.holes:
                check(hole.name, hole.span, "hole")
    return found


def parse_layout(path: str, text: bytes | None = None, texts: Mapping[str, str] | None = None) -> Parsed:
    """Read ``path`` and the files it `extends`, parse each once.

    ``text`` is the content of ``path`` when it does not come from the file system (stdin): the
    name is then only what diagnostics show, and its `extends` resolves from that name's folder.
    ``texts`` maps normalised absolute paths to text that replaces those files on disk (the open
    buffers of an editor).
    """
    from .limits import MAX_REGIONS, MAX_TOKENS

    parsed = Parsed(path)
    chain: list[ast.File] = []
    seen: set[str] = set()
    tokens = declarations = 0  # of the files in chain
    current = path
    via: ast.Extends | None = None  # the `extends` that named `current`; None for the file itself
    while True:
        key = os.path.normpath(os.path.abspath(current))
        if key in seen:
            names = [f.source.name for f in chain] + [current]
            parsed.diagnostics.append(Diagnostic("N105", "include cycle: " + " -> ".join(names),
                                                 via.span if via else None,
                                                 help="a base layout cannot extend its own overlay"))
            break
        seen.add(key)
        source = _read(current, parsed.diagnostics, via.span if via else None, text if via is None else None, texts)
        if source is None:
            parsed.unreadable = via is None
            break
        tree, diagnostics = parse(source, max_tokens=MAX_TOKENS - tokens, max_regions=MAX_REGIONS - declarations)
        parsed.diagnostics.extend(diagnostics)
        if tree is not None:
            too_long = _long_names(tree)
            parsed.diagnostics.extend(too_long)
            tree = None if too_long else tree  # like a file that does not parse: nothing of it is used
        if tree is None:
            break
        chain.append(tree)
        tokens += tree.tokens
        declarations += tree.declarations
        bases = [item for item in tree.items if isinstance(item, ast.Extends)]
        for extra in bases[1:]:
            parsed.diagnostics.append(Diagnostic("S001", "a file extends at most one base layout", extra.span,
                                                 labels=(Label(bases[0].span, "first `extends` here"),)))
        if not bases:
            break
        via = bases[0]
        base = via.path
        current = base if os.path.isabs(base) else os.path.normpath(os.path.join(os.path.dirname(current), base))
    chain.reverse()
    parsed.files = chain
    return parsed


def parse_overrides(pairs: Iterable[str]) -> tuple[list[Override], list[Diagnostic]]:
    """`NAME=VALUE` strings (from `-D`) -> overrides; each value is its own tiny source."""
    overrides: list[Override] = []
    diagnostics: list[Diagnostic] = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        source = SourceFile(f"<-D {pair}>", pair)
        name_span = Span(source, 0, len(name))
        if not sep or not name.strip().isidentifier():
            diagnostics.append(Diagnostic("E207", f"`-D {pair}`: expected NAME=VALUE", Span(source, 0, len(pair)),
                                          help="for example -D vmsplit=2G or -D ram=0x80000000:512M"))
            continue
        if not value.strip():
            diagnostics.append(Diagnostic("E207", f"`-D {pair}`: no value after `=`", Span(source, len(pair), len(pair))))
            continue
        value_source = SourceFile(f"<-D {pair}>", " " * (len(name) + 1) + value)
        tree, found = parse(value_source, start="override")
        diagnostics.extend(found)
        if tree is not None:
            overrides.append(Override(name.strip(), tree, name_span))
    return overrides, diagnostics


# ------------------------------------------------------------------ results


@record
class Result:
    path: str
    layout: Layout | None
    diagnostics: list[Diagnostic]  # reported (policy applied, waived removed)
    waived: list[Diagnostic]
    rules_run: int
    usage_error: bool = False
    variant: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


class _Waivers:
    """Which `allow` waives a diagnostic: the first of the layout's (with a reason) that names its rule
    and covers it -- the file, one of its regions, or a space holding all of them.

    Indexed once by rule, scope and target: looking each diagnostic up in every waiver, and a space's
    region names up again for each, was cubic (2,000 waivers of one rule over 2,000 regions: 11 s).
    """

    def __init__(self, layout: Layout | None) -> None:
        self.layout = layout
        # rule (code or name, as written lowered) -> scope kind -> target ("" for the file) -> first waiver
        self.by_rule: dict[str, dict[str, dict[str, tuple[int, Waiver]]]] = {}
        for index, waiver in enumerate(layout.waivers if layout is not None else ()):
            if not waiver.reason.strip():
                continue
            kind, _, target = waiver.scope.partition(":")
            if kind == "region":
                target = target.partition(".")[2]
            scopes = self.by_rule.setdefault(waiver.rule.lower(), {})
            scopes.setdefault(kind, {}).setdefault(target if kind != "file" else "", (index, waiver))
        self._names: dict[str, frozenset[str]] = {}  # a space's region names

    def __call__(self, diagnostic: Diagnostic) -> Waiver | None:
        if self.layout is None or diagnostic.code.startswith(("S", "L")):
            return None
        found: list[tuple[int, Waiver]] = []
        for key in {diagnostic.code.lower(), (diagnostic.name or "").lower()}:
            scopes = self.by_rule.get(key, {})
            found.extend(scopes.get("file", {}).values())
            regions = scopes.get("region", {})
            found.extend(regions[name] for name in diagnostic.regions if name in regions)
            if diagnostic.regions:
                for space, waiver in scopes.get("space", {}).items():
                    if all(region in self._space(space) for region in diagnostic.regions):
                        found.append(waiver)
        return min(found, key=lambda pair: pair[0])[1] if found else None

    def _space(self, name: str) -> frozenset[str]:
        names = self._names.get(name)
        if names is None:
            assert self.layout is not None
            space = self.layout.spaces.get(name)
            names = self._names[name] = frozenset(r.name for r in space.regions) if space is not None else frozenset()
        return names


def finish(raw: Iterable[Diagnostic], layout: Layout | None, policy: Policy) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Registry names and severities, selection, waivers: (reported, waived)."""
    from .limits import MAX_FINDINGS_PER_RULE
    from .rules import lookup
    from .rules.runner import overflow_note

    reported: list[Diagnostic] = []
    waived: list[Diagnostic] = []
    # L008 for every code, not only the model rules' (which stop producing at the limit): front-end
    # findings (S, W, N, E) are linear in the input, but each one printed with its source line made a
    # 1 MB file print gigabytes
    counts: dict[str, int] = {}
    first_dropped: dict[str, Diagnostic] = {}
    waived_by = _Waivers(layout)
    for diagnostic in sorted_diagnostics(raw):
        entry = lookup(diagnostic.code)
        name = entry.name if entry else diagnostic.code.lower()
        severity = diagnostic.severity or (entry.severity if entry else Severity.ERROR)
        diagnostic = diagnostic.with_(name=name, severity=severity)
        if not policy.enabled(diagnostic.code, name) and diagnostic.code[0] not in "SL":
            continue
        waiver = waived_by(diagnostic)
        if waiver is not None:
            waived.append(diagnostic.with_(waiver=waiver.reason))
            continue
        counts[diagnostic.code] = counts.get(diagnostic.code, 0) + 1
        if counts[diagnostic.code] > MAX_FINDINGS_PER_RULE and diagnostic.code != "L008":
            first_dropped.setdefault(diagnostic.code, diagnostic)
            continue
        reported.append(diagnostic)
    for code, first in first_dropped.items():
        note = overflow_note(code, first.name or code.lower(), first.span, counts[code] - MAX_FINDINGS_PER_RULE)
        reported.append(note.with_(name="too-many-findings", severity=Severity.NOTE))
    return reported, waived


def _declarations(files: Sequence[ast.File]) -> Iterator[ast.RegionDecl | ast.HoleDecl]:
    """The regions and holes of ``files``, file by file, each space's regions (depth first) then its holes."""
    pending: list[ast.SpaceDecl | ast.RegionDecl | ast.HoleDecl] = [
        space for file in reversed(files) for space in reversed(file.items) if isinstance(space, ast.SpaceDecl)]
    while pending:
        item = pending.pop()
        if isinstance(item, ast.SpaceDecl):
            pending.extend(reversed((*item.regions, *item.holes)))
            continue
        yield item
        if isinstance(item, ast.RegionDecl):
            pending.extend(reversed(item.children))


def _region_limit(files: Sequence[ast.File]) -> Diagnostic | None:
    """L007 at the first region or hole past MAX_REGIONS (all files together), else None.

    A file that may be past it is scanned before it is parsed (syntax.grammar.parse), which finds
    almost all of them; this finds the holes the scan cannot tell from an index (after a keyword)."""
    from .limits import MAX_REGIONS
    from .syntax.grammar import too_many_regions

    if sum(file.declarations for file in files) <= MAX_REGIONS:
        return None
    for count, item in enumerate(_declarations(files), 1):
        if count > MAX_REGIONS:
            return too_many_regions(item.span)
    return None


def evaluate(parsed: Parsed, overrides: Sequence[Override] = (), policy: Policy = Policy(),
             extra: Sequence[Diagnostic] = ()) -> Result:
    """Elaborate parsed files with overrides, run the model rules, apply the policy."""
    from .rules import RULES, run_rules

    raw = list(parsed.diagnostics) + list(extra)
    layout = None
    ran = 0
    too_many = _region_limit(parsed.files)
    if too_many is not None:
        raw.append(too_many)
    elif parsed.files and not any(d.code.startswith(("S", "L")) or d.code in ("N104", "N105")
                                  for d in parsed.diagnostics):
        # like a parse, elaboration makes many small acyclic objects: no cyclic-GC passes over them
        collecting = gc.isenabled()
        gc.disable()
        try:
            layout, found = elaborate(parsed.files, overrides)
            raw.extend(found)
            enabled = [code for code, entry in RULES.items()
                       if entry.stage == "model" and policy.enabled(code, entry.name)]
            found, ran = run_rules(layout, enabled)
            raw.extend(found)
        finally:
            if collecting:
                gc.enable()
    reported, waived = finish(raw, layout, policy)
    # a problem in a command-line argument (`<-D ...>`, `<--vary ...>`) is a usage error
    usage = parsed.unreadable or any(d.span is not None and d.span.file.is_argument for d in reported)
    return Result(parsed.path, layout, reported, waived, ran, usage)


def load_layout(path: str, overrides: Mapping[str, str] | Sequence[str] = (), policy: Policy = Policy(),
                text: bytes | None = None) -> Result:
    """Check one layout: ``overrides`` as {"ram": "1G"} or ["ram=1G"]; ``text`` as for ``parse_layout``."""
    pairs = [f"{k}={v}" for k, v in overrides.items()] if isinstance(overrides, Mapping) else list(overrides)
    parsed_overrides, problems = parse_overrides(pairs)
    return evaluate(parse_layout(path, text), parsed_overrides, policy, problems)


# ------------------------------------------------------------------ the matrix


@record
class MatrixFinding:
    diagnostic: Diagnostic  # from the first variant that showed it
    variants: list[int]  # indices into MatrixResult.variants


@record
class MatrixResult:
    path: str
    axes: dict[str, list[str]]
    variants: list[dict[str, str]]
    findings: list[MatrixFinding]
    waived: list[Diagnostic]
    results: list[Result]  # the first variant's, or every one's when asked for (each holds its layout)
    too_many: int = 0  # number of combinations when over the bound (nothing was run)
    regions: int = 0  # region declarations, when combinations x regions is over its bound
    usage_error: bool = False  # of any variant
    rules_run: int = 0  # the most any variant ran
    excluded: list[dict[str, str]] = field(default_factory=list)  # combinations a `requires` rules out

    def condition(self, finding: MatrixFinding) -> str:
        return describe_variants(self.axes, self.variants, set(finding.variants))


def matrix_axes(parsed: Parsed, vary: Mapping[str, list[str]], fixed: Iterable[str]) -> tuple[dict[str, list[str]], list[Diagnostic]]:
    """Every bool and choice param, plus the user's `--vary` lists.

    Params fixed by `-D`, or `set` by a board overlay, stay fixed: the board chose them.
    """
    axes: dict[str, list[str]] = {}
    problems: list[Diagnostic] = []
    fixed = set(fixed)
    params = {}
    for file in parsed.files:
        for item in file.items:
            if isinstance(item, ast.ParamDecl):
                params[item.name] = item
            elif isinstance(item, ast.SetStmt):
                fixed.add(item.name)
    for name, decl in params.items():
        if name in fixed or name in vary:
            continue
        if decl.type.name == "bool":
            axes[name] = ["false", "true"]
        elif decl.type.name == "choice":
            axes[name] = [text for text, _ in decl.type.choices]
    for name, values in vary.items():
        if name not in params:
            from .suggest import did_you_mean

            source = SourceFile(f"<--vary {name}>", name)
            problems.append(Diagnostic("N103", f"--vary names no param: `{name}`", Span(source, 0, len(name)),
                                       help=did_you_mean(name, params)))
            continue
        axes[name] = list(values)
    return axes, problems


def check_matrix(path: str, vary: Mapping[str, list[str]] = {}, overrides: Sequence[str] = (),
                 policy: Policy = Policy(), max_variants: int = MAX_VARIANTS_DEFAULT, text: bytes | None = None,
                 progress: Callable[[int, int], None] | None = None, keep: bool = False) -> MatrixResult:
    """Check every combination of the matrix axes; ``progress(done, total)`` is told after each one.

    L009: at most ``max_variants`` combinations, and combinations times region declarations at
    most ``max_variants`` x MATRIX_REGIONS (each combination is a whole check).  Only the first
    variant's Result is kept unless ``keep`` (every variant's layout: 4096 of 520 regions were 598 MB).
    """
    from .limits import MATRIX_REGIONS

    parsed = parse_layout(path, text)
    fixed_overrides, problems = parse_overrides(overrides)
    axes, axis_problems = matrix_axes(parsed, vary, (o.name for o in fixed_overrides))
    problems += axis_problems
    count = 1
    for values in axes.values():
        count *= max(1, len(values))
    declared = sum(file.declarations for file in parsed.files)
    too_many = count > max_variants or count * declared > max_variants * MATRIX_REGIONS
    if too_many or problems or not parsed.files:
        return _one_variant(path, axes, {}, evaluate(parsed, fixed_overrides, policy, problems),
                            too_many=count if too_many else 0, regions=declared if too_many else 0)
    names = list(axes)
    variants = [dict(zip(names, combo)) for combo in itertools.product(*(axes[n] for n in names))]
    groups: dict[tuple[object, ...], MatrixFinding] = {}
    waived: dict[tuple[object, ...], Diagnostic] = {}
    results: list[Result] = []
    usage_error, rules_run = False, 0
    checked: list[dict[str, str]] = []
    excluded: list[dict[str, str]] = []
    for done, variant in enumerate(variants, 1):
        if progress is not None:
            progress(done, len(variants))
        variant_overrides, found = parse_overrides([f"{k}={v}" for k, v in variant.items()])
        result = evaluate(parsed, list(fixed_overrides) + variant_overrides, policy, found)
        result.variant = variant
        if result.layout is not None and any(a.keyword == "requires" and a.passed is False
                                             for a in result.layout.assertions):
            excluded.append(variant)  # no such configuration: like Kconfig's `depends on`
            continue
        index = len(checked)
        checked.append(variant)
        if keep or not results:
            results.append(result)
        usage_error, rules_run = usage_error or result.usage_error, max(rules_run, result.rules_run)
        for diagnostic in result.diagnostics:
            key = _group_key(diagnostic)
            if key in groups:
                groups[key].variants.append(index)
            else:
                groups[key] = MatrixFinding(diagnostic, [index])
        for diagnostic in result.waived:
            waived.setdefault(_group_key(diagnostic), diagnostic)
    if not checked:  # every combination ruled out: report why, from the first one
        result = evaluate(parsed, list(fixed_overrides) + parse_overrides(
            [f"{k}={v}" for k, v in variants[0].items()])[0], policy)
        return _one_variant(path, axes, variants[0], result, excluded=excluded)
    findings = sorted(groups.values(), key=lambda f: f.diagnostic.sort_key())
    return MatrixResult(path, axes, checked, findings, list(waived.values()), results, excluded=excluded,
                        usage_error=usage_error, rules_run=rules_run)


def _one_variant(path: str, axes: dict[str, list[str]], variant: dict[str, str], result: Result, too_many: int = 0,
                 regions: int = 0, excluded: list[dict[str, str]] | None = None) -> MatrixResult:
    """The matrix of a single evaluated variant (nothing to vary, or nothing else to report)."""
    return MatrixResult(path, axes, [variant], [MatrixFinding(d, [0]) for d in result.diagnostics], result.waived,
                        [result], too_many, regions, result.usage_error, result.rules_run, excluded or [])


def _group_key(diagnostic: Diagnostic) -> tuple[object, ...]:
    """One root cause: the same rule at the same place about the same regions."""
    span = diagnostic.span
    where = (span.file.name, span.start) if span is not None else ("", 0)
    return (diagnostic.code, where, diagnostic.regions)


_LISTED = 8  # values of one param, or boxes, a description of variants names


def describe_variants(axes: Mapping[str, list[str]], variants: list[dict[str, str]], failing: set[int]) -> str:
    """A short description of a set of variants: `every variant`, `vmsplit=1G`,
    `vmsplit=3G_OPT and kernel in {2.6.35, 3.0}`, or a union of such boxes.

    At most _LISTED values of a param and _LISTED boxes are named, the rest counted: a choice of 200
    long members named in every finding's note made 7.8 MB of report from 29 KB (issue 10)."""
    if len(failing) == len(variants):
        return "every variant"

    def matching(box: dict[str, set[str]]) -> set[int]:
        return {i for i, v in enumerate(variants) if all(v.get(k) in vals for k, vals in box.items())}

    def box_of(indices: set[int]) -> dict[str, set[str]]:
        box = {}
        for name, values in axes.items():
            seen = {variants[i][name] for i in indices}
            if len(seen) < len(set(values)):
                box[name] = seen
        return box

    def describe(box: dict[str, set[str]]) -> str:
        parts = []
        for name, values in box.items():
            ordered = [v for v in axes[name] if v in values]
            if len(ordered) > _LISTED:
                ordered = [*ordered[:_LISTED], f"and {len(ordered) - _LISTED} more"]
            parts.append(f"{name}={ordered[0]}" if len(ordered) == 1 else f"{name} in {{{', '.join(ordered)}}}")
        return " and ".join(parts)

    box = box_of(failing)
    if matching(box) == failing:
        return describe(box)
    best = None
    for name in axes:  # split by one param; each part a box of its own
        parts: dict[str, set[int]] = {}
        for i in failing:
            parts.setdefault(variants[i][name], set()).add(i)
        if len(parts) > _LISTED:
            continue
        boxes = [box_of(part) for part in parts.values()]
        if all(matching(b) == part for b, part in zip(boxes, parts.values())):
            text = " or ".join(f"({describe(b)})" for b in boxes)
            if best is None or len(text) < len(best):
                best = text
    if best is not None:
        return best
    shown = [", ".join(f"{k}={v}" for k, v in variants[i].items()) for i in sorted(failing)[:4]]
    more = f" and {len(failing) - 4} more" if len(failing) > 4 else ""
    return "; ".join(f"({s})" for s in shown) + more


# ------------------------------------------------------------------ several files in one run


def file_identity(name: str) -> str:
    """One key per file however it was named (`a.kl`, `./a.kl`, a symlink); a `<-D ...>` text is its name."""
    if name.startswith("<"):
        return name
    return os.path.realpath(name)


def unique_paths(paths: Iterable[str]) -> list[str]:
    """``paths`` without repeats of the same file (the first naming wins): a file given twice is checked once."""
    seen: set[str] = set()
    out = []
    for path in paths:
        key = file_identity(path)
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def _finding_key(diagnostic: Diagnostic) -> tuple[object, ...]:
    """The same finding: same rule, same place (in the same file), same words, regions, labels and help."""
    def place(span: Span | None) -> tuple[str, int, int]:
        return (file_identity(span.file.name), span.start, span.end) if span is not None else ("", 0, 0)

    return (diagnostic.code, place(diagnostic.span), diagnostic.message, diagnostic.regions, diagnostic.notes,
            diagnostic.help, diagnostic.severity,
            tuple((place(label.span), label.message) for label in diagnostic.labels), diagnostic.waiver)


CONFIGURATION_NOTE = "in the"  # starts the note merge_findings adds: "in the configuration(s) of a.kl, b.kl"


def merge_findings(found: Iterable[tuple[str, Diagnostic, tuple[str, ...]]]) -> list[Diagnostic]:
    """One diagnostic per distinct finding of a run over several files, in first-seen order.

    ``found`` holds (checked file, diagnostic its configuration produced, notes about
    that run such as the variants of a matrix).  A finding in a base layout is produced
    again by every overlay that `extends` it; when it says the same thing there it is one
    finding, reported once at the place where it is.  When an overlay's configuration
    changes what it says (other evaluated values), each version is reported once.  A
    finding reached from a file other than the one it is in gets a note naming the
    configurations it occurs in.
    """
    merged: dict[tuple[object, ...], tuple[Diagnostic, dict[str, tuple[str, tuple[str, ...]]]]] = {}
    for entry, diagnostic, extra in found:
        key = _finding_key(diagnostic)
        if key not in merged:
            merged[key] = (diagnostic, {})
        merged[key][1].setdefault(file_identity(entry), (entry, extra))
    out = []
    for diagnostic, by_entry in merged.values():
        runs = list(by_entry.values())
        home = diagnostic.span.file.name if diagnostic.span is not None else "<"
        notes = list(diagnostic.notes)
        if not home.startswith("<") and list(by_entry) != [file_identity(home)]:
            which = "configuration" if len(runs) == 1 else "configurations"
            notes.append(f"{CONFIGURATION_NOTE} {which} of {', '.join(entry for entry, _ in runs)}")
        if len(runs) == 1:
            notes += runs[0][1]
        else:
            notes += [f"{entry}: {note}" for entry, extra in runs for note in extra]
        out.append(diagnostic.with_(notes=tuple(notes)))
    return out
