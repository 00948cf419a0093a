"""The command line: the only place that prints, picks colours and exit codes.

Exit codes: 0 clean (warnings allowed unless --werror), 1 findings at error
severity, 2 usage or unreadable input, 3 internal error (a bug: a short report,
no traceback unless LAYOUTC_DEBUG=1).
"""

from __future__ import annotations

import argparse
import errno
import glob
import importlib
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import __version__
from .files import WriteError

if TYPE_CHECKING:
    from .diagnostics import Diagnostic

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("human", "json", "sarif", "github", "concise")  # diagnostic formats: --format and the config's `format`
# The --format values each command can honour; any other is a usage error, not silently the human report.
# (`render` has a --format of its own: picture formats; a command not listed takes what its parser allows.)
COMMAND_FORMATS = {"check": FORMATS, "show": ("human", "json"), "sim": ("human", "json"),
                   "build": ("human", "json", "github", "concise"), "emit": ("human", "json", "github", "concise"),
                   "banner": ("human",), "import": ("human",)}


class UsageError(Exception):
    pass


def _columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (and bz2, lzma, fnmatch) on
    every start-up: argparse makes a help formatter for each option it adds, even when no help is shown."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        stream = sys.__stdout__
        try:
            columns = os.get_terminal_size(stream.fileno()).columns if stream is not None else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # argparse would exit 2 itself; keep one path for usage errors
        raise UsageError(f"{self.prog}: {message}")


class _CommandParser(_Parser):
    """A subcommand's parser: options may come before, between and after its positional arguments.

    `layoutc emit header -D vmsplit=2G layouts/arm32.kl` and `layoutc check a.kl -D x=1 b.kl` work as
    `gcc -D X file.c` does.  Plain argparse fills positionals greedily and leaves the ones after an
    option unrecognised; ``parse_known_intermixed_args`` reads every option first, then the
    positionals.  It cannot itself hold subparsers, so it runs per subcommand, here, for all of them.
    """

    _passes: list[list[str]] | None = None  # the passes seen while parse_known_intermixed_args runs
    _tail: tuple[str, ...] = ()  # `--` and what follows it

    def parse_known_args(self, args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        if self._passes is not None:
            # Python < 3.12.8 parses in two passes through here and drops a `--` in the first, so
            # `check -- -odd.kl` would read `-odd.kl` as an option: options from before `--` only,
            # then every positional with the `--` kept.  (The rewritten 3.12.8+ never calls back.)
            self._passes.append(args)
            if len(self._passes) == 1 and "--" in args:
                self._tail = tuple(args[args.index("--"):])
                args = args[:args.index("--")]
            elif len(self._passes) == 2:
                args = args + list(self._tail)
            return super().parse_known_args(args, namespace)
        self._passes, self._tail = [], ()
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._passes = None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                        help="override a param (same literal syntax as the file); repeatable")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="diagnostic format (default: human)")
    parser.add_argument("--select", action="append", default=[], metavar="RULES",
                        help="only these rules (codes, names or code prefixes, comma separated)")
    parser.add_argument("--ignore", action="append", default=[], metavar="RULES", help="skip these rules")
    parser.add_argument("--werror", action="store_true", default=None, help="exit 1 on warnings too")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--config", metavar="FILE",
                        help="use this configuration for every layout (a layoutc.toml, or a pyproject.toml's "
                             "[tool.layoutc]) instead of the nearest one above each file")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="the name of the layout read from - (stdin): in diagnostics, and where its `extends` "
                             "and configuration are found")


def listed_by(action: argparse.Action, *command: str) -> None:
    """Shell completion offers the first column of what `layoutc COMMAND...` prints for this argument
    (rules, emitters: registries with plug-ins, so listed when completing; layoutc.completion)."""
    vars(action)["words"] = command


