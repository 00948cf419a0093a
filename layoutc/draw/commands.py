"""`layoutc render`: draw a layout's address spaces and its mapping with Graphviz.

    layoutc render FILE [-D NAME=VALUE ...] -o OUT.svg|.png|.pdf|.dot [--format FMT]
                   [--space NAME] [--scale auto|linear|log|uniform]
    layoutc render FILE --matrix PARAM[=V1,V2,...] -o DIR/

The picture is drawn even when the layout has errors (they are drawn red and
listed in the caption); the exit code is then 1, as for `layoutc check`.
Without `dot` only `.dot` output works; asking for anything else says how to
install Graphviz and exits 2.

This module is imported for every `layoutc` run: heavy imports stay inside the handler.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import FORMATS

if TYPE_CHECKING:
    from .dot import Dot

SCALES = ("auto", "linear", "log", "uniform")  # draw.scale.SCALES, without importing it at start-up
_SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def add_parsers(sub, common) -> None:
    render = sub.add_parser(
        "render", help="draw the address spaces and the virtual->physical mapping (svg, png, pdf, dot)",
        description="Draw every address space of a layout as a stack of boxes (highest address on top) and "
                    "the linear map as arrows, with Graphviz.",
        conflict_handler="resolve")  # our --format (picture format) replaces the diagnostic --format
    render.add_argument("file", metavar="FILE", help="the layout file")
    common(render)
    render.add_argument("-o", "--output", metavar="OUT",
                        help="OUT.svg, .png, .pdf or .dot (with --matrix: a directory); default: DOT on stdout")
    render.add_argument("--format", choices=FORMATS, default=None,
                        help="picture format (default: from the suffix of -o)")
    render.add_argument("--space", metavar="NAME", help="draw only this address space")
    render.add_argument("--scale", choices=SCALES, default="auto",
                        help="box heights: auto (default: linear if every label fits, else log), linear "
                             "(huge boxes cut short with an axis break), log, uniform")
    render.add_argument("--matrix", metavar="PARAM[=V1,V2]",
                        help="one picture per value of a bool or choice param (or of the listed values), "
                             "plus all of them side by side; -o names a directory")
    render.add_argument("--dot-timeout", metavar="SECONDS", type=_seconds, default=None,
                        help="CPU seconds Graphviz `dot` may spend on one picture (default 20; L013)")
    render.set_defaults(handler=cmd_render)


def _seconds(text: str) -> float:
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: `{text}`") from None
    if not (math.isfinite(value) and 0 < value <= 86400):
        raise argparse.ArgumentTypeError(f"give a number of seconds above 0 and at most 86400, not `{text}`")
    return value


def picture_format(output: str | None, explicit: str | None) -> str:
    """The format asked for: --format, else the suffix of -o, else DOT (stdout)."""
    from ..cli import UsageError

    if explicit:
        return explicit
    if output is None or output == "-":
        return "dot"
    suffix = Path(output).suffix.lower()
    if suffix not in _SUFFIXES:
        raise UsageError(f"layoutc: cannot tell the picture format of `{output}`: name it .svg, .png, .pdf "
                         f"or .dot, or give --format")
    return _SUFFIXES[suffix]


def cmd_render(args) -> int:
    from ..cli import EXIT_FINDINGS, EXIT_OK, UsageError, _colour, _config, _policy, _werror
    from ..render import Human

    config = _config(args, args.file)
    policy = _policy(args, config)
    fmt = picture_format(None if args.matrix else args.output, args.format)
    human = Human(_colour(args.color, sys.stderr))
    if args.matrix:
        return _render_matrix(args, policy, human)
    if fmt in ("png", "pdf") and (args.output is None or args.output == "-"):
        raise UsageError(f"layoutc: {fmt} output needs a file: -o OUT.{fmt}")

    from ..session import load_layout
    from . import dot

    result = load_layout(args.file, args.defines, policy, args.file_text)
    _report(result.diagnostics, human)
    if result.usage_error:
        raise UsageError(f"layoutc: cannot draw {args.file}")
    if result.layout is None:
        sys.stderr.write(f"layoutc: {args.file} did not evaluate; nothing drawn\n")
        return EXIT_FINDINGS
    if args.space and args.space not in result.layout.spaces:
        raise UsageError(f"layoutc: no space `{args.space}` in {args.file} "
                         f"(spaces: {', '.join(result.layout.spaces)})")
    picture = dot.draw_diagram(result.layout, result.diagnostics, dot.DrawOptions(args.space, args.scale))
    _emit(picture, fmt, args.output, args.dot_timeout)
    return EXIT_FINDINGS if result.errors or (_werror(args, config) and result.warnings) else EXIT_OK


def _report(diagnostics, human) -> None:
    for diagnostic in diagnostics:
        sys.stderr.write(human.diagnostic(diagnostic) + "\n")


def _picture(picture: Dot, fmt: str, seconds: float | None = None) -> bytes:
    """An svg, png or pdf picture through `dot` (DOT output is written as it is made: ``_encoded``)."""
    from ..cli import UsageError
    from . import DotFailed, DotLimit, DotMissing, run_dot

    try:
        return run_dot(picture.pieces(), fmt, seconds)
    except DotMissing as error:
        raise UsageError(f"layoutc: {error}") from None
    except DotLimit as error:
        more = ", or give dot more time (--dot-timeout SECONDS)" if error.code == "L013" else ""
        raise UsageError(f"layoutc: error[{error.code}]: {error}; nothing written; {error.HINT}{more}") from None
    except DotFailed as error:  # Graphviz's own limits: a picture of thousands of boxes is "overwide"
        raise UsageError(f"layoutc: {error}; draw one space (--space NAME), or write the DOT text "
                         "(-o FILE.dot) and lay it out with other Graphviz options") from None


def _emit(picture: Dot, fmt: str, output: str | None, seconds: float | None = None) -> None:
    """Write the picture; DOT text goes out as it is made (about 1 KB a region, and no size limit)."""
    data = None if fmt == "dot" else _picture(picture, fmt, seconds)
    if output is None or output == "-":
        from ..files import to_stdout

        to_stdout(_encoded(picture) if data is None else [data])
        return
    path = Path(output)
    try:
        is_dir = path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte: write_file says why
        is_dir = False
    if is_dir:
        from ..cli import UsageError

        raise UsageError(f"layoutc: -o {output} is a directory; name the picture file (or use --matrix)")
    from ..files import write_file

    write_file(path, data if data is not None else _encoded(picture))


def _encoded(picture: Dot) -> Iterator[bytes]:
    from ..files import in_runs

    return in_runs(picture.pieces())


# ------------------------------------------------------------------ galleries


def _render_matrix(args, policy, human) -> int:
    from ..cli import EXIT_FINDINGS, EXIT_OK, UsageError
    from ..session import evaluate, parse_layout, parse_overrides
    from . import dot

    if not args.output or args.output == "-":
        raise UsageError("layoutc: --matrix draws several pictures: -o DIR/ names the directory for them")
    fmt = args.format or "svg"
    name, _, listed = args.matrix.partition("=")
    name = name.strip()
    parsed = parse_layout(args.file, args.file_text)
    fixed, problems = parse_overrides(args.defines)
    if parsed.unreadable or not parsed.files:
        _report(parsed.diagnostics + problems, human)
        if parsed.unreadable:
            raise UsageError(f"layoutc: cannot draw {args.file}")
        return EXIT_FINDINGS
    values = [v.strip() for v in listed.split(",") if v.strip()] if listed else _values(parsed, name)
    if listed and not values:  # `--matrix kernel=,,,` drew the layout as it is
        raise UsageError(f"layoutc: --matrix {name}={listed} lists no value to draw")
    if any(o.name == name for o in fixed):
        raise UsageError(f"layoutc: --matrix {name} and -D {name}=... contradict each other")
    from ..limits import MAX_PICTURES

    if len(values) > MAX_PICTURES:  # each value is a picture, and a panel of the gallery beside them
        raise UsageError(f"layoutc: error[L009]: --matrix {name} would draw {len(values):,} pictures (more than "
                         f"{MAX_PICTURES}); list the values to draw, e.g. --matrix {name}={','.join(values[:2])}")
    panels, failed = [], False
    for value in values:
        varied, found = parse_overrides([f"{name}={value}"])
        result = evaluate(parsed, [*fixed, *varied], policy, [*problems, *found])
        _report(result.diagnostics, human)
        failed = failed or bool(result.errors)
        if result.layout is not None and args.space and args.space not in result.layout.spaces:
            raise UsageError(f"layoutc: no space `{args.space}` in {args.file}")
        panels.append((value, result))
    from ..files import Staged, output_directory

    options = dot.DrawOptions(args.space, args.scale)
    directory = Path(args.output)
    stem = Path(args.file).stem
    # every picture is drawn before the first is written: a refused one leaves no gallery half made
    # (DOT text, which nothing refuses, is made as it is written; all files are renamed together)
    pictures: list[tuple[str, Dot]] = []
    for value, result in panels:
        if result.layout is not None:
            pictures.append((f"{stem}-{_file_part(name)}-{_file_part(value)}.{fmt}",
                             dot.draw_diagram(result.layout, result.diagnostics, options)))
    gallery = dot.draw_gallery([dot.Panel(f"{name}={value}", r.layout, tuple(r.diagnostics)) for value, r in panels],
                               options, varying=name)
    pictures.append((f"{stem}-{_file_part(name)}.{fmt}", gallery))
    drawn = [(file_name, _encoded(picture) if fmt == "dot" else _picture(picture, fmt, args.dot_timeout))
             for file_name, picture in pictures]
    with output_directory(directory), Staged() as staged:
        for file_name, data in drawn:
            staged.add(directory / file_name, data)
        staged.commit()
    return EXIT_FINDINGS if failed else EXIT_OK


def _values(parsed, name: str) -> list[str]:
    """Every value of a bool or choice param, in declaration order."""
    from ..cli import UsageError
    from ..syntax import ast

    params = {item.name: item for file in parsed.files for item in file.items if isinstance(item, ast.ParamDecl)}
    if name not in params:
        from ..suggest import did_you_mean

        hint = did_you_mean(name, params)
        raise UsageError(f"layoutc: --matrix names no param of the layout: `{name}`" + (f"; {hint}" if hint else ""))
    kind = params[name].type.name
    if kind == "bool":
        return ["false", "true"]
    if kind == "choice":
        return [text for text, _ in params[name].type.choices]
    raise UsageError(f"layoutc: `{name}` is a {kind} param: list the values to draw, "
                     f"e.g. --matrix {name}=V1,V2")


def _file_part(text: str) -> str:
    """A param value as part of a file name: letters, digits, dot, dash, underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "value"
