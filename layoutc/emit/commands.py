"""CLI subcommands `build` and `emit`: load a layout, refuse it if it has errors, write what the emitters return.

    layoutc build FILE -o DIR [--check] [--depfile F] [-D NAME=VALUE ...] [--prefix P] [-O NAME=VALUE ...]
    layoutc emit KIND FILE [-o OUT] [-D ...] [--prefix P] [-O ...]

`build` writes ``DIR/<stem><suffix>`` for every emitter with ``in_build`` (header .h,
ld .ld, json .json, markdown .md, rst .rst, dot .dot; plug-ins too).  Each is written
as it is made, to a temporary file, and only when its bytes change; all are renamed
into place once every one is made (``files.Staged``), so a second run touches nothing
and a failure leaves DIR as it was.  ``--check`` writes nothing and exits 1 with a
unified diff when a file in DIR is stale or missing (CI for committed generated
files).  ``--depfile`` writes a make/ninja rule: every output depends on every `.kl`
file read.

Diagnostics go to stderr; a layout with errors (or a G001 name clash) is not
compiled: exit 1.  This module is imported by every `layoutc` run to add its
parsers, so everything heavy is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
from collections.abc import Iterator


def add_parsers(sub, common) -> None:
    build = sub.add_parser("build", help="write every artefact of a layout (header, ld, json, markdown, rst)")
    build.add_argument("file", metavar="FILE")
    build.add_argument("-o", "--output", metavar="DIR", required=True, help="directory for the generated files")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 with a diff if a file in DIR is stale or missing")
    build.add_argument("--depfile", metavar="FILE", help="also write a make/ninja depfile listing every .kl read")
    _emit_options(build)
    common(build)
    build.set_defaults(handler=cmd_build)

    emit = sub.add_parser("emit", help="write one artefact (header, ld, json, markdown, rst; plug-ins) to stdout or -o")
    from ..cli import listed_by

    listed_by(emit.add_argument("kind", metavar="KIND", help="emitter name (`layoutc emit --list` shows them)",
                                nargs="?"), "emit", "--list")
    emit.add_argument("file", metavar="FILE", nargs="?")
    emit.add_argument("-o", "--output", metavar="OUT", help="output file (default: stdout)")
    emit.add_argument("--list", action="store_true", help="list the emitters and exit")
    _emit_options(emit)
    common(emit)
    emit.set_defaults(handler=cmd_emit)


def _emit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", metavar="P", default=None,
                        help="identifier prefix in the header and linker script (default: the layout's name)")
    parser.add_argument("-O", dest="emit_options", action="append", default=[], metavar="NAME=VALUE",
                        help="emitter option, e.g. -O placement=no (ld); repeatable")


# ------------------------------------------------------------------ shared steps


def _usage(message: str):
    from ..cli import UsageError

    return UsageError(f"layoutc: {message}")


def _display_source(path: str) -> str:
    """The layout file as generated text names it: as given, never absolute."""
    if not os.path.isabs(path):
        return path
    relative = os.path.relpath(path)
    return os.path.basename(path) if relative.startswith("..") else relative


def _pairs(values, what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _usage(f"{what} takes NAME=VALUE: `{item}`")
        out.append((name.strip(), value.strip()))
    return tuple(out)


def _report(diagnostics, args) -> None:
    """Diagnostics to stderr, in the requested format."""
    if not diagnostics:
        return
    from ..cli import _colour
    from ..render import Human, Summary, count, to_github, to_json

    fmt = args.format or "human"
    if fmt == "json":
        errors, warnings, notes = count(diagnostics)
        sys.stderr.write(to_json(list(diagnostics), [], Summary(errors, warnings, notes, 1, 0, 0), None) + "\n")
    elif fmt == "github":
        from ..workspace import find_workspace

        sys.stderr.write(to_github(list(diagnostics), find_workspace()) + "\n")
    elif fmt == "concise":
        from ..render import to_concise

        sys.stderr.write(to_concise(list(diagnostics)))
    else:
        human = Human(_colour(args.color, sys.stderr))
        for diagnostic in diagnostics:
            sys.stderr.write(human.diagnostic(diagnostic) + "\n")


def _with_registry(diagnostics):
    from ..rules import lookup

    out = []
    for d in diagnostics:
        entry = lookup(d.code)
        out.append(d.with_(name=entry.name if entry else d.code.lower(),
                           severity=d.severity or (entry.severity if entry else None)))
    return out


def _prepare(args):
    """(layout, options) ready to emit, or an exit code after printing why not."""
    from ..cli import EXIT_FINDINGS, EXIT_USAGE, _config, _policy, _werror
    from ..session import load_layout
    from .base import EmitOptions
    from .names import is_identifier
    from .symbols import check_names

    if args.prefix is not None and args.prefix != "" and not is_identifier(args.prefix):
        raise _usage(f"--prefix `{args.prefix}` is not a C identifier")
    extra = tuple(sorted(_pairs(args.emit_options, "-O")))
    config = _config(args, args.file)
    result = load_layout(args.file, args.defines, _policy(args, config), args.file_text)
    werror = _werror(args, config)
    _report(result.diagnostics, args)
    if result.usage_error:
        return None, EXIT_USAGE
    if result.layout is None or result.errors or (werror and result.warnings):
        sys.stderr.write(f"layoutc: {args.file} has errors; nothing was generated\n")
        return None, EXIT_FINDINGS
    layout = result.layout
    prefix = args.prefix if args.prefix is not None else default_prefix(layout.name)
    options = EmitOptions(prefix=prefix, source=_display_source(args.file),
                          overrides=_pairs(args.defines, "-D"), extra=extra)
    clashes = _with_registry(check_names(layout, prefix))
    if clashes:
        _report(clashes, args)
        sys.stderr.write(f"layoutc: {args.file}: generated names clash; nothing was generated\n")
        return None, EXIT_FINDINGS
    return (layout, options), 0


def default_prefix(name: str) -> str:
    """The layout's name as an identifier; a layout without `layout NAME {...}` is named after its file."""
    from .names import identifier

    if name.endswith(".kl"):
        name = os.path.splitext(os.path.basename(name))[0]
    return identifier(name)