# Subcommands defined here, not in EXTENSIONS.
BUILTIN = ("check", "show", "rules", "explain", "completion")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` one built-in subcommand of it (what a run of that
    subcommand parses with: building every subcommand's options, and importing EXTENSIONS, was a
    sixth of a check's start-up; benchmarks/cold_start.py)."""
    parser = _Parser(prog="layoutc", description="Declarative memory-layout compiler and linter.")
    parser.add_argument("--version", action="version", version=f"layoutc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    if only in BUILTIN:
        _builtin(sub, only)
        return parser
    for name in BUILTIN:
        _builtin(sub, name)
    for module_name in EXTENSIONS:
        module = importlib.import_module(module_name)
        module.add_parsers(sub, _common)
    return parser


def _builtin(sub, name: str) -> None:
    if name == "check":
        _add_check(sub)
    elif name == "show":
        show = sub.add_parser("show", help="print the evaluated layout as a memory-map table")
        show.add_argument("file", metavar="FILE")
        _common(show)
        show.add_argument("--space", help="only this address space")
        show.add_argument("--explain", metavar="NAME",
                          help="value, formula and provenance of a param, constant or region")
    elif name == "rules":
        sub.add_parser("rules", help="list every rule")
    elif name == "explain":
        explain = sub.add_parser("explain", help="print a rule's documentation")
        listed_by(explain.add_argument("rule", metavar="CODE|NAME"), "rules")
    else:
        completion = sub.add_parser("completion", help="print a completion script for bash, zsh or fish",
                                    description="Print a shell completion script, generated from this command "
                                                "line's definition.  bash: `source <(layoutc completion bash)`.")
        completion.add_argument("shell", choices=("bash", "zsh", "fish"))


def _add_check(sub) -> None:
    check = sub.add_parser("check", help="check layouts; exit 1 on errors")
    check.add_argument("files", nargs="+", metavar="FILE",
                       help="layout files, globs (layouts/**/*.kl), folders (searched for *.kl) or - (stdin)")
    _common(check)
    check.add_argument("--quiet", "-q", action="store_true", help="print only the findings, no coverage line")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even with findings (still 2 on usage errors, 3 on internal errors)")
    check.add_argument("--matrix", action="store_true", help="check every combination of bool and choice params")
    check.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2",
                       help="with --matrix: also vary this param over these values")
    check.add_argument("--against", metavar="BOOTLOG",
                       help="compare with a real boot log's \"Virtual kernel memory layout\" banner, line by line")
    check.add_argument("--max-variants", type=int, default=None, metavar="N",
                       help="refuse a matrix of more than N combinations, or of combinations x regions past "
                            "N x 32 (default 1024)")


# Modules that add subcommands (build/emit, render, sim).  Each defines
# ``add_parsers(subparsers, common)`` and sets ``handler=`` on its parsers; it
# must stay cheap to import (heavy imports go inside the handlers).
EXTENSIONS: tuple[str, ...] = ("layoutc.banner.commands", "layoutc.draw.commands", "layoutc.sim.commands",
                               "layoutc.emit.commands", "layoutc.lsp.commands", "layoutc.verify.commands")


# ------------------------------------------------------------------ helpers


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _policy(args, config):
    """Rule selection: --select replaces the config's `select`, --ignore adds to its `ignore`."""
    from .rules import lookup
    from .session import Policy

    select = _split(args.select) or config.select
    ignore = _split(args.ignore) + config.ignore
    for pattern in select + ignore:
        if lookup(pattern) is None and not any(code.startswith(pattern.upper()) for code in _codes()):
            origin = ("--select/--ignore" if pattern in _split(args.select + args.ignore)
                      else f"`select`/`ignore` of {config.path}")
            raise UsageError(f"layoutc: unknown rule `{pattern}` in {origin} (see `layoutc rules`)")
    return Policy(select, ignore)


def _config(args, path: str | Path):
    """The configuration of the layout at ``path`` (`-`: named by --stdin-filename, else in the cwd)."""
    from .config import ConfigError, Finder

    finder = getattr(args, "config_finder", None)
    try:
        if finder is None:
            if getattr(args, "config", None) and getattr(args, "isolated", False):
                raise UsageError("layoutc: --config and --isolated exclude each other")
            finder = args.config_finder = Finder(FORMATS, getattr(args, "config", None),
                                                 getattr(args, "isolated", False))
        if str(path) == "-":
            path = getattr(args, "stdin_filename", None) or Path.cwd()
        return finder.for_file(path)
    except ConfigError as error:
        raise UsageError(f"layoutc: bad configuration: {error}") from None


def _werror(args, config) -> bool:
    return args.werror if args.werror is not None else config.werror


def _codes():
    from .rules import RULES

    return list(RULES)


def _expand(patterns: Sequence[str]) -> list[str]:
    """Files, globs and folders (every *.kl below, sorted) -> file names, in the order given."""
    files: list[str] = []
    for pattern in patterns:
        if pattern != "-" and os.path.isdir(pattern):
            # os.walk does not follow links to folders: a `loop -> .` inside is not walked forty deep
            found = sorted(os.path.join(top, name) for top, _, names in os.walk(pattern)
                           for name in names if name.endswith(".kl"))
            if not found:
                raise UsageError(f"layoutc: no .kl file in the folder `{pattern}`")
            files.extend(found)
        elif any(ch in pattern for ch in "*?["):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise UsageError(f"layoutc: no file matches `{pattern}`")
            files.extend(m for m in matches if not os.path.isdir(m))
        else:
            files.append(pattern)
    return files


def _colour(choice: str, stream) -> bool:
    """--color and the environment (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, TERM=dumb): render.colour_enabled."""
    from .render import colour_enabled

    return colour_enabled(choice, hasattr(stream, "isatty") and stream.isatty(), os.environ)


def _out(text: str) -> None:
    sys.stdout.write(text)
    if text and not text.endswith("\n"):
        sys.stdout.write("\n")


# ------------------------------------------------------------------ commands


def _exit_code(errors: int, warnings: int, usage: bool, werror: bool) -> int:
    if usage:
        return EXIT_USAGE
    if errors or (werror and warnings):
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_check(args) -> int:
    from .limits import MATRIX_REGIONS
    from .render import Human, Summary, count, coverage_line, to_github, to_json
    from .session import MAX_VARIANTS_DEFAULT, check_matrix, file_identity, load_layout, merge_findings, unique_paths

    expanded = _expand(args.files)
    stdin = _stdin(args, expanded)
    files = unique_paths(expanded)
    configs = {path: _config(args, path) for path in files}  # each file's own, nearest above it
    fmt = _format(args, configs)
    human = Human(_colour(args.color, sys.stdout))

    # (checked file, diagnostic, run notes), merged into `shown` and `hidden` below
    reported: list[tuple[str, Diagnostic, tuple[str, ...]]] = []
    waived: list[tuple[str, Diagnostic, tuple[str, ...]]] = []
    usage = False
    regions = definitions = rules_run = 0
    werror_warnings = 0  # warnings in files whose configuration (or --werror) makes them fail
    read: set[str] = set()
    notices: list[str] = []
    variants_total = 0
    variant_info = {}
    if args.vary and not args.matrix:
        raise UsageError("layoutc: --vary only applies with --matrix")
    if args.against and args.matrix:
        raise UsageError("layoutc: --against compares one configuration with a boot log; drop --matrix")
    vary: dict[str, list[str]] = {}
    for item in args.vary:
        name, sep, values = item.partition("=")
        if not sep or not values:
            raise UsageError(f"layoutc: --vary takes NAME=V1,V2,...: `{item}`")
        vary[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    for path in files:
        config = configs[path]
        policy = _policy(args, config)
        text = stdin if path == "-" else None
        name = (args.stdin_filename or "<stdin>") if path == "-" else path
        limit = args.max_variants if args.max_variants is not None else config.max_variants or MAX_VARIANTS_DEFAULT
        if limit < 1:
            raise UsageError(f"layoutc: --max-variants must be at least 1, not {limit}")
        if args.matrix:
            progress = Progress(f"layoutc: {name}")

            def report(done: int, total: int, line: Progress = progress) -> None:
                line.update(f"variant {done} of {total}")

            try:
                matrix = check_matrix(name, vary, args.defines, policy, limit, text, report)
            finally:
                progress.done()
            if matrix.too_many > limit:
                raise UsageError(f"layoutc: error[L009]: --matrix on {name} would check {matrix.too_many:,} combinations "
                                 f"(more than {limit:,}); fix some params with -D, or raise --max-variants")
            if matrix.too_many:
                raise UsageError(f"layoutc: error[L009]: --matrix on {name} would check {matrix.too_many:,} combinations "
                                 f"of {matrix.regions:,} regions ({matrix.too_many * matrix.regions:,} region checks, "
                                 f"more than {limit:,} x {MATRIX_REGIONS}); fix some params with -D, or raise "
                                 "--max-variants")
            variants_total += len(matrix.variants)
            variant_info[name] = {"axes": matrix.axes, "count": len(matrix.variants),
                                  "excluded": len(matrix.excluded)}
            if matrix.excluded:
                notices.append(f"{name}: {len(matrix.excluded)} of {len(matrix.excluded) + len(matrix.variants)} "
                               "combinations skipped: a `requires` rules them out")
            found = []
            for finding in matrix.findings:
                condition = matrix.condition(finding)
                extra = () if len(matrix.variants) == 1 else (
                    f"in {len(finding.variants)} of {len(matrix.variants)} variants: {condition}",)
                found.append((name, finding.diagnostic, extra))
            waived.extend((name, d, ()) for d in matrix.waived)
            usage = usage or matrix.usage_error
            first = matrix.results[0]
            rules_run = max(rules_run, matrix.rules_run)
        else:
            first = load_layout(name, args.defines, policy, text)
            if args.against and first.layout is not None:
                _against(first, args.against, policy)
            rules_run = max(rules_run, first.rules_run)
            variants_total += 1
            found = [(name, d, ()) for d in first.diagnostics]
            waived.extend((name, d, ()) for d in first.waived)
            usage = usage or first.usage_error
        reported.extend(found)
        if _werror(args, config):
            werror_warnings += count([d for _, d, _ in found])[1]
        if first.layout is not None:
            regions += first.layout.region_count
            read.update(file_identity(source.name) for source in first.layout.files)
            definitions += len(first.layout.params) + len(first.layout.consts)
        read.add(file_identity(name))
    shown, hidden = merge_findings(reported), merge_findings(waived)  # a base's findings once, not per overlay
    errors, warnings, notes = count(shown)
    file_count = len(read | {file_identity(f) for f in files if f != "-"})  # overlays count the bases they extend
    summary = Summary(errors, warnings, notes, file_count, regions, rules_run, definitions, variants_total, len(hidden))
    if fmt == "json":
        _out(to_json(shown, hidden, summary, variant_info or None))
    elif fmt == "sarif":
        from .sarif import published_urls, to_sarif
        from .workspace import find_workspace

        _out(to_sarif(shown, hidden, __version__, find_workspace(), **published_urls()))
    elif fmt == "github":
        from .workspace import find_workspace

        _out(to_github(shown, find_workspace()))
    elif fmt == "concise":  # one line per finding on stdout, for editors; the coverage line goes to stderr
        from .render import to_concise

        _out(to_concise(shown))
        if not args.quiet:
            sys.stderr.write(coverage_line(summary) + "\n")
    else:
        for d in shown:
            _out(human.diagnostic(d) + "\n")
        if not args.quiet:
            for d in hidden:
                _out(human.waived(d))
            for notice in notices:
                _out(notice)
            _out(coverage_line(summary))
    code = _exit_code(errors, werror_warnings, usage, True)
    return EXIT_OK if args.exit_zero and code == EXIT_FINDINGS else code


def _stdin(args, files: list[str]) -> bytes | None:
    """The layout piped to `-`, read once; --stdin-filename only names it."""
    if files.count("-") > 1:
        raise UsageError("layoutc: `-` (stdin) can be given once")
    if "-" not in files:
        if args.stdin_filename:
            raise UsageError("layoutc: --stdin-filename names the layout read from `-`; give `-` as a file")
        return None
    return read_stdin()


def read_stdin() -> bytes:
    """Standard input, to one byte past the largest layout (its reader says L001 then: `check - <
    /dev/zero` read without end); a usage error when it is closed (`layoutc check - <&-`)."""
    from .limits import MAX_FILE_BYTES

    if sys.stdin is None:
        raise UsageError("layoutc: `-` reads the layout from standard input, which is closed")
    return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)


def _stdin_layout(args) -> None:
    """A layout argument (FILE) of `-` is stdin: read it once into ``args.file_text`` and name it
    (--stdin-filename, else `<stdin>`), so every command reads, reports and configures it alike."""
    if not hasattr(args, "file"):
        return
    args.file_text = None
    if args.file == "-":
        args.file, args.file_text = args.stdin_filename or "<stdin>", read_stdin()
    elif args.stdin_filename:
        raise UsageError("layoutc: --stdin-filename names the layout read from `-`; give `-` as the file")


def _format(args, configs) -> str:
    """One output stream, one format: --format, else the one the configurations agree on."""
    if args.format:
        return args.format
    asked = {config.format: config.path for config in configs.values() if config.format}
    if len(asked) > 1:
        raise UsageError("layoutc: the configurations of these files ask for different formats ("
                         + ", ".join(f"{fmt} in {path}" for fmt, path in sorted(asked.items())) + "); give --format")
    return next(iter(asked), "human")


class Progress:
    """One line of progress on stderr, rewritten in place: only on a terminal (a pipe or a file gets
    nothing), only once ``delay`` seconds have passed, at most once per ``interval``; wiped when done."""

    def __init__(self, label: str, stream=None, interval: float = 0.1, delay: float = 0.0) -> None:
        import time

        self.stream = stream or sys.stderr
        self.label = label
        self.clock = time.monotonic
        self.start = self.clock()
        self.interval = interval
        self.delay = delay
        self.last: float | None = None
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shown = False

    def update(self, text: str) -> None:
        if not self.tty:
            return
        now = self.clock()
        if now - self.start < self.delay or (self.last is not None and now - self.last < self.interval):
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r\033[K{self.label}: {text}")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def _against(result, log_path: str, policy) -> None:
    """Add one diagnostic per banner line the layout does not reproduce (issue: board bring-up CI gate)."""
    from .banner.commands import _read
    from .banner.comparison import compare
    from .session import finish

    text = _read(log_path, "boot log ")
    reported, waived = finish(compare(result.layout, text, log_path), result.layout, policy)
    result.diagnostics.extend(reported)
    result.waived.extend(waived)


def cmd_show(args) -> int:
    import itertools

    from .emit.table import rows, text_table
    from .render import Human
    from .session import load_layout

    config = _config(args, args.file)
    result = load_layout(args.file, args.defines, _policy(args, config), args.file_text)
    human = Human(_colour(args.color, sys.stderr))
    for d in result.errors:
        sys.stderr.write(human.diagnostic(d) + "\n")
    layout = result.layout
    if layout is None or result.usage_error:
        return EXIT_USAGE if result.usage_error else EXIT_FINDINGS
    if args.explain:
        text = explain_value(layout, args.explain)
        if text is None:
            raise UsageError(f"layoutc: `{args.explain}` is no param, constant or region of {args.file}")
        _out(text)
        return EXIT_FINDINGS if result.errors else EXIT_OK
    if args.space and args.space not in layout.spaces:
        raise UsageError(f"layoutc: no space `{args.space}` in {args.file}")
    spaces = [layout.spaces[args.space]] if args.space else list(layout.spaces.values())
    if (args.format or "human") == "json":
        from .files import in_runs, to_stdout
        from .jsonpieces import pieces
        from .model.values import format_address

        data = {"layout": layout.name, "title": layout.title, "spaces": (  # each row made as it is written
            {"name": s.name, "bits": s.bits, "rows": (
                {"kind": r.kind, "name": r.name, "start": format_address(r.start, s.bits),
                 "end": format_address(r.end, s.bits), "last": format_address(r.last, s.bits),
                 "size": hex(r.size), "depth": r.depth, "description": r.description}
                for r in rows(layout, s))} for s in spaces)}
        to_stdout(in_runs(itertools.chain(pieces(data), "\n")))
    else:
        title = f"{layout.name}: {layout.title}" if layout.title else layout.name
        _out(title + "\n")
        for space in spaces:
            _out(text_table(layout, space) + "\n")
    return EXIT_FINDINGS if result.errors else EXIT_OK


def explain_value(layout, name: str) -> str | None:
    from .model.values import format_address, show
    from .rules.asserts import provenance

    bits = layout.bits
    if layout.has(name):
        lines = [provenance(layout, name)]
        if name in layout.consts:
            const = layout.consts[name]
            lines.append(f"  formula: {const.formula}")
            lines.append(f"  defined at {const.span.where()}")
            for dep in const.inputs:
                lines.append(f"  input: {provenance(layout, dep)}")
        else:
            param = layout.params[name]
            lines.append(f"  type: {param.type}" + (f" ({', '.join(param.choices)})" if param.choices else ""))
            for origin in param.origins:
                lines.append(f"  {origin.how}: `{origin.text}` at {origin.span.where()}")
        return "\n".join(lines)
    space_name, _, region_name = name.rpartition(".")
    for region in layout.regions():
        if region.name == region_name and (not space_name or region.space == space_name):
            if not region.known:
                return f"{region.qualified}: not present in this configuration"
            return "\n".join([
                f"{region.qualified} = [{format_address(region.start, bits)}, {format_address(region.end, bits)}) "
                f"size {show(region.size, bits)}",
                f"  start: `{region.start_span.text}` at {region.start_span.where()}",
                f"  end:   `{region.end_span.text}` at {region.end_span.where()}",
                f"  kind: {region.kind}, access: {region.access}" + (f", perm: {region.perm}" if region.perm is not None else ""),
            ])
    return None


def cmd_rules(args) -> int:
    from .rules import all_rules

    for entry in all_rules():
        _out(f"{entry.code}  {entry.name:<32} {str(entry.severity):<8} {entry.summary}")
    return EXIT_OK


def cmd_explain(args) -> int:
    from .rules import lookup

    entry = lookup(args.rule)
    if entry is None:
        from .rules import RULES
        from .suggest import did_you_mean

        names = [r.name for r in RULES.values()] + list(RULES)
        hint = did_you_mean(args.rule, names)
        raise UsageError(f"layoutc: no rule `{args.rule}`" + (f"; {hint}" if hint else ""))
    _out(f"{entry.code} {entry.name} ({entry.severity})\n\n{entry.doc}")
    return EXIT_OK


def cmd_completion(args) -> int:
    from .completion import script

    _out(script(build_parser(), args.shell))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "show": cmd_show, "rules": cmd_rules, "explain": cmd_explain,
            "completion": cmd_completion}


def register(name: str, function) -> None:
    """Add a subcommand implemented elsewhere (build, emit, render, sim)."""
    COMMANDS[name] = function


def _check_format(args) -> None:
    honoured = COMMAND_FORMATS.get(args.command)
    fmt = getattr(args, "format", None)
    if fmt is not None and honoured is not None and fmt not in honoured:
        writes = f"{', '.join(honoured[:-1])} or {honoured[-1]}" if len(honoured) > 1 else f"{honoured[0]} only"
        raise UsageError(f"layoutc {args.command}: --format {fmt} is not available here "
                         f"(`{args.command}` writes {writes})")


def _dispatch(argv: Sequence[str]) -> int:
    parser = build_parser(only=argv[0] if argv else None)
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        _check_format(args)
        _stdin_layout(args)
        handler = getattr(args, "handler", None) or COMMANDS[args.command]
        return handler(args)
    except (UsageError, WriteError) as error:
        sys.stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as done:  # argparse's --help and --version end this way, on the worker thread
        return done.code if isinstance(done.code, int) else EXIT_OK if done.code is None else EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("layoutc: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as error:
        if error.errno not in _OUTPUT_ERRNOS:
            return _internal(error)
        sys.stderr.write(f"layoutc: cannot write the output: {error.strerror}\n")  # /dev/full, a full disk
        return EXIT_USAGE
    except Exception as error:  # a bug: short report, no traceback
        return _internal(error)


# errno values of a write that failed for the machine's reasons, not layoutc's
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _internal(error: BaseException) -> int:
    if os.environ.get("LAYOUTC_DEBUG"):
        raise error
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
    sys.stderr.write(f"layoutc: internal error: {type(error).__name__}: {error}{where}\n"
                     "layoutc: this is a bug in layoutc; please report it with the input that caused it "
                     "(set LAYOUTC_DEBUG=1 for a traceback)\n")
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run on a thread with a large stack, so deeply nested input is a diagnostic, not a crash."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stderr is None:  # started with standard error closed (`2>&-`): messages have nowhere to go
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 -- for the life of the process
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        sys.stderr.write("layoutc: standard output is closed\n")
        return EXIT_USAGE
    result = [EXIT_INTERNAL]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 60_000))
    stack = threading.stack_size(512 * 1024 * 1024)

    def run() -> None:
        result[0] = _dispatch(argv)

    worker = threading.Thread(target=run, name="layoutc")
    try:
        worker.start()
        worker.join()
    finally:  # a script calling main() keeps its own limits (the main thread's C stack is not 512 MB)
        threading.stack_size(stack)
        sys.setrecursionlimit(limit)
    if not sys.stdout.closed:  # a language server's client may have closed it at exit
        try:
            sys.stdout.flush()
        except OSError as error:
            sys.stderr.write(f"layoutc: cannot write the output: {error.strerror}\n")
            return EXIT_USAGE if result[0] in (EXIT_OK, EXIT_FINDINGS) else result[0]
    return result[0]
