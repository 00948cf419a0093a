"""Diagnostics -> SARIF 2.1.0, as GitHub code scanning ingests it.

Pure: values in, JSON text out.  What code scanning requires (its "SARIF support for
code scanning" page) and where this module meets it:

* every result has a location (``locations[0].physicalLocation``): an unreadable file
  is reported at 1:1 of that file;
* artifact URIs are relative to the repository root (``uriBaseId`` ``%SRCROOT%``, with
  the root in ``run.originalUriBaseIds``), symlinks resolved, percent-encoded; a file
  outside the root gets an absolute ``file:`` URI;
* ``partialFingerprints.primaryLocationLineHash`` identifies a result across commits:
  a hash of the rule and the text of its first line (not the line number), with a
  counter for repeats, so an alert survives lines inserted above it;
* each rule has ``shortDescription``, ``fullDescription`` (at most 1,024 characters),
  ``help.text`` and ``help.markdown`` (the rule's documentation) and, when the package
  metadata names the documentation's URL, a ``helpUri`` into docs/rules.md;
* ``run.columnKind`` says how columns count: layoutc counts Unicode code points.

Command-line overrides (`-D`, `--vary`) are not files: a problem in one is a tool
configuration notification of the run's invocation, not a result at an artifact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from .diagnostics import Diagnostic
from .source import Span
from .workspace import Workspace, file_uri, uri_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"  # the URI code scanning's examples use
SRCROOT = "%SRCROOT%"
DESCRIPTION_LIMIT = 1024  # code scanning: shortDescription.text and fullDescription.text
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


def _is_file(span: Span | None) -> bool:
    return span is not None and not span.file.is_argument


def _clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` within ``limit`` characters, cut at a word with an ellipsis when it is longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


class _Log:
    def __init__(self, workspace: Workspace, docs_url: str | None) -> None:
        self.workspace = workspace
        self.docs_url = docs_url.rstrip("/") if docs_url else None
        self.hashes: dict[str, int] = {}

    def artifact(self, name: str) -> dict:
        relative = self.workspace.relative(name)
        if relative is None:
            return {"uri": file_uri(name)}
        return {"uri": uri_path(relative), "uriBaseId": SRCROOT}

    @staticmethod
    def region(span: Span) -> dict:
        line, column = span.start_position()
        end_line, end_column = span.end_position()
        if end_line == line:
            end_column = max(end_column, column)
        return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}

    def location(self, span: Span, message: str | None = None) -> dict:
        location: dict = {"physicalLocation": {"artifactLocation": self.artifact(span.file.name),
                                               "region": self.region(span)}}
        if message:
            location["message"] = {"text": message}
        return location

    def fingerprint(self, code: str, span: Span) -> str:
        line, _ = span.start_position()
        uri = self.artifact(span.file.name)["uri"]
        text = " ".join(span.file.line_text(line).split()) if span.file.text else ""
        digest = hashlib.sha256(f"{code}\0{uri}\0{text}".encode()).hexdigest()[:16]
        self.hashes[digest] = self.hashes.get(digest, 0) + 1
        return f"{digest}:{self.hashes[digest]}"

    def rule(self, entry) -> dict:
        from .rules.registry import rule_anchor, rule_help_markdown

        what = entry.section("What it does")
        why = entry.section("Why it matters")
        descriptor = {
            "id": entry.code,
            "name": entry.name,
            "shortDescription": {"text": _clip(entry.summary)},
            "fullDescription": {"text": _clip(f"{entry.summary} {what} {why}")},
            "help": {"text": entry.doc, "markdown": rule_help_markdown(entry)},
            "defaultConfiguration": {"level": _LEVEL[str(entry.severity)]},
            "properties": {"precision": "very-high", "problem.severity": _PROBLEM_SEVERITY[str(entry.severity)],
                           "tags": ["memory-layout"]},
        }
        if self.docs_url:
            descriptor["helpUri"] = f"{self.docs_url}/rules.md#{rule_anchor(entry)}"
        return descriptor


def _text(d: Diagnostic) -> str:
    text = d.message
    if d.notes:
        text += "\n" + "\n".join(f"note: {n}" for n in d.notes)
    if d.help:
        text += f"\nhelp: {d.help}"
    return text


def to_sarif(diagnostics: Sequence[Diagnostic], waived: Sequence[Diagnostic], version: str,
             workspace: Workspace, docs_url: str | None = None, information_uri: str | None = None) -> str:
    """One run: every rule of the registry, one result per diagnostic (waived ones with a suppression).

    ``docs_url`` is where docs/ is published (helpUri = DOCS/rules.md#anchor) and
    ``information_uri`` the project's home; each is left out when not known.
    """
    from .rules import all_rules

    log = _Log(workspace, docs_url)
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    results: list[dict] = []
    notifications: list[dict] = []
    for d, suppressed in [(d, False) for d in diagnostics] + [(d, True) for d in waived]:
        level = _LEVEL[str(d.severity)]
        span = d.span if _is_file(d.span) else None
        if span is None:
            notification: dict = {"message": {"text": _text(d)}, "level": level,
                                  "descriptor": {"id": d.code}}
            if d.code in index:
                notification["descriptor"]["index"] = index[d.code]
            notifications.append(notification)
            continue
        result: dict = {"ruleId": d.code, "level": level, "message": {"text": _text(d)},
                        "locations": [log.location(span)],
                        "partialFingerprints": {"primaryLocationLineHash": log.fingerprint(d.code, span)}}
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        related = [label for label in d.labels if _is_file(label.span)]
        if related:
            result["relatedLocations"] = [dict(log.location(label.span, label.message), id=i)
                                          for i, label in enumerate(related)]
        if suppressed:
            result["suppressions"] = [{"kind": "inSource", "justification": d.waiver or ""}]
        results.append(result)
    driver: dict = {"name": "layoutc", "version": version, "semanticVersion": version,
                    "rules": [log.rule(r) for r in rules]}
    if information_uri:
        driver["informationUri"] = information_uri
    invocation: dict = {"executionSuccessful": not any(n["level"] == "error" for n in notifications)}
    if notifications:
        invocation["toolConfigurationNotifications"] = notifications
    run = {"tool": {"driver": driver},
           "originalUriBaseIds": {SRCROOT: {"uri": workspace.root_uri,
                                            "description": {"text": "The root of the repository checked."}}},
           "columnKind": "unicodeCodePoints",
           "invocations": [invocation],
           "results": results}
    return json.dumps({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def published_urls() -> dict[str, str | None]:
    """``docs_url`` and ``information_uri`` from the installed package's metadata ([project.urls] in
    pyproject.toml: `Documentation` is where docs/ is published, `Homepage` or `Repository` the project):
    one place for them, and none is invented when the metadata has none."""
    from importlib import metadata

    try:
        entries = metadata.metadata("layoutc").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        entries = []
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return {"docs_url": urls.get("documentation"),
            "information_uri": urls.get("homepage") or urls.get("repository")}
