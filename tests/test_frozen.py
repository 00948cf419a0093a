"""layoutc/frozen.py against dataclasses itself: the same class written both ways behaves the same.

And the point of it: a `layoutc check` imports neither dataclasses nor the other modules it has no
use for (start-up, issue 13; benchmarks/cold_start.py measures the time).
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from layoutc.frozen import field, frozen, record, replace

REPO = Path(__file__).resolve().parent.parent


def _pair(decorate_ours, decorate_theirs, body: str, names: dict | None = None):
    """The class ``body`` made by layoutc.frozen and by dataclasses."""
    made = []
    for decorate, make_field in ((decorate_ours, field), (decorate_theirs, dataclasses.field)):
        scope = {"field": make_field, **(names or {})}
        exec(f"class Point:\n{body}", scope)  # noqa: S102 (the test's own text)
        made.append(decorate(scope["Point"]))
    return made


PLAIN = "    x: int\n    y: str = 'b'\n    z: tuple = ()\n"
FACTORY = ("    x: int\n    items: tuple = field(default_factory=tuple)\n"
           "    hidden: int = field(default=0, compare=False, repr=False)\n")
MUTABLE = "    x: int\n    items: list = field(default_factory=list)\n    hidden: int = field(default=0, compare=False)\n"
POST = ("    text: str\n    size: int = field(init=False, repr=False, compare=False)\n"
        "    def __post_init__(self):\n        object.__setattr__(self, 'size', len(self.text))\n")


@pytest.mark.parametrize("body, args", [(PLAIN, (1,)), (PLAIN, (1, "c", (2,))), (FACTORY, (3,)), (POST, ("abc",))],
                         ids=["plain-defaults", "plain", "factory", "post-init"])
@pytest.mark.parametrize("slots", [True, False])
def test_frozen_behaves_as_a_frozen_dataclass(body, args, slots):
    ours, theirs = _pair(frozen(slots=slots), dataclasses.dataclass(frozen=True, slots=slots), body)
    a, b = ours(*args), theirs(*args)
    assert repr(a) == repr(b)
    assert ours.__match_args__ == theirs.__match_args__
    assert [(f.name, f.type, f.init, f.repr, f.compare) for f in dataclasses.fields(a)] == \
           [(f.name, f.type, f.init, f.repr, f.compare) for f in dataclasses.fields(b)]
    assert dataclasses.is_dataclass(a) and dataclasses.asdict(a) == dataclasses.asdict(b)
    assert (a == ours(*args), hash(a) == hash(ours(*args))) == (b == theirs(*args), hash(b) == hash(theirs(*args)))
    first = ours.__match_args__[0]
    assert replace(a, **{first: args[0]}) == dataclasses.replace(a, **{first: args[0]}) == a
    for target in (a, b):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(target, first, 5)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(target, first)
    assert hasattr(a, "__dict__") == hasattr(b, "__dict__")
    assert copy.copy(a) == a and copy.deepcopy(a) == a


def test_model_objects_pickle_and_copy():
    from layoutc.source import SourceFile, Span
    from layoutc.syntax import ast

    span = Span(SourceFile("t.kl", "const X = 1\n"), 6, 7)
    node = ast.Binary("+", ast.Num(1, "1", span), ast.Name("X", span), span, span.start)
    again = pickle.loads(pickle.dumps(node))
    assert again.op == "+" and again.left.value == 1 and again.right.name == "X"
    assert copy.copy(node) == node and copy.deepcopy(node).left.value == 1


def test_keywords_defaults_and_missing_arguments_as_dataclasses():
    ours, theirs = _pair(frozen, dataclasses.dataclass(frozen=True, slots=True), PLAIN)
    assert ours(y="q", x=2) == ours(2, "q")
    with pytest.raises(TypeError):
        ours()
    with pytest.raises(TypeError):
        theirs()
    assert ours(1) != ours(2) and ours(1) != theirs(1)  # another class never compares equal


def test_compare_false_fields_are_left_out_of_equality_and_hash():
    ours, theirs = _pair(frozen, dataclasses.dataclass(frozen=True, slots=True), FACTORY)
    assert ours(1, (), 5) == ours(1, (), 6) and hash(ours(1, (), 5)) == hash(ours(1, (), 6))
    assert theirs(1, (), 5) == theirs(1, (), 6)
    mine, _ = _pair(record, dataclasses.dataclass, MUTABLE)
    assert mine(1).items is not mine(1).items  # a fresh list each time, as default_factory promises


@pytest.mark.parametrize("eq", [True, False])
def test_record_behaves_as_a_mutable_dataclass(eq):
    ours, theirs = _pair(record(eq=eq), dataclasses.dataclass(eq=eq), MUTABLE)
    a, b = ours(1), theirs(1)
    a.x, b.x = 4, 4
    a.items.append(1)
    b.items.append(1)
    assert repr(a) == repr(b)
    assert (a == ours(4, [1]), ours.__hash__ is None) == (b == theirs(4, [1]), theirs.__hash__ is None)


def test_a_check_imports_nothing_it_does_not_use(tmp_path):
    """The modules a check has no use for stay unimported (each was milliseconds of every start-up)."""
    script = ("import sys\nfrom layoutc.cli import main\ncode = main(['check', sys.argv[1]])\n"
              "print(code, sorted(m for m in sys.argv[2:] if m in sys.modules))\n")
    unused = ["dataclasses", "inspect", "json", "tomllib", "tomli", "lark", "jsonschema", "graphviz", "subprocess",
              "layoutc.emit", "layoutc.draw", "layoutc.sim", "layoutc.banner", "layoutc.lsp", "layoutc.verify"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "board"\ndependencies = [\n  "layoutc",\n]\n', "utf-8")
    layout = tmp_path / "arm32.kl"
    layout.write_text((REPO / "layouts" / "arm32.kl").read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", script, str(layout), *unused], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "0 []"


def test_a_stored_span_field_reads_back_the_span_it_was_given():
    """``field(stored=SpanField)`` keeps a span as a file and one packed integer: the span read back
    equals the one given, the node compares, hashes, pickles, copies and replaces as with a plain
    field, and a span that does not pack (or None) is kept as it is."""
    from layoutc.source import SourceFile, Span, SpanField, end_of, start_of
    from layoutc.syntax import ast

    @frozen
    class Node:
        name: str
        span: Span = field(stored=SpanField)
        other: Span | None = field(stored=SpanField)

    @frozen
    class Plain:
        name: str
        span: Span
        other: Span | None

    text = SourceFile("a.kl", "region r [0, 4K)\n" * 3)
    far = Span(text, 5, 1 << 40)  # past what packs
    for span, other in ((Span(text, 7, 8), None), (Span(text, 0, 0), Span(text, 50, 51)),
                        (Span(text, (1 << 32) - 2, (1 << 32) - 1), far)):
        node, plain = Node("r", span, other), Plain("r", span, other)
        assert node.span == span and node.other == other and node.span.text == plain.span.text
        assert (start_of(node), end_of(node)) == (span.start, span.end)
        assert node == Node("r", Span(text, span.start, span.end), other) and hash(node) == hash(Node("r", span, other))
        assert node != Node("r", Span(text, span.start, span.end + 1), other)
        loaded = pickle.loads(pickle.dumps(ast.Name("r", span)))  # a tree's node (its file is a copy)
        assert (loaded.name, loaded.span.start, loaded.span.end, loaded.span.text) == ("r", span.start, span.end,
                                                                                       span.text)
        assert copy.copy(node) == node and replace(node, name="s").span == span
        assert repr(node) == repr(plain).replace("Plain", "Node")
    assert Node("r", far, None).span is far
    assert not hasattr(Node("r", Span(text, 1, 2), None), "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Node("r", Span(text, 1, 2), None).span = Span(text, 0, 1)  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(Node)] == ["name", "span", "other"]


def test_a_span_stored_again_shares_the_integer_it_was_read_from():
    """A model region keeps five spans of its declaration: stored from spans read off the tree, they
    share the tree's packed integers (one object, not two, per span while both are alive); a span
    whose offsets differ from the integer it carries is packed anew."""
    from layoutc.model.elaborate import elaborate
    from layoutc.source import SourceFile, Span, SpanField
    from layoutc.syntax.grammar import parse

    tree, problems = parse(SourceFile("a.kl", "space s bits 32 {\n    region r [0x1000, +4K)\n}\n"))
    assert tree is not None and not problems
    layout, _ = elaborate([tree])
    decl = tree.items[0].regions[0]
    region = layout.spaces["s"].regions[0]
    for mine, theirs in (("span", decl), ("name_span", decl), ("range_span", decl.range),
                         ("start_span", decl.range.start), ("end_span", decl.range.end)):
        field_name = "span" if mine in ("span", "range_span", "start_span", "end_span") else "name_span"
        assert getattr(region, mine) == getattr(theirs, field_name)
        assert getattr(region, f"_{mine}_pos") is getattr(theirs, f"_{field_name}_pos"), mine

    @frozen
    class Node:
        span: Span = field(stored=SpanField)

    span = region.span
    assert span.packed is not None and repr(span) == repr(Span(span.file, span.start, span.end))
    assert Node(span)._span_pos is span.packed  # type: ignore[attr-defined]
    stale = Span(span.file, span.start + 1, span.end, span.packed)
    assert Node(stale).span == Span(span.file, span.start + 1, span.end)


def test_a_span_field_sharing_another_s_file_slot():
    """``SpanField.sharing(first)``: the span keeps only its offsets when it lies in ``first``'s file,
    and is kept as it is when it does not (or when ``first`` was kept as it is)."""
    from layoutc.source import SourceFile, Span, SpanField

    @frozen
    class Node:
        span: Span = field(stored=SpanField)
        part: Span | None = field(stored=SpanField.sharing("span"))

    a, b = SourceFile("a.kl", "x" * 100), SourceFile("b.kl", "y" * 100)
    node = Node(Span(a, 0, 50), Span(a, 10, 20))
    assert node.part == Span(a, 10, 20) and node.part.file is a and node._part_pos.__class__ is int
    assert "_part_file" not in Node.__slots__
    other = Node(Span(a, 0, 50), Span(b, 10, 20))
    assert other.part == Span(b, 10, 20) and other.part.file is b
    far = Node(Span(a, 5, 1 << 40), Span(a, 1, 2))  # the first kept as it is: no file slot to share
    assert far.part == Span(a, 1, 2) and far.span == Span(a, 5, 1 << 40)
    assert Node(Span(a, 0, 1), None).part is None
    assert copy.copy(node) == node and replace(node, part=Span(b, 1, 2)).part.file is b
