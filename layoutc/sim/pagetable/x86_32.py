"""32-bit x86 paging: 2-level (non-PAE) and 3-level PAE (arch/x86/include/asm/pgtable-2level*.h,
pgtable-3level*.h, pgtable_types.h; SIM-REFERENCE §5.4 for the shared bits).

    bit 0 P  1 RW  2 US  3 PWT  4 PCD  5 A  6 D  7 PS (4 MiB / 2 MiB in a PDE)  8 G  12 PAT_LARGE
    non-PAE: 1024 x 4-byte entries, PDE VA[31:22] -> PTE VA[21:12]; 4 MiB PSE pages, no NX
    PAE:     4 x 8-byte PDPTEs VA[31:30] -> 512 x 8-byte PDEs VA[29:21] -> PTEs VA[20:12];
             2 MiB pages, NX bit 63.  A PDPTE holds only P (PWT/PCD): RW, US, A, D, PS, NX
             are reserved there (Linux pud_populate writes __pa(pmd) | _PAGE_PRESENT), so it
             restricts nothing.
Rights as on x86_64: RW and US needed at every level (CR0.WP), NX anywhere forbids
fetches (PAE only), SMEP/SMAP through the MMU's PAN switch.
"""

from __future__ import annotations

from .format import Prot, WalkFault
from .radix import BLOCK, INVALID, TABLE
from .x86_64 import NX, PCD, PS, PWT, RW, US, A, D, G, P, X86_64Table

_PDPTE = 1 << 62  # walk accumulator: the next table descriptor read is a PDPTE


class X86_32Table(X86_64Table):
    va_bits = 32

    def root_for(self, va: int) -> int | WalkFault:
        if va >> 32:
            return WalkFault("translation", 0, 0, "address wider than 32 bits")
        return self.root

    def _base(self, va: int) -> int:
        return 0

    def canonical(self, va: int) -> int:
        return va


class X86_2LevelTable(X86_32Table):
    """Non-PAE: the linear map in 4 MiB PSE pages where aligned (CR4.PSE), 4K pages at the edges."""

    def registers(self) -> dict[str, int]:
        return {"CR0": 0x8005_0033, "CR3": self.root, "CR4": 1 << 4 | 1 << 7 | 1 << 20 | 1 << 21}  # PSE PGE SMEP SMAP

    name = "x86 2-level"
    entry_bytes = 4
    typecode = "I"
    addr_mask = 0xFFFF_F000
    has_nx = False  # 32-bit entries: no NX bit, every mapping is executable
    levels = ((22, 1024, "pmd", True), (12, 1024, "pte", False))
    first_level = 2

    def __init__(self, alloc) -> None:
        super(X86_64Table, self).__init__(alloc)

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        return super().encode_leaf(level, pa, prot, block) & 0xFFFF_FFFF  # no NX bit without PAE

    def kind(self, desc: int, level: int) -> int:
        if not desc & P:
            return INVALID
        if desc & PS and level == 0:
            return BLOCK
        return TABLE

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        large = level == 0
        pat = bool(desc & (1 << 12)) if large else bool(desc & PS)
        return ("USR" if desc & US else "   ", "RW" if desc & RW else "ro", "PWT" if desc & PWT else "   ",
                "PCD" if desc & PCD else "   ", "PSE" if large and desc & PS else "   ", "PAT" if pat else "   ",
                "GLB" if desc & G else "   ", "x ")


class X86PaeTable(X86_32Table):
    name = "x86 PAE"

    def registers(self) -> dict[str, int]:
        return {"CR0": 0x8005_0033, "CR3": self.root, "CR4": 1 << 5 | 1 << 7 | 1 << 20 | 1 << 21, "EFER": 0x800}

    addr_mask = ((1 << 52) - 1) & ~0xFFF
    levels = ((30, 4, "pgd", False), (21, 512, "pmd", True), (12, 512, "pte", False))
    first_level = 3

    def __init__(self, alloc) -> None:
        super(X86_64Table, self).__init__(alloc)

    def encode_table(self, level: int, pa: int, user: bool) -> int:
        if level == 0:
            return pa | P  # PDPTE
        return super().encode_table(level, pa, user)

    def initial_acc(self) -> int:
        return RW | US | _PDPTE

    def table_acc(self, desc: int, acc: int) -> int:
        if acc & _PDPTE:
            return acc & ~_PDPTE  # a PDPTE carries no rights
        return super().table_acc(desc, acc)


__all__ = ["X86_2LevelTable", "X86PaeTable", "A", "D", "NX"]
