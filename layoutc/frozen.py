"""``@frozen``: ``@dataclass(frozen=True, slots=True)`` without compiling code for every class at import.

``dataclasses`` writes the source of ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` for each class and compiles
it, and inspects every annotation; for the ~60 classes a check imports that
was the largest part of the start-up (issue 13).  For classes of plain fields
this builds the same class directly: the slots, ``__match_args__`` and the
``__dataclass_fields__`` record dataclasses would write (so
``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work), and:

* ``__init__`` is a template compiled once per number of fields, renamed with
  ``CodeType.replace`` to the class's field names (keywords and defaults work,
  and it runs the same bytecode as dataclasses' own);
* ``__eq__`` and ``__hash__`` compare and hash the tuple of field values
  (``operator.attrgetter``), ``__repr__`` is ``Name(field=value, ...)``
  unless the class defines one, and assignment raises ``FrozenInstanceError``.

Classes that need more than plain fields with plain defaults (a
``default_factory``, ``__post_init__``, ``init=False`` fields) are handed to
``dataclasses.dataclass`` unchanged.  Type checkers see ``dataclass`` itself.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from types import FunctionType
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

_setattr = object.__setattr__
_TEMPLATES: dict[int, Any] = {}


def _template(arity: int) -> Any:
    """The code of ``__init__(self, f0, .., fN)`` setting each field through ``object.__setattr__``."""
    if arity not in _TEMPLATES:
        params = "".join(f", f{i}" for i in range(arity))
        body = "".join(f"    _setattr(self, 'f{i}', f{i})\n" for i in range(arity)) or "    pass\n"
        namespace: dict[str, Any] = {}
        exec(f"def __init__(self{params}):\n{body}", {"_setattr": _setattr}, namespace)  # noqa: S102 (our own text)
        _TEMPLATES[arity] = namespace["__init__"].__code__
    return _TEMPLATES[arity]


def _init(cls: type, names: tuple[str, ...], defaults: tuple[Any, ...]) -> Any:
    code = _template(len(names))
    rename = {f"f{i}": name for i, name in enumerate(names)}
    code = code.replace(co_varnames=("self", *names), co_consts=tuple(rename.get(c, c) for c in code.co_consts),
                        co_name="__init__", co_qualname=f"{cls.__qualname__}.__init__")
    function = FunctionType(code, {"_setattr": _setattr}, "__init__", defaults or None)
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self._values(self) == self._values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._values(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
    return f"{self.__class__.__qualname__}({shown})"


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in self.__match_args__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__match_args__, state):
        _setattr(self, name, value)


def _plain_fields(cls: type) -> tuple[tuple[str, ...], tuple[Any, ...]] | None:
    """(field names, trailing defaults) if every field is plain, else None."""
    if "__post_init__" in cls.__dict__ or any("__post_init__" in vars(base) for base in cls.__mro__[1:]):
        return None
    names: list[str] = []
    defaults: list[Any] = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if "ClassVar" in str(annotation) or "InitVar" in str(annotation):
            return None
        if name in cls.__dict__:
            default = cls.__dict__[name]
            if isinstance(default, dataclasses.Field):  # only `field(default=X)` is plain
                plain = (default.default_factory is dataclasses.MISSING and default.init and default.repr
                         and default.compare and default.hash is None and not default.metadata)
                if not plain or default.default is dataclasses.MISSING:
                    return None
                default = default.default
            defaults.append(default)
        elif defaults:
            return None  # dataclasses would refuse it; let it say so
        names.append(name)
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        return None
    return tuple(names), tuple(defaults)


def _fields(cls: type, names: tuple[str, ...], defaults: tuple[Any, ...]) -> dict[str, dataclasses.Field[Any]]:
    """The ``__dataclass_fields__`` dataclasses would record for plain fields."""
    annotations = cls.__dict__.get("__annotations__", {})
    first_default = len(names) - len(defaults)
    made: dict[str, dataclasses.Field[Any]] = {}
    for i, name in enumerate(names):
        made[name] = made_field = (dataclasses.field() if i < first_default
                                   else dataclasses.field(default=defaults[i - first_default]))
        made_field.name, made_field.type, made_field.kw_only = name, annotations[name], False
        made_field._field_type = _FIELD
    return made


# dataclasses' marker of a regular field (stable since 3.7); without it, let dataclasses build the class.
_FIELD = getattr(dataclasses, "_FIELD", None)


def _frozen(cls: type[T] | None = None, *, eq: bool = True, slots: bool = True) -> Any:
    def wrap(cls: type[T]) -> type[T]:
        plain = _plain_fields(cls) if _FIELD is not None else None
        if plain is None:
            return dataclasses.dataclass(cls, frozen=True, eq=eq, slots=slots)
        names, defaults = plain
        own = cls.__dict__
        methods: dict[str, Any] = {"__init__": _init(cls, names, defaults), "__setattr__": _frozen_setattr,
                                   "__delattr__": _frozen_delattr, "__repr__": _repr, "__match_args__": names,
                                   "__dataclass_fields__": _fields(cls, names, defaults)}
        if eq:
            methods.update(_values=staticmethod(attrgetter(*names) if names else (lambda _: ())), __eq__=_eq,
                           __hash__=_hash)
        if not own.get("__doc__"):  # what dataclasses would write, without inspect.signature
            annotations = own.get("__annotations__", {})
            methods["__doc__"] = f"{cls.__name__}({', '.join(f'{n}: {annotations[n]}' for n in names)})"
        methods = {name: value for name, value in methods.items() if name not in own or name == "__doc__"}
        if not slots:
            for name, value in methods.items():
                setattr(cls, name, value)
            return cls
        body = {name: value for name, value in own.items() if name not in names and name not in ("__dict__", "__weakref__")}
        body.update(methods, __slots__=names, __getstate__=_getstate, __setstate__=_setstate)
        metaclass: Any = type(cls)
        made = metaclass(cls.__name__, cls.__bases__, body)  # a new class: slots need one
        made.__qualname__ = cls.__qualname__
        return made

    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import overload

    from typing_extensions import dataclass_transform

    @overload
    def frozen(cls: type[T], /) -> type[T]: ...
    @overload
    def frozen(*, eq: bool = True, slots: bool = True) -> Callable[[type[T]], type[T]]: ...
    @dataclass_transform(frozen_default=True)
    def frozen(cls: type[T] | None = None, /, *, eq: bool = True, slots: bool = True) -> Any: ...
else:
    frozen = _frozen
