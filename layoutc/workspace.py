"""Where a CI system expects paths to be relative to: the repository root, and file URIs under it.

GitHub's Actions runner and code scanning read paths relative to the root of the
repository checked out (`GITHUB_WORKSPACE`); elsewhere the git top level is that
root, and outside any repository the current directory is.  The renderers of the
`github` and `sarif` formats take a ``Workspace`` value; finding it (environment,
running git) happens here, once per run, and only for those formats.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: str  # absolute, symlinks resolved

    def relative(self, name: str) -> str | None:
        """``name`` (as the user gave it) relative to the root, with `/`; None when it lies outside the root.

        Symlinks are resolved first: code scanning cannot show a result reported at a symlink.
        """
        path = os.path.realpath(name)
        try:
            relative = os.path.relpath(path, self.root)
        except ValueError:  # another drive (Windows)
            return None
        if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
            return None
        return relative.replace(os.sep, "/")

    def display(self, name: str) -> str:
        """The path to show for ``name``: relative to the root when inside it, else absolute."""
        relative = self.relative(name)
        return relative if relative is not None else os.path.realpath(name)

    @property
    def root_uri(self) -> str:
        """The root as an absolute `file:` URI ending in `/` (SARIF's originalUriBaseIds needs the slash)."""
        uri = Path(self.root).as_uri()
        return uri if uri.endswith("/") else uri + "/"


def uri_path(relative: str) -> str:
    """A relative path as a URI reference: every character outside RFC 3986's unreserved set and `/` is
    percent-encoded as UTF-8 (a space is %20, `#` is %23, `%` is %25), so no name can read as a fragment or query."""
    from urllib.parse import quote

    return quote(relative, safe="/")


def file_uri(name: str) -> str:
    """An absolute `file:` URI for a path outside the workspace."""
    return Path(os.path.realpath(name)).as_uri()


def find_workspace(environ: dict[str, str] | None = None, cwd: str | None = None) -> Workspace:
    """GITHUB_WORKSPACE if set, else the top level of the git work tree around ``cwd``, else ``cwd``."""
    import subprocess

    environ = dict(os.environ) if environ is None else environ
    cwd = os.getcwd() if cwd is None else cwd
    workspace = environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Workspace(os.path.realpath(os.path.join(cwd, workspace)))
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):  # no git on this machine
        done = None
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return Workspace(os.path.realpath(done.stdout.strip()))
    return Workspace(os.path.realpath(cwd))