def _render(emitter, layout, options) -> Iterator[bytes]:
    """The emitter's bytes as it makes them; its first piece is taken here, so a bad -O value (a
    ValueError before it: the user's mistake, not a bug) is a usage error before anything is written."""
    from .base import as_bytes

    try:
        made = as_bytes(emitter.emit(layout, options))
        first = next(made, b"")
    except ValueError as error:
        raise _usage(f"{emitter.name}: {error}") from None
    return itertools.chain((first,), made)


# ------------------------------------------------------------------ build


def depfile_text(targets: list[str], sources: list[str]) -> str:
    """A GNU make rule `targets: sources`, plus an empty rule per source (a deleted .kl is not an error).

    Raises escape.UnquotablePath for a file name make cannot express."""
    from .escape import make_path

    out = [" ".join(make_path(t, target=True) for t in targets) + ": " + " ".join(make_path(s) for s in sources)]
    out += [f"{make_path(s, target=True)}:" for s in sources]
    return "\n".join(out) + "\n"


def _depfile(args, layout, targets: list[str]) -> bytes:
    from .escape import UnquotablePath

    sources = [source.name for source in reversed(layout.files)]
    try:
        return depfile_text(targets, sources).encode("utf-8")
    except UnquotablePath as error:
        raise _usage(f"--depfile {args.depfile}: cannot write a make rule for {error}; rename the file") from None


def _diff(path: str, old: bytes | None, new: bytes) -> str:
    import difflib

    old_lines = [] if old is None else old.decode("utf-8", errors="replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    label = path if old is not None else "/dev/null"
    text = "".join(difflib.unified_diff(old_lines, new_lines, f"{label} (committed)", f"{path} (generated)"))
    return text if text.endswith("\n") or not text else text + "\n"


def cmd_build(args) -> int:
    """Each artefact is made and written (or compared, with --check) one after the other, as it is
    made: only one is ever being made, and none is held whole.  Written files are staged: all go to
    temporary files first and are renamed only once every one is made, so a failure leaves DIR as
    it was."""
    from ..cli import EXIT_FINDINGS, EXIT_OK
    from ..files import Staged, output_directory, read_bytes, stale
    from .base import emitters

    if args.file_text is not None and not args.stdin_filename:
        raise _usage("build names its files after the layout: give --stdin-filename NAME.kl with `-`")
    prepared, code = _prepare(args)
    if prepared is None:
        return code
    layout, options = prepared
    stem = os.path.splitext(os.path.basename(args.file))[0]
    outputs = [(os.path.join(args.output, stem + emitter.suffix), emitter)
               for emitter in emitters().values() if emitter.in_build]
    if args.check:
        count = 0
        for path, emitter in outputs:
            new = stale(path, _render(emitter, layout, options))
            if new is not None:
                count += 1
                sys.stdout.write(_diff(path, read_bytes(path), new))
        if count:
            sys.stderr.write(f"layoutc: {count} of {len(outputs)} generated files in {args.output} are stale; "
                             f"run `layoutc build {args.file} -o {args.output}` and commit the result\n")
            return EXIT_FINDINGS
        return EXIT_OK
    depfile = _depfile(args, layout, [path for path, _ in outputs]) if args.depfile else None  # refused first
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise _usage(f"-o {args.output}: not a directory")
    depdir = os.path.dirname(args.depfile) if depfile is not None else ""
    with output_directory(args.output), output_directory(depdir) if depdir else contextlib.nullcontext(), \
            Staged() as staged:
        written = sum(staged.add(path, _render(emitter, layout, options)) for path, emitter in outputs)
        if depfile is not None:
            staged.add(args.depfile, depfile)
        staged.commit()
    sys.stderr.write(f"layoutc: {args.output}: {written} written, {len(outputs) - written} unchanged\n")
    return EXIT_OK


# ------------------------------------------------------------------ emit


def cmd_emit(args) -> int:
    from ..cli import EXIT_OK
    from ..files import to_stdout, write_file
    from .base import emitters

    registry = emitters()
    if args.list:
        for name, listed in registry.items():
            sys.stdout.write(f"{name:<10} {listed.suffix:<6} {listed.description}\n")
        return EXIT_OK
    if not args.kind or not args.file:
        raise _usage("emit needs KIND and FILE (kinds: " + ", ".join(registry) + ")")
    emitter = registry.get(args.kind)
    if emitter is None:
        from ..suggest import did_you_mean

        hint = did_you_mean(args.kind, list(registry))
        kinds = ", ".join(registry)
        raise _usage(f"no emitter `{args.kind}`" + (f"; {hint}" if hint else "") + f" (kinds: {kinds})")
    prepared, code = _prepare(args)
    if prepared is None:
        return code
    data = _render(emitter, *prepared)
    if args.output and args.output != "-":
        write_file(args.output, data)
    else:
        to_stdout(data)
    return EXIT_OK
