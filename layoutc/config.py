"""Project configuration: `[tool.layoutc]` in a pyproject.toml, or a layoutc.toml, for each checked file.

    [tool.layoutc]                 # or the same keys at the top of a layoutc.toml
    select = ["O", "K6"]           # rules: codes, names or code prefixes (a list, or one "A,B" string)
    ignore = ["W001"]
    werror = true
    format = "json"
    max_variants = 8192

The configuration of a file is the nearest one above it: in each folder from the file's upwards,
a layoutc.toml, else a pyproject.toml that has a `[tool.layoutc]` table.  So every file of a run
is checked under its own project's settings and the order of the arguments never matters.  An
unknown key or a value of the wrong type is an error naming the file, the line and the key: a
typo must not silently run every rule.  Library code: raises ``ConfigError``, never prints.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .frozen import frozen
from .suggest import did_you_mean

CONFIG_NAME = "layoutc.toml"
PROJECT_NAME = "pyproject.toml"

# key -> (what it must be, for the message)
KEYS: dict[str, str] = {
    "select": "a list of rule codes or names",
    "ignore": "a list of rule codes or names",
    "werror": "true or false",
    "format": "a format name",
    "max_variants": "a whole number of at least 1",
}


class ConfigError(ValueError):
    """A configuration file that is not TOML, or whose layoutc table has a bad key or value."""


@frozen(slots=False)
class Config:
    """One file's settings; ``path`` is where they came from (None: the built-in defaults)."""

    path: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    werror: bool = False
    format: str | None = None
    max_variants: int | None = None


DEFAULTS = Config()


def _read(path: Path) -> str:
    """A configuration file's text: a regular file of at most MAX_FILE_BYTES (L001), like a layout."""
    from .files import ReadError, read_input
    from .limits import MAX_FILE_BYTES

    try:
        return read_input(path, MAX_FILE_BYTES).decode("utf-8")
    except ReadError as error:
        code = "error[L001]: " if error.too_large else ""
        raise ConfigError(f"{_shown(path)}: {code}not a readable TOML file: {error.reason}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{_shown(path)}: not a readable TOML file: {error}") from None


def _toml(path: Path, text: str | None = None) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the backport (a dependency there)
        import tomli as tomllib
    text = _read(path) if text is None else text
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{_shown(path)}: not a readable TOML file: {error}") from None
    except RecursionError:  # the parser recurses into arrays and inline tables
        raise ConfigError(f"{_shown(path)}: error[L006]: not a readable TOML file: nested too deeply") from None
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        raise ConfigError(f"{_shown(path)}: error[L002]: not a readable TOML file: "
                          "an integer of more than 4,300 digits") from None


def _may_configure(text: str) -> bool:
    """Whether a pyproject.toml can hold a `tool.layoutc` table: a line-by-line look at table headers and
    keys (quotes and blanks ignored), so a project that does not configure layoutc is not parsed at all;
    the TOML parser is ~5 ms of a check's start-up (benchmarks/cold_start.py).  Text inside a multi-line
    string can only make it say yes, and then the file is parsed as before."""
    table = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.lstrip("[").split("]", 1)[0]
            name = table = _key(table)
        elif "=" in stripped and not stripped.startswith("#"):
            key = _key(stripped.split("=", 1)[0])
            name = f"{table}.{key}" if table else key
        else:
            continue
        if name == "tool.layoutc" or name.startswith("tool.layoutc."):
            return True
    return False


def _key(text: str) -> str:
    return text.replace('"', "").replace("'", "").replace(" ", "").replace("\t", "")


def _shown(path: Path) -> str:
    """The path as a user would type it: relative to the current directory when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _where(path: Path, key: str, project: bool) -> str:
    """`file:line:col` of ``key`` in the layoutc table (tomllib keeps no positions: scan the text)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return _shown(path)
    inside = not project
    header = re.compile(r"\s*\[\s*tool\s*\.\s*layoutc\s*\]\s*(#.*)?$")
    assignment = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
            continue
        match = assignment.match(line)
        if inside and match:
            return f"{_shown(path)}:{number}:{len(line) - len(line.lstrip()) + 1}"
    return _shown(path)


def _rules(value) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return tuple(part.strip() for item in value for part in item.split(",") if part.strip())


def parse_table(table: dict, path: Path, project: bool, formats: tuple[str, ...]) -> Config:
    """Validate a layoutc table read from ``path``; ``formats`` are the names `format` may take."""
    table_name = "[tool.layoutc]" if project else CONFIG_NAME
    values: dict = {}
    for key, value in table.items():
        where = _where(path, key, project)
        if key not in KEYS:
            hint = did_you_mean(key, list(KEYS))
            raise ConfigError(f"{where}: unknown key `{key}` in {table_name}" + (f"; {hint}" if hint else "")
                              + f" (keys: {', '.join(KEYS)})")
        checked: object
        if key in ("select", "ignore"):
            checked = _rules(value)
        elif key == "werror":
            checked = value if isinstance(value, bool) else None
        elif key == "format":
            checked = value if isinstance(value, str) and value in formats else None
        else:
            checked = value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None
        if checked is None:
            extra = f" ({', '.join(formats)})" if key == "format" else ""
            raise ConfigError(f"{where}: `{key} = {_toml_text(value)}` in {table_name}: "
                              f"`{key}` must be {KEYS[key]}{extra}")
        values[key] = checked
    return Config(_shown(path), **values)


def _toml_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _parse(path: Path, formats: tuple[str, ...]) -> Config | None:
    """The layoutc table of a file: a pyproject.toml's `[tool.layoutc]` (None if it has none), any
    other file whole."""
    project = path.name == PROJECT_NAME
    text = None
    if project:
        text = _read(path)
        if not _may_configure(text):
            return None
    data = _toml(path, text)
    if project:
        tool = data.get("tool", {})
        section = tool.get("layoutc") if isinstance(tool, dict) else None
        if section is None:
            return None
        if not isinstance(section, dict):
            raise ConfigError(f"{_shown(path)}: [tool.layoutc] must be a table")
        data = section
    return parse_table(data, path, project, formats)


class Finder:
    """Configurations for the files of one run: ``explicit`` (`--config FILE`) for all of them,
    none with ``isolated`` (`--isolated`), else the nearest above each file.  Folders are read once."""

    def __init__(self, formats: tuple[str, ...], explicit: str | None = None, isolated: bool = False) -> None:
        self.formats = formats
        self.fixed: Config | None = None
        if isolated:
            self.fixed = DEFAULTS
        elif explicit:
            path = Path(explicit)
            if not os.path.isfile(path):  # os.path: False for a name too long, not OSError
                raise ConfigError(f"{explicit}: no such configuration file")
            self.fixed = _parse(path, formats) or Config(_shown(path))
        self.folders: dict[Path, Config] = {}

    def for_file(self, file: str | Path) -> Config:
        """The configuration of ``file`` (or of a folder: a file from stdin is placed in one)."""
        if self.fixed is not None:
            return self.fixed
        start = Path(file).resolve()
        return self._folder(start if os.path.isdir(start) else start.parent)

    def _folder(self, folder: Path) -> Config:
        if folder not in self.folders:
            self.folders[folder] = self._read(folder)
        return self.folders[folder]

    def _read(self, folder: Path) -> Config:
        for name in (CONFIG_NAME, PROJECT_NAME):
            if os.path.isfile(folder / name):
                found = _parse(folder / name, self.formats)
                if found is not None:
                    return found
        return DEFAULTS if folder.parent == folder else self._folder(folder.parent)
