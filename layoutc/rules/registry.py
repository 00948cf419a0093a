"""The rule table: one entry per diagnostic code, registered with one decorator line.

A rule is a function in its family's module::

    @rule("O401", "region-overlap", Severity.ERROR)
    def region_overlap(ctx: Context) -> Iterator[Diagnostic]:
        \"\"\"What it does / Why it matters / Example / Fix\"\"\"

Front-end codes (syntax, names, evaluation) are registered the same way with
``stage="front"``: their diagnostics come from the parser and the elaborator,
the registry only holds their name, severity and documentation.  ``explain``
prints the docstring; tests run every Example (must trigger) and Fix (must not).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, TypeVar

from ..diagnostics import Diagnostic, Severity
from ..frozen import frozen


@frozen(slots=False)
class Rule:
    code: str
    name: str
    severity: Severity
    stage: str  # "front" (parser/elaborator) or "model" (runs on the Layout)
    check: Callable[..., Iterable[Diagnostic]]
    docstring: str  # as written; `doc` is it cleaned (inspect, imported when a doc is read, not on every check)

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.docstring)

    @property
    def family(self) -> str:
        return self.code[0]

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else ""

    def section(self, title: str) -> str:
        """The text under a docstring heading (``Example``, ``Fix``...)."""
        pattern = re.compile(rf"^{re.escape(title)}:\s*$(.*?)(?=^[A-Z][A-Za-z ]+:\s*$|\Z)", re.M | re.S)
        match = pattern.search(self.doc)
        import inspect

        return inspect.cleandoc(match.group(1)) if match else ""


RULES: dict[str, Rule] = {}
_BY_NAME: dict[str, Rule] = {}
_CODE = re.compile(r"[A-Z][0-9]{3}\Z")
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


RuleFunction = TypeVar("RuleFunction", bound=Callable[..., Iterable[Diagnostic]])


def rule(code: str, name: str, severity: Severity, stage: str = "model") -> Callable[[RuleFunction], RuleFunction]:
    if not _CODE.match(code) or not _NAME.match(name):
        raise ValueError(f"bad rule code or name: {code} {name}")

    def register(function: RuleFunction) -> RuleFunction:
        if code in RULES or name in _BY_NAME:
            raise ValueError(f"rule registered twice: {code} {name}")
        entry = Rule(code, name, severity, stage, function, function.__doc__ or "")
        RULES[code] = entry
        _BY_NAME[name] = entry
        return function

    return register


def lookup(code_or_name: str) -> Rule | None:
    return RULES.get(code_or_name.upper()) or _BY_NAME.get(code_or_name.lower())


def all_rules() -> list[Rule]:
    return sorted(RULES.values(), key=lambda r: r.code)


def rules_markdown() -> str:
    """The README's rule table, generated from the registry (a test keeps the README current)."""
    lines = ["| code | name | severity | what it reports |", "|---|---|---|---|"]
    for entry in all_rules():
        summary = entry.summary.replace("|", "\\|")
        lines.append(f"| {entry.code} | `{entry.name}` | {entry.severity} | {summary} |")
    return "\n".join(lines)


CODE_SECTIONS = ("Example", "Fix")  # layout text (or a command line and a boot log): shown verbatim


def rule_anchor(entry: Rule) -> str:
    """The fragment of the rule's heading in docs/rules.md (`## O401 region-overlap` -> `o401-region-overlap`),
    as GitHub and most Markdown renderers derive heading anchors (lower case, spaces to hyphens)."""
    return f"{entry.code.lower()}-{entry.name}"


def rule_help_markdown(entry: Rule) -> str:
    """A rule's documentation as Markdown: the summary, then each section, Example and Fix fenced."""
    parts = [f"**{entry.code} `{entry.name}`** ({entry.severity}): {entry.summary}"]
    for title in re.findall(r"^([A-Z][A-Za-z ]+):\s*$", entry.doc, re.M):
        body = entry.section(title)
        if title in CODE_SECTIONS:
            parts.append(f"**{title}:**\n\n```\n{body}\n```")
        else:
            parts.append(f"**{title}:** {body}")
    return "\n\n".join(parts)


def rules_document() -> str:
    """docs/rules.md: every rule's documentation under a heading of its own (the anchors SARIF's helpUri uses)."""
    out = ["# Rules", "",
           "<!-- generated from the rule registry (layoutc/rules); a test keeps this file current:",
           "     regenerate with LAYOUTC_REGEN_DOCS=1 python -m pytest tests/test_sarif.py -->", "",
           "Every diagnostic code layoutc reports, with its documentation (`layoutc explain CODE` prints the same).",
           ""]
    for entry in all_rules():
        out += [f"## {entry.code} {entry.name}", "", rule_help_markdown(entry), ""]
    return "\n".join(out)
