"""CLI subcommands of the banner package: `banner FILE` and `import LOG` (cheap to import).

    layoutc banner FILE [-D ...] [--against LOG]   print the kernel's boot banner for the layout,
                                                  or compare it with a boot log
    layoutc import LOG [-o OUT.kl]                 infer a board overlay from a boot log's banner
"""

from __future__ import annotations

import os
import sys


def add_parsers(sub, common) -> None:
    banner = sub.add_parser("banner", help="print the kernel's \"Virtual kernel memory layout\" boot banner for a layout")
    banner.add_argument("file", metavar="FILE")
    common(banner)
    banner.add_argument("--against", metavar="LOG", help="compare with the banner in a boot log instead (exit 1 on differences)")
    banner.add_argument("--images", action="store_true", help="with --against: compare the .text/.init/.data/.bss lines too")
    banner.set_defaults(handler=cmd_banner)

    imp = sub.add_parser("import", help="write a board overlay .kl reproducing a boot log's banner")
    imp.add_argument("log", metavar="LOG", help="a pasted dmesg / console log holding the banner")
    common(imp)
    imp.add_argument("-o", "--output", metavar="OUT.kl", help="write the overlay here (default: standard output)")
    imp.set_defaults(handler=cmd_import)


def _read(path: str, what: str = "") -> str:
    """A boot log as text (bad UTF-8 replaced); a usage error if it is missing, odd or too large (L001)."""
    from ..cli import UsageError
    from ..files import ReadError, read_input
    from ..limits import MAX_LOG_BYTES

    try:
        return read_input(path, MAX_LOG_BYTES).decode("utf-8", errors="replace")
    except ReadError as error:
        code = "error[L001]: " if error.too_large else ""
        hint = "; keep the lines around the boot banner" if code else ""
        raise UsageError(f"layoutc: {code}cannot read {what}`{path}`: {error.reason}{hint}") from None


def _report(diagnostics, args) -> tuple[int, int]:
    from ..cli import _colour
    from ..render import Human, count
    from ..session import Policy, finish

    reported, _ = finish(diagnostics, None, Policy())
    human = Human(_colour(args.color, sys.stderr))
    for d in reported:
        sys.stderr.write(human.diagnostic(d) + "\n")
    errors, warnings, _ = count(reported)
    return errors, warnings


def cmd_banner(args) -> int:
    from ..cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, _colour, _out
    from ..diagnostics import Diagnostic
    from ..render import Human
    from ..session import load_layout
    from . import banner, compare
    from .common import MissingValue

    result = load_layout(args.file, args.defines, text=args.file_text)
    human = Human(_colour(args.color, sys.stderr))
    for d in result.errors:
        sys.stderr.write(human.diagnostic(d) + "\n")
    if result.layout is None or result.usage_error:
        return EXIT_USAGE if result.usage_error else EXIT_FINDINGS
    if args.against:
        diagnostics = compare(result.layout, _read(args.against), args.against, images=args.images)
        errors, warnings = _report(diagnostics, args)
        matched = "" if diagnostics else " every line matches"
        sys.stderr.write(f"compared {args.file} with {args.against}:{matched} {errors} errors, {warnings} warnings\n")
        return EXIT_FINDINGS if errors or (args.werror and warnings) else EXIT_OK
    try:
        text = banner(result.layout).text()
    except MissingValue as missing:
        _report([Diagnostic("F104", f"no banner: {missing}", None)], args)
        return EXIT_FINDINGS
    _out(text)
    return EXIT_FINDINGS if result.errors else EXIT_OK


def cmd_import(args) -> int:
    from ..cli import EXIT_FINDINGS, EXIT_OK, _out
    from .overlay import import_banner

    out_dir = os.path.dirname(os.path.abspath(args.output)) if args.output else os.getcwd()
    imported = import_banner(_read(args.log), args.log, out_dir)
    errors, _ = _report(imported.diagnostics, args)
    if imported.overlay is None:
        return EXIT_FINDINGS
    if args.output:
        from ..files import write_file

        write_file(args.output, imported.overlay)
        extends = f" (extends {imported.inference.layout})" if imported.inference else ""
        sys.stderr.write(f"wrote {args.output}{extends}\n")
    else:
        _out(imported.overlay)
    return EXIT_FINDINGS if errors else EXIT_OK
