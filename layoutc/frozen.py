"""``@frozen`` / ``@record``: dataclasses for the check path, without the cost of ``dataclasses`` at import.

``dataclasses`` writes and compiles ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` for each class, inspects
every annotation, and importing it pulls in ``inspect`` (~10 ms by itself);
for the ~70 classes a check defines that was the largest part of the start-up
(issue 13, benchmarks/cold_start.py).  This builds the same classes directly:

* ``__init__`` of plain fields is a template compiled once per number of
  fields and renamed with ``CodeType.replace`` to the class's field names (the
  same bytecode dataclasses writes; keywords and defaults work); a class with
  ``default_factory``, ``init=False`` fields or ``__post_init__`` gets its own
  compiled ``__init__``;
* ``__eq__``/``__hash__`` compare and hash the tuple of compared fields,
  ``__repr__`` is ``Name(field=value, ...)`` unless the class has its own,
  ``@frozen`` classes refuse assignment (``dataclasses.FrozenInstanceError``);
* ``__match_args__``, ``__slots__`` (``@frozen`` default) and, on first use,
  ``__dataclass_fields__``: ``dataclasses.fields``, ``replace``, ``asdict`` and
  ``is_dataclass`` work as on a dataclass (``dataclasses`` is imported then).

``field()`` here takes dataclasses' ``default``, ``default_factory``, ``init``,
``repr`` and ``compare``, and ``stored``: for a slotted class, a factory ``stored(name)`` of
a data descriptor that keeps the field's value in slots of its own (``descriptor.slots``)
and makes it again when it is read (``source.SpanField``: a span in two slots, not an
object of its own); ``replace()`` is ``dataclasses.replace`` for these
classes.  Type checkers see dataclasses (``dataclass_transform``).
tests/test_frozen.py compares every behaviour with ``dataclasses`` itself.
"""

from __future__ import annotations

import sys
from operator import attrgetter
from types import FunctionType
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

_setattr = object.__setattr__


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _Field:
    """What ``field()`` returns: a field's options, read when its class is made."""

    __slots__ = ("compare", "default", "default_factory", "init", "repr", "stored")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool,
                 stored: Any = None) -> None:
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.compare = init, repr, compare
        self.stored = stored


def _field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
           compare: bool = True, stored: Any = None) -> Any:
    return _Field(default, default_factory, init, repr, compare, stored)


class _Spec:
    """One field as the class declares it."""

    __slots__ = ("annotation", "name", "options")

    def __init__(self, name: str, annotation: Any, options: _Field) -> None:
        self.name, self.annotation, self.options = name, annotation, options


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


def _plain_init(cls: type, names: tuple[str, ...], defaults: tuple[Any, ...]) -> Any:
    code = _template(len(names))
    rename = {f"f{i}": name for i, name in enumerate(names)}
    code = code.replace(co_varnames=("self", *names), co_consts=tuple(rename.get(c, c) for c in code.co_consts),
                        co_name="__init__", co_qualname=f"{cls.__qualname__}.__init__")
    return FunctionType(code, {"_setattr": _setattr}, "__init__", defaults or None)


