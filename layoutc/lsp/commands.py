"""`layoutc lsp`: start the language server on stdin/stdout.

Cheap to import (cli.EXTENSIONS loads it on every run): pygls is imported by
the handler only.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable


def add_parsers(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("lsp", help="language server for editors (LSP over stdio; needs the `lsp` extra)")
    parser.add_argument("--stdio", action="store_true",
                        help="talk LSP over stdin/stdout (the default and only transport; accepted for clients "
                             "that pass it)")
    parser.set_defaults(handler=cmd_lsp)


def cmd_lsp(args: argparse.Namespace) -> int:
    try:
        from .server import serve
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in ("pygls", "lsprotocol"):
            sys.stderr.write("layoutc: `layoutc lsp` needs pygls: pip install 'layoutc[lsp]'\n")
            return 2
        raise
    serve()
    return 0
