"""JSON text in pieces, with arrays that are made as they are written.

``pieces(value)`` gives the text ``json.dumps(value, indent=2)`` gives, piece by piece, and takes
iterators (generators) wherever a list may stand: each item is made when it is written, so a
document of 100,000 regions is never held as Python data (``emit json``, ``show --format json``;
issue 10: held whole, the document of 100,000 regions took ~160 MB beside the model).

Only what the documents hold: dicts with string keys, lists, tuples and iterators, strings,
integers, booleans and None (a float or anything else is a TypeError, not a guess).
"""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

_EMPTY = object()


def pieces(value: Any, indent: int = 2, ensure_ascii: bool = True) -> Iterator[str]:
    """The text of ``json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)``, in pieces."""
    quote = encode_basestring_ascii if ensure_ascii else encode_basestring
    step = " " * indent

    def scalar(item: Any) -> str:
        if isinstance(item, str):
            return quote(item)
        if item is None:
            return "null"
        if item is True:
            return "true"
        if item is False:
            return "false"
        if isinstance(item, int):
            return int.__repr__(item)
        raise TypeError(f"{type(item).__name__} is not written as JSON here")

    def write(item: Any, margin: str) -> Iterator[str]:
        if isinstance(item, dict):
            if not item:
                yield "{}"
                return
            inner = margin + step
            separator = "{\n" + inner
            for key, member in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"a JSON key must be a string, not {type(key).__name__}")
                yield separator + quote(key) + ": "
                yield from write(member, inner)
                separator = ",\n" + inner
            yield "\n" + margin + "}"
        elif isinstance(item, (list, tuple, Iterator)):
            members = iter(item)
            first = next(members, _EMPTY)
            if first is _EMPTY:
                yield "[]"
                return
            inner = margin + step
            yield "[\n" + inner
            yield from write(first, inner)
            for member in members:
                yield ",\n" + inner
                yield from write(member, inner)
            yield "\n" + margin + "]"
        else:
            yield scalar(item)

    return write(value, "")