def _compiled_init(cls: type, specs: list[_Spec], post_init: bool) -> Any:
    """An ``__init__`` for factories, ``init=False`` fields and ``__post_init__``: compiled for this class."""
    params, body = [], []
    scope: dict[str, Any] = {"_setattr": _setattr, "MISSING": MISSING}
    for i, spec in enumerate(specs):
        option = spec.options
        factory = f"_factory{i}"
        if option.default_factory is not MISSING:
            scope[factory] = option.default_factory
        if option.init:
            if option.default_factory is not MISSING:
                params.append(f"{spec.name}=MISSING")
                body.append(f"    _setattr(self, {spec.name!r}, {factory}() if {spec.name} is MISSING else {spec.name})")
            elif option.default is not MISSING:
                scope[f"_default{i}"] = option.default
                params.append(f"{spec.name}=_default{i}")
                body.append(f"    _setattr(self, {spec.name!r}, {spec.name})")
            else:
                params.append(spec.name)
                body.append(f"    _setattr(self, {spec.name!r}, {spec.name})")
        elif option.default_factory is not MISSING:
            body.append(f"    _setattr(self, {spec.name!r}, {factory}())")
        elif option.default is not MISSING:
            scope[f"_default{i}"] = option.default
            body.append(f"    _setattr(self, {spec.name!r}, _default{i})")
    if post_init:
        body.append("    self.__post_init__()")
    source = f"def __init__(self{''.join(', ' + p for p in params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    namespace: dict[str, Any] = {}
    exec(source, scope, namespace)  # noqa: S102 (our own text)
    function = namespace["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self._compared(self) == self._compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._compared(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
    return f"{self.__class__.__qualname__}({shown})"


def _frozen_error() -> type[Exception]:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise _frozen_error()(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise _frozen_error()(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in self.__slots__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__slots__, state):
        _setattr(self, name, value)


class _DataclassFields:
    """``__dataclass_fields__``, made (and ``dataclasses`` imported) the first time anything asks."""

    def __init__(self, specs: list[_Spec]) -> None:
        self.specs = specs

    def __get__(self, instance: Any, owner: type) -> Any:
        import dataclasses

        made = {}
        for spec in self.specs:
            option = spec.options
            default: Any = option.default if option.default is not MISSING else dataclasses.MISSING
            factory: Any = option.default_factory if option.default_factory is not MISSING else dataclasses.MISSING
            one: Any = dataclasses.field(default=default, default_factory=factory, init=option.init,
                                         repr=option.repr, compare=option.compare)
            one.name, one.type, one.kw_only = spec.name, spec.annotation, False
            one._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # its marker of a regular field
            made[spec.name] = one
        type.__setattr__(owner, "__dataclass_fields__", made)
        return made


def _specs(cls: type) -> list[_Spec]:
    specs = []
    fields_class = sys.modules.get("dataclasses")
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if "ClassVar" in str(annotation):
            continue
        default = cls.__dict__.get(name, MISSING)
        if isinstance(default, _Field):
            options = default
        elif fields_class is not None and isinstance(default, fields_class.Field):
            raise TypeError(f"{cls.__qualname__}.{name}: use layoutc.frozen.field, not dataclasses.field")
        else:
            options = _Field(default, MISSING, True, True, True)
        specs.append(_Spec(name, annotation, options))
    return specs


def _make(cls: type[T], frozen: bool, eq: bool, slots: bool) -> type[T]:
    if any("__dataclass_fields__" in vars(base) for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: fields inherited from a base class are not supported here")
    specs = _specs(cls)
    own = cls.__dict__
    names = tuple(s.name for s in specs)
    init = [s for s in specs if s.options.init]
    simple = (not any(s.options.default_factory is not MISSING or not s.options.init for s in specs)
              and "__post_init__" not in own and not any("__post_init__" in vars(b) for b in cls.__mro__[1:]))
    if simple:
        first_default = next((i for i, s in enumerate(specs) if s.options.default is not MISSING), len(specs))
        if any(s.options.default is MISSING for s in specs[first_default:]):
            raise TypeError(f"{cls.__qualname__}: a field without a default follows one with a default")
        constructor = _plain_init(cls, names, tuple(s.options.default for s in specs[first_default:]))
    else:
        constructor = _compiled_init(cls, specs, hasattr(cls, "__post_init__"))
    constructor.__qualname__ = f"{cls.__qualname__}.__init__"
    compared = tuple(s.name for s in specs if s.options.compare)
    methods: dict[str, Any] = {
        "__init__": constructor, "__repr__": _repr, "__match_args__": tuple(s.name for s in init),
        "_shown": tuple(s.name for s in specs if s.options.repr),
        "__dataclass_fields__": _DataclassFields(specs),
    }
    if eq:
        methods.update(_compared=staticmethod(attrgetter(*compared) if compared else (lambda _: ())), __eq__=_eq)
        methods["__hash__"] = _hash if frozen else None  # as dataclasses: a mutable class that compares is unhashable
    if frozen:
        methods.update(__setattr__=_frozen_setattr, __delattr__=_frozen_delattr)
    if not own.get("__doc__"):
        annotations = own.get("__annotations__", {})
        methods["__doc__"] = f"{cls.__name__}({', '.join(f'{n}: {annotations[n]}' for n in names)})"
    methods = {name: value for name, value in methods.items()
               if name not in own or name == "__doc__" or (name == "__hash__" and own.get("__hash__") is None)}
    if not slots:
        for name, value in methods.items():
            type.__setattr__(cls, name, value)
        for spec in specs:  # a class attribute holding field() would shadow nothing useful: keep the default
            if isinstance(own.get(spec.name), _Field):
                if spec.options.default is MISSING:
                    type.__delattr__(cls, spec.name)
                else:
                    type.__setattr__(cls, spec.name, spec.options.default)
        return cls
    body = {name: value for name, value in own.items() if name not in names and name not in ("__dict__", "__weakref__")}
    slot_names: list[str] = []
    for spec in specs:
        if spec.options.stored is None:
            slot_names.append(spec.name)
        else:  # a descriptor that keeps the value in slots of its own
            body[spec.name] = descriptor = spec.options.stored(spec.name)
            slot_names.extend(descriptor.slots)
    body.update(methods, __slots__=tuple(slot_names))
    if frozen:
        body.update(__getstate__=_getstate, __setstate__=_setstate)
    metaclass: Any = type(cls)
    made = metaclass(cls.__name__, cls.__bases__, body)  # a new class: slots need one
    made.__qualname__ = cls.__qualname__
    return made


def _frozen(cls: type[T] | None = None, *, eq: bool = True, slots: bool = True) -> Any:
    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, True, eq, slots)

    return wrap if cls is None else wrap(cls)


def _record(cls: type[T] | None = None, *, eq: bool = True, slots: bool = False) -> Any:
    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, False, eq, slots)

    return wrap if cls is None else wrap(cls)


def replace(obj: T, **changes: Any) -> T:
    """A copy of ``obj`` with ``changes`` (``dataclasses.replace`` for these classes)."""
    values = {name: getattr(obj, name) for name in obj.__match_args__}  # type: ignore[attr-defined]
    values.update(changes)
    return obj.__class__(**values)


if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import overload

    from typing_extensions import dataclass_transform

    def field(*, default: Any = ..., default_factory: Callable[[], Any] = ..., init: bool = True, repr: bool = True,
              compare: bool = True, stored: Callable[[str], Any] | None = None) -> Any: ...

    @overload
    def frozen(cls: type[T], /) -> type[T]: ...
    @overload
    def frozen(*, eq: bool = True, slots: bool = True) -> Callable[[type[T]], type[T]]: ...
    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def frozen(cls: type[T] | None = None, /, *, eq: bool = True, slots: bool = True) -> Any: ...

    @overload
    def record(cls: type[T], /) -> type[T]: ...
    @overload
    def record(*, eq: bool = True, slots: bool = False) -> Callable[[type[T]], type[T]]: ...
    @dataclass_transform(field_specifiers=(field,))
    def record(cls: type[T] | None = None, /, *, eq: bool = True, slots: bool = False) -> Any: ...
else:
    field, frozen, record = _field, _frozen, _record
