"""The one identifier sanitiser: model names -> identifiers for C, C++, assembly and GNU ld.

Every emitter that writes an identifier builds it here, so a name means the same
thing in the header, the linker-script fragment and any plug-in.  The rules:

* ``identifier(*parts)`` joins the parts with ``_``, upper-cases them (kernel
  macro style) and replaces every character that is not ``[A-Z0-9_]`` with ``_``;
  a leading digit gets a ``_`` in front.
* A ``NameTable`` hands out identifiers and remembers who claimed each one.  Two
  model objects that end up with one identifier (``page_size`` and
  ``PAGE_SIZE``; a space ``x_a`` with region ``b`` and a space ``x`` with region
  ``a_b``), an identifier that is a C, C++ or linker-script keyword, or one that
  C reserves (leading ``__`` or ``_`` + capital) is a ``G001`` diagnostic
  pointing at the declaration(s) -- never a silently renamed macro.

Implementation note: the keyword lists matter mostly for an empty ``--prefix``
(``ALIGN`` is an ld keyword) and for plug-ins that keep the case (``upper=False``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Label
from ..source import Span

CODE = "G001"

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


C_KEYWORDS = _words("""
auto break case char const continue default do double else enum extern float for goto if inline int long
register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while
_Alignas _Alignof _Atomic _Bool _Complex _Decimal128 _Decimal32 _Decimal64 _Generic _Imaginary _Noreturn
_Static_assert _Thread_local _BitInt alignas alignof bool constexpr false nullptr static_assert thread_local
true typeof typeof_unqual
""")

CXX_KEYWORDS = _words("""
and and_eq asm bitand bitor catch char8_t char16_t char32_t class co_await co_return co_yield compl concept
consteval constinit const_cast decltype delete dynamic_cast explicit export friend mutable namespace new
noexcept not not_eq operator or or_eq private protected public reinterpret_cast requires static_cast template
this throw try typeid typename using virtual wchar_t xor xor_eq
""") | C_KEYWORDS

# GNU ld script keywords (ld/ldlex.l); an identifier equal to one cannot be a symbol or MEMORY name.
LD_KEYWORDS = _words("""
ABSOLUTE ADDR AFTER ALIAS ALIGN ALIGNOF ALIGN_WITH_INPUT AS_NEEDED ASCIZ ASSERT AT BEFORE BIND BLOCK BYTE
COMMON CONSTANT CONSTRUCTORS COPY CREATE_OBJECT_SYMBOLS DATA_SEGMENT_ALIGN DATA_SEGMENT_END
DATA_SEGMENT_RELRO_END DEFINED DSECT ENTRY EXCLUDE_FILE EXTERN FILL FLOAT FORCE_COMMON_ALLOCATION
FORCE_GROUP_ALLOCATION GROUP HIDDEN HLL INCLUDE INFO INHIBIT_COMMON_ALLOCATION INPUT INPUT_SECTION_FLAGS
INSERT KEEP LD_FEATURE LENGTH LINKER_VERSION LOADADDR LOG2CEIL LONG MAP MAX MEMORY MIN NEXT NOCROSSREFS
NOCROSSREFS_TO NOFLOAT NOLOAD ONLY_IF_RO ONLY_IF_RW ORIGIN OUTPUT OUTPUT_ARCH OUTPUT_FORMAT OVERLAY PHDRS
PROVIDE PROVIDE_HIDDEN QUAD REGION_ALIAS REVERSE SEARCH_DIR SECTIONS SEGMENT_START SHORT SIZEOF
SIZEOF_HEADERS SORT SORT_BY_ALIGNMENT SORT_BY_INIT_PRIORITY SORT_BY_NAME SORT_NONE SPECIAL SQUAD STARTUP
SUBALIGN SYSLIB TARGET TRUNCATE VERSION
""")

KEYWORDS = CXX_KEYWORDS | LD_KEYWORDS

_INVALID = re.compile(r"[^A-Za-z0-9_]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def identifier(*parts: str, upper: bool = True) -> str:
    """``identifier("arm32", "virtual", "user", "start") == "ARM32_VIRTUAL_USER_START"``; empty parts are skipped."""
    text = "_".join(part for part in parts if part)
    text = _INVALID.sub("_", text.upper() if upper else text)
    if not text or text[0].isdigit():
        text = "_" + text
    return text


def is_identifier(text: str) -> bool:
    return bool(_IDENTIFIER.match(text))


def problem(name: str) -> str | None:
    """Why ``name`` cannot be used as a generated identifier, or None."""
    if not is_identifier(name):
        return "is not a valid identifier"
    if name in CXX_KEYWORDS:
        return "is a C or C++ keyword"
    if name in LD_KEYWORDS:
        return "is a GNU ld keyword"
    if name.startswith("__") or (name.startswith("_") and name[1:2].isupper()):
        return "is reserved in C (leading `__` or `_` and a capital)"
    return None


@dataclass(frozen=True, slots=True)
class Owner:
    """What an identifier stands for: ``const PAGE_OFFSET``, ``region virtual.user``, ``the header``."""

    what: str
    span: Span | None


@dataclass
class NameTable:
    """Identifiers handed out so far, and the problems found while handing them out."""

    names: dict[str, Owner] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def claim(self, name: str, owner: Owner) -> bool:
        """Record that ``owner`` uses ``name``; False (and a diagnostic) if it cannot."""
        first = self.names.get(name)
        if first is not None:
            labels = (Label(first.span, f"{first.what} is `{name}` too"),) if first.span is not None else ()
            notes = () if first.span is not None else (f"{first.what} is `{name}` too",)
            self.diagnostics.append(Diagnostic(
                CODE, f"{owner.what} and {first.what} would both be `{name}` in generated code",
                owner.span, labels=labels, notes=notes,
                help="rename one of them (generated identifiers are upper-cased, with `_` for other characters)"))
            return False
        reason = problem(name)
        if reason is not None:
            self.diagnostics.append(Diagnostic(
                CODE, f"{owner.what} would be `{name}` in generated code, which {reason}", owner.span,
                help="rename it, or choose another --prefix"))
            self.names[name] = owner
            return False
        self.names[name] = owner
        return True
