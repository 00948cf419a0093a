"""The JSON model: it validates against the shipped schema, and reading it back gives the same model.

The round trip compares every field of every model dataclass (found by reflection, so a
field added to the model later is compared too) -- except the secondary spans, which JSON
keeps only as the declaration's file:line:column.
"""

from __future__ import annotations

import dataclasses
import json
import os
import posixpath
from collections.abc import Mapping

import jsonschema
import pytest
from emit_support import DEMO, GOLDEN, ROOT, SHIPPED, load, options, rel

from layoutc.emit.json_model import emit, read
from layoutc.model.values import Unknown, Version
from layoutc.source import SourceFile, Span

SCHEMA = json.loads((ROOT / "layoutc" / "schemas" / "layout.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
ALL = SHIPPED + [rel(DEMO)]


def _name(name: str) -> str:
    return name if name.startswith("<") else posixpath.normpath(name)


def facts(value, field: str = ""):
    """A plain, comparable picture of a model value."""
    if isinstance(value, Span):
        if field == "span":
            line, column = value.start_position()
            return f"{_name(value.file.name)}:{line}:{column}"
        return value.text if field == "cond_span" else None
    if isinstance(value, SourceFile):
        return _name(value.name)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: facts(getattr(value, f.name), f.name) for f in dataclasses.fields(value)
                if not (f.name.endswith("_span") and f.name != "cond_span")}
    if isinstance(value, Version):
        return ("version", tuple(value))
    if isinstance(value, Mapping):
        return {key: facts(item) for key, item in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, (tuple, list)):
        return [facts(item) for item in value]
    if isinstance(value, Unknown):
        return "UNKNOWN"
    return value


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_golden_demo_json():
    """Pins the JSON document for tests/golden/emit/demo.kl: key order, hex strings padded to the
    space's width, typed values (version, choice with its members, banks), provenance chains,
    relations, the region-scoped waiver and the assertions with their conditions."""
    layout = load(DEMO)
    text = emit(layout, options(layout, "tests/golden/emit/demo.kl"))
    golden = GOLDEN / "demo.json"
    if os.environ.get("LAYOUTC_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "run with LAYOUTC_REGEN_GOLDEN=1 and review tests/golden/emit/demo.json"
    assert text == golden.read_text(encoding="utf-8"), "demo.json changed: review, then LAYOUTC_REGEN_GOLDEN=1"


@pytest.mark.parametrize("path", ALL)
def test_emitted_json_validates(path):
    layout = load(ROOT / path)
    document = json.loads(emit(layout, options(layout, path)))
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("path, overrides", [(p, ()) for p in ALL] + [("layouts/arm32.kl", ("vmsplit=2G", "ram=512M"))])
def test_round_trip_rebuilds_the_model(path, overrides, monkeypatch):
    monkeypatch.chdir(ROOT)  # file names as a user in the repository gives them
    layout = load(path, overrides)
    text = emit(layout, options(layout, path, overrides))
    again = read(text)
    want, got = facts(layout), facts(again)
    assert got.pop("overrides") == [list(pair) for pair in (o.split("=", 1) for o in overrides)]
    want.pop("overrides")
    assert got == want
    assert emit(again, options(again, path, overrides)) == text


def test_addresses_are_hex_strings_at_the_space_width():
    layout = load(ROOT / "layouts/arm64.kl")
    document = json.loads(emit(layout, options(layout, "layouts/arm64.kl")))
    virtual = next(s for s in document["spaces"] if s["name"] == "virtual")
    user = next(r for r in virtual["regions"] if r["name"] == "user")
    assert user["start"] == "0x0000000000000000"
    assert int(user["end"], 16) == layout.region("virtual", "user").end
    assert all(isinstance(r["size"], (str, type(None))) for r in virtual["regions"])


@pytest.mark.parametrize("mutation", [
    ("spaces", 0, "regions", 0, "start", 4096),
    ("layout", "page_size", "4096"),
    ("params", 0, "value_type", "float"),
    ("files", 0, "/abs/path.kl"),
], ids=["number-address", "decimal-page-size", "unknown-type", "absolute-path"])
def test_schema_rejects_malformed_documents(mutation):
    layout = load(DEMO)
    document = json.loads(emit(layout, options(layout, "demo.kl")))
    *keys, last, value = mutation
    target = document
    for key in keys:
        target = target[key]
    target[last] = value
    assert list(VALIDATOR.iter_errors(document))


def test_cli_emit_json_validates(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("emit", "json", "layouts/boards/rpi3.kl", "-D", "ram=512M")
    assert code == 0
    document = json.loads(out)
    assert not list(VALIDATOR.iter_errors(document))
    assert document["source"] == "layouts/boards/rpi3.kl"
    assert document["files"] == ["layouts/boards/rpi3.kl", "layouts/arm32.kl"]
    assert document["overrides"] == [{"name": "ram", "value": "512M"}]
    ram = next(p for p in document["params"] if p["name"] == "ram")
    assert [o["how"] for o in ram["origins"]] == ["default", "set", "-D"]


def test_read_refuses_another_format():
    with pytest.raises(ValueError):
        read(json.dumps({"format": "something-else", "version": 1}))


def test_json_from_a_path_outside_the_tree_has_no_absolute_paths(tmp_path, cli, monkeypatch):
    layout_file = tmp_path / "boards" / "b.kl"
    layout_file.parent.mkdir()
    (tmp_path / "base.kl").write_text((ROOT / "layouts/arm32.kl").read_text())
    layout_file.write_text('extends "../base.kl"\nset ram = 512M\n')
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("emit", "json", str(layout_file))
    assert code == 0, out
    assert str(tmp_path) not in out
    document = json.loads(out)
    assert document["files"] == ["b.kl", "../base.kl"]  # relative to where b.kl is shown
    assert not list(VALIDATOR.iter_errors(document))
