"""x86_64 4- and 5-level paging (arch/x86/include/asm/pgtable_types.h, SIM-REFERENCE §5.4).

    bit 0 P  1 RW  2 US  3 PWT  4 PCD  5 A  6 D  7 PS (2 MiB in a PMD, 1 GiB in a PUD)
    8 G  12 PAT_LARGE  63 NX      PFN bits [51:12]
Effective rights: RW and US must be set at every level, NX at any level forbids
fetches; SMEP/SMAP (the MMU's PAN switch) keep the kernel from user pages.
"""

from __future__ import annotations

from .format import KR, KW, KX, UR, UW, UX, Prot, WalkFault
from .radix import BLOCK, INVALID, TABLE, RadixTable

P, RW, US, PWT, PCD, A, D, PS, G = 1, 2, 4, 8, 16, 32, 64, 128, 256
NX = 1 << 63
KERNPG_TABLE = P | RW | A | D  # _KERNPG_TABLE
PAGE_TABLE = P | RW | US | A | D  # _PAGE_TABLE (user)


class X86_64Table(RadixTable):
    addr_mask = ((1 << 52) - 1) & ~0xFFF
    level_step = -1  # the SDM's paging-structure depth: PML5 = 5, PML4 = 4 .. PT = 1 (#PF reports none)

    def __init__(self, alloc, five_level: bool = False) -> None:
        if five_level:
            self.levels = ((48, 512, "pgd", False), (39, 512, "p4d", False), (30, 512, "pud", True),
                           (21, 512, "pmd", True), (12, 512, "pte", False))
            self.va_bits = 57
        else:
            self.levels = ((39, 512, "pgd", False), (30, 512, "pud", True), (21, 512, "pmd", True),
                           (12, 512, "pte", False))
            self.va_bits = 48
        self.name = f"x86_64 {len(self.levels)}-level"
        self.first_level = len(self.levels)
        super().__init__(alloc)

    def encode_table(self, level: int, pa: int, user: bool) -> int:
        return pa | (PAGE_TABLE if user else KERNPG_TABLE)

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        desc = pa | P | A | D
        if prot.write:
            desc |= RW
        if prot.user:
            desc |= US
        else:
            desc |= G
        if not prot.execute:
            desc |= NX
        if block:
            desc |= PS
        if prot.device:
            desc |= PCD
        return desc

    def kind(self, desc: int, level: int) -> int:
        if not desc & P:
            return INVALID
        if desc & PS and 0 < level < len(self.levels) - 1:
            return BLOCK
        return TABLE

    def initial_acc(self) -> int:
        return RW | US  # ANDed down the walk; NX ORed in bit 63

    def table_acc(self, desc: int, acc: int) -> int:
        return (acc & desc & (RW | US)) | (acc & NX) | (desc & NX)

    def leaf_perm(self, desc: int, level: int, acc: int) -> tuple[int, bool, bool]:
        rw = bool(acc & desc & RW)
        us = bool(acc & desc & US)
        nx = bool((acc | desc) & NX)
        perm = KR | (KW if rw else 0)  # CR0.WP: the kernel honours RW too
        if not nx and not us:
            perm |= KX  # SMEP: never execute user pages in ring 0
        if us:
            perm |= UR | (UW if rw else 0) | (0 if nx else UX)
        return perm, bool(desc & G), True

    def registers(self) -> dict[str, int]:
        """What arch/x86 runs with: CR0 PE MP ET NE WP AM PG; CR4 PAE PGE SMEP SMAP (+ LA57); EFER SCE LME LMA NXE."""
        cr4 = 1 << 5 | 1 << 7 | 1 << 20 | 1 << 21 | (1 << 12 if len(self.levels) == 5 else 0)
        return {"CR0": 0x8005_0033, "CR3": self.root, "CR4": cr4, "EFER": 0xD01}

    def contexts(self) -> dict[str, dict[str, int]]:
        return {"kernel": {"EFLAGS.AC": 0}, "user": {}}  # SMAP enforced: no stac outside uaccess

    def memory_type(self, desc: int, level: int) -> str:
        return "UC-" if desc & PCD else "WB"

    def root_for(self, va: int) -> int | WalkFault:
        top = va >> (self.va_bits - 1)
        if top not in (0, (1 << (65 - self.va_bits)) - 1):
            return WalkFault("translation", 0, 0, "non-canonical address (#GP)")
        return self.root

    def _base(self, va: int) -> int:
        return va & ~((1 << self.va_bits) - 1)

    def canonical(self, va: int) -> int:
        if va >> (self.va_bits - 1) & 1:
            return va | (((1 << 64) - 1) & ~((1 << self.va_bits) - 1))
        return va

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        large = 0 < level < len(self.levels) - 1
        pat = bool(desc & (1 << 12)) if large else bool(desc & PS)
        return ("USR" if desc & US else "   ", "RW" if desc & RW else "ro", "PWT" if desc & PWT else "   ",
                "PCD" if desc & PCD else "   ", "PSE" if large and desc & PS else "   ", "PAT" if pat else "   ",
                "GLB" if desc & G else "   ", "NX" if desc & NX else "x ")
