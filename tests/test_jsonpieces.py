"""layoutc/jsonpieces.py writes what json.dumps(indent=2) writes, and makes arrays given as iterators as it writes them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layoutc.jsonpieces import pieces

SCALARS = st.none() | st.booleans() | st.integers(min_value=-(1 << 70), max_value=1 << 70) | st.text(max_size=8)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from([1, 2, 4]))
def test_the_text_is_json_dumps_text(value, ensure_ascii, indent):
    assert "".join(pieces(value, indent, ensure_ascii)) == json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)


def _lazy(value):
    """The same value with every list turned into a generator."""
    if isinstance(value, dict):
        return {k: _lazy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (_lazy(v) for v in value)
    return value


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_an_iterator_is_written_as_the_list_it_would_make(value):
    assert "".join(pieces(_lazy(value))) == json.dumps(value, indent=2)


def test_items_are_made_as_they_are_written():
    made = []

    def rows():
        for i in range(3):
            made.append(i)
            yield {"row": i}

    text, seen = "", []
    for piece in pieces({"rows": rows()}):
        text += piece
        seen.append((text.count('"row"'), len(made)))
    assert (1, 1) in seen and (2, 2) in seen  # each row is made when it is written, not before
    assert made == [0, 1, 2] and json.loads(text) == {"rows": [{"row": 0}, {"row": 1}, {"row": 2}]}


@pytest.mark.parametrize("value", [1.5, {1: "x"}, {"a": object()}, b"bytes"])
def test_what_the_documents_never_hold_is_a_type_error(value):
    with pytest.raises(TypeError):
        "".join(pieces(value))
