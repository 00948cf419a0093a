"""ARM short-descriptor tables with Linux's 2-level arrangement (SIM-REFERENCE §5.1, §5.2).

Hardware view: L1 = 4096 x 4-byte entries (16 KiB, VA[31:20]), L2 = 256 x 4 bytes (VA[19:12]).
Linux view (pgtable-2level.h): 2048 pgd entries of 2 MiB, each = a *pair* of L1 entries,
and one 4 KiB page per pair of L2 tables:

    pte page + 0     Linux pt 0 (L_PTE_* bits, first MiB)
             + 1024  Linux pt 1 (second MiB)
             + 2048  h/w pt 0   <- L1[2n]   = page + 2048 | table bits
             + 3072  h/w pt 1   <- L1[2n+1] = page + 3072 | table bits

L1 section (1 MiB): bit0 PXN, [1:0]=10, bit2 B, bit3 C, bit4 XN, [8:5] domain, bit10 AP[0],
bit11 AP[1], [14:12] TEX, bit15 APX, bit16 S, bit17 nG, bit18 supersection, [31:20] base.
L1 table: [1:0]=01, bit2 PXNTable, bit4 (PMD_BIT4), [8:5] domain, [31:10] L2 base.
L2 small page: bit0 XN, bit1 = 1, bit2 B, bit3 C, [5:4] AP[1:0], [8:6] TEX, bit9 APX,
bit10 S, bit11 nG, [31:12] base.  cpu_v7_set_pte_ext derives it from the Linux pte:
AP0 always, APX if RDONLY or not DIRTY, AP1 if USER, XN if L_PTE_XN.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from ..errors import SimError
from .format import KR, KW, KX, UR, UW, UX, DumpEntry, Leaf, PageTable, Prot, WalkFault
from .long_desc import ARMV7_SCTLR

# arch/arm/include/asm/domain.h
DOMAIN_KERNEL, DOMAIN_USER, DOMAIN_IO, DOMAIN_VECTORS = 0, 1, 2, 3
DOMAIN_NAMES = ("KERNEL ", "USER   ", "IO     ", "VECTORS")

# L1 (pgtable-2level-hwdef.h)
PMD_TYPE_TABLE, PMD_TYPE_SECT = 0b01, 0b10
PMD_PXNTABLE = 1 << 2
PMD_BIT4 = 1 << 4
PMD_SECT_PXN = 1 << 0
PMD_SECT_B, PMD_SECT_C, PMD_SECT_XN = 1 << 2, 1 << 3, 1 << 4
PMD_SECT_AP_WRITE, PMD_SECT_AP_READ = 1 << 10, 1 << 11
PMD_SECT_TEX1 = 1 << 12
PMD_SECT_APX, PMD_SECT_S, PMD_SECT_NG, PMD_SECT_SUPER = 1 << 15, 1 << 16, 1 << 17, 1 << 18
# L2 small page
PTE_EXT_XN, PTE_TYPE_SMALL = 1 << 0, 1 << 1
PTE_B, PTE_C = 1 << 2, 1 << 3
PTE_EXT_AP0, PTE_EXT_AP1 = 1 << 4, 1 << 5
PTE_EXT_TEX1 = 1 << 6
PTE_EXT_APX, PTE_EXT_SHARED, PTE_EXT_NG = 1 << 9, 1 << 10, 1 << 11
# Linux pte (pgtable-2level.h)
L_PTE_VALID, L_PTE_YOUNG = 1 << 0, 1 << 1
L_PTE_MT_WRITEALLOC = 0x07 << 2
L_PTE_DIRTY, L_PTE_RDONLY, L_PTE_USER, L_PTE_XN, L_PTE_SHARED = 1 << 6, 1 << 7, 1 << 8, 1 << 9, 1 << 10

# proc-v7-2level.S: PRRR/NMRR for Linux's TEX-remap memory types, TTB_FLAGS_SMP (IRGN_WBWA|S|NOS|RGN_OC_WBWA)
PRRR, NMRR = 0xFF0A_81A8, 0x40E0_40E0
TTB_FLAGS_SMP = 0x6A

# DACR (arch/arm/include/asm/domain.h): client (01) for kernel, IO, vectors; user client or no access
DACR_USER = 0b01 << 2 * DOMAIN_KERNEL | 0b01 << 2 * DOMAIN_USER | 0b01 << 2 * DOMAIN_IO | 0b01 << 2 * DOMAIN_VECTORS
DACR_KERNEL = DACR_USER & ~(0b11 << 2 * DOMAIN_USER)

_AP_PERMS = {  # (APX, AP[1:0]) -> (kernel read, kernel write, user read, user write)
    (0, 0b00): (0, 0, 0, 0), (0, 0b01): (1, 1, 0, 0), (0, 0b10): (1, 1, 1, 0), (0, 0b11): (1, 1, 1, 1),
    (1, 0b00): (0, 0, 0, 0), (1, 0b01): (1, 0, 0, 0), (1, 0b10): (1, 0, 1, 0), (1, 0b11): (1, 0, 1, 0),
}


def _perm(apx: int, ap: int, xn: bool, pxn: bool) -> int:
    kr, kw, ur, uw = _AP_PERMS[(apx, ap)]
    perm = (KR if kr else 0) | (KW if kw else 0) | (UR if ur else 0) | (UW if uw else 0)
    if not xn:
        if kr and not pxn:
            perm |= KX
        if ur:
            perm |= UX
    return perm


class ArmShortTable(PageTable):
    name = "ARM short-descriptor"
    va_bits = 32
    first_level = 1  # L1 (sections, 1 MiB) and L2 (pages): the FSR's "section" and "page" faults

    def __init__(self, alloc, pgd_pa: int | None = None) -> None:
        super().__init__(alloc)
        if pgd_pa is None:
            pgd_pa = alloc(16 * 1024)
            self.table_pages += 4
        self.pgd = pgd_pa
        self.tables[pgd_pa] = array("I", bytes(16 * 1024))
        self.l1 = self.tables[pgd_pa]

    # ---- building
    def _pte_page(self, va: int, user: bool, domain: int) -> int:
        """early_pte_alloc / __pmd_populate: one page holding 2 Linux + 2 hardware L2 tables; PXNTable
        when it is a user table (pmd_populate's user_pmd_table)."""
        even = (va >> 20) & ~1
        if self.l1[even] & 3 == PMD_TYPE_TABLE:
            return (self.l1[even] & 0xFFFFFC00) - 2048
        if self.l1[even] & 3 or self.l1[even + 1] & 3:
            raise SimError("early_pte_alloc", f"pmd pair at {even << 20:#x} already holds a section")
        page = self.alloc(4096)
        self.table_pages += 1
        if not self.booting:
            self.dynamic_pages += 1
        for offset in (0, 1024, 2048, 3072):
            self.tables[page + offset] = array("I", bytes(1024))
        desc = (page + 2048) | PMD_TYPE_TABLE | PMD_BIT4 | domain << 5 | (PMD_PXNTABLE if user else 0)
        self.l1[even] = desc
        self.l1[even + 1] = desc + 1024  # pmdp[1] = pmdp[0] + 256 * sizeof(pte_t)
        return page

    def map(self, va: int, pa: int, size: int, prot: Prot, user: bool = False, blocks: bool = True,
            domain: int | None = None, user_table: bool | None = None) -> None:
        """``user_table``: the L2 tables this creates are user tables (PXNTable); None: when the mapping is
        user's.  create_mapping passes False: its tables take the mem_type's prot_l1, never PXNTable."""
        if (va | pa | size) & 0xFFF:
            raise SimError("create_mapping", f"va {va:#x} pa {pa:#x} size {size:#x} not page aligned")
        user = user or prot.user
        if domain is None:
            domain = DOMAIN_USER if user else DOMAIN_KERNEL
        end = va + size
        while va < end:
            # alloc_init_pmd: per 2 MiB pgd entry, sections only when addr, next and phys are
            # all 1 MiB aligned; otherwise the whole piece gets a pte page
            nxt = min(end, (va | 0x1F_FFFF) + 1)
            if blocks and not (va | nxt | pa) & 0xF_FFFF:
                while va < nxt:
                    if self.l1[va >> 20] & 3:
                        raise SimError("__map_init_section", f"remap of {va:#x}")
                    self.l1[va >> 20] = self._section(pa, prot, domain)
                    va += 1 << 20
                    pa += 1 << 20
                continue
            page = self._pte_page(va, user if user_table is None else user_table, domain)
            while va < nxt:
                half = (va >> 20) & 1
                linux = self.tables[page + half * 1024]
                hw = self.tables[page + 2048 + half * 1024]
                i = (va >> 12) & 0xFF
                if hw[i] & 3:
                    raise SimError("set_pte_ext", f"remap of {va:#x}")
                linux[i] = self._linux_pte(pa, prot)
                hw[i] = self._hw_pte(linux[i])
                va += 4096
                pa += 4096

    @staticmethod
    def _section(pa: int, prot: Prot, domain: int) -> int:
        desc = (pa & 0xFFF00000) | PMD_TYPE_SECT | domain << 5 | PMD_SECT_S
        desc |= PMD_SECT_AP_WRITE  # AP[0]: privileged access
        if prot.user:
            desc |= PMD_SECT_AP_READ | PMD_SECT_NG
        if not prot.write:
            desc |= PMD_SECT_APX
        if not prot.execute:
            desc |= PMD_SECT_XN
        if not prot.device:
            desc |= PMD_SECT_TEX1 | PMD_SECT_C | PMD_SECT_B  # MT_MEMORY: write-back write-allocate
        return desc

    @staticmethod
    def _linux_pte(pa: int, prot: Prot) -> int:
        pte = (pa & 0xFFFFF000) | L_PTE_VALID | L_PTE_YOUNG | L_PTE_MT_WRITEALLOC | L_PTE_SHARED
        pte |= L_PTE_DIRTY if prot.write else L_PTE_RDONLY
        if prot.user:
            pte |= L_PTE_USER
        if not prot.execute:
            pte |= L_PTE_XN
        return pte

    @staticmethod
    def _hw_pte(linux: int) -> int:
        """cpu_v7_set_pte_ext: the hardware small-page descriptor for a Linux pte."""
        if not linux & L_PTE_VALID or not linux & L_PTE_YOUNG:
            return 0
        hw = (linux & 0xFFFFF000) | PTE_TYPE_SMALL | PTE_EXT_AP0 | PTE_EXT_TEX1 | PTE_C | PTE_B
        if linux & L_PTE_RDONLY or not linux & L_PTE_DIRTY:
            hw |= PTE_EXT_APX
        if linux & L_PTE_USER:
            hw |= PTE_EXT_AP1 | PTE_EXT_NG
        if linux & L_PTE_XN:
            hw |= PTE_EXT_XN
        if linux & L_PTE_SHARED:
            hw |= PTE_EXT_SHARED
        return hw

    def unmap(self, va: int, size: int) -> None:
        end = va + size
        while va < end:
            desc = self.l1[va >> 20]
            if desc & 3 == PMD_TYPE_SECT:
                if va & 0xFFFFF or end - va < 1 << 20:
                    raise SimError("unmap", f"partial unmap of the section at {va:#x}")
                self.l1[va >> 20] = 0
                va += 1 << 20
                continue
            if desc & 3 != PMD_TYPE_TABLE:
                raise SimError("unmap", f"{va:#x} is not mapped")
            hw = self.tables[desc & 0xFFFFFC00]
            i = (va >> 12) & 0xFF
            if not hw[i] & 3:
                raise SimError("unmap", f"{va:#x} is not mapped")
            hw[i] = 0
            self.tables[(desc & 0xFFFFFC00) - 2048][i] = 0  # the Linux copy
            va += 4096

    # ---- the hardware walk
    def walk(self, va: int) -> Leaf | WalkFault:
        if va >> 32:
            return WalkFault("translation", 1, 0, "address wider than 32 bits")
        desc = self.l1[va >> 20]
        kind = desc & 3
        if kind == 0 or kind == 3:
            return WalkFault("translation", 1, 1, "section translation fault")
        domain = desc >> 5 & 0xF
        if kind == PMD_TYPE_SECT:
            shift = 24 if desc & PMD_SECT_SUPER else 20
            perm = _perm(desc >> 15 & 1, desc >> 10 & 3, bool(desc & PMD_SECT_XN), bool(desc & PMD_SECT_PXN))
            base = desc & (0xFF000000 if shift == 24 else 0xFFF00000)
            return Leaf(va & ~((1 << shift) - 1), base, shift, perm, 1, 1, not desc & PMD_SECT_NG,
                        domain == DOMAIN_USER)
        pte = self.tables[desc & 0xFFFFFC00][(va >> 12) & 0xFF]
        if not pte & 3:
            return WalkFault("translation", 2, 2, "page translation fault")
        pxn = bool(desc & PMD_PXNTABLE)
        if pte & 3 == 1:  # 64 KiB large page
            perm = _perm(pte >> 9 & 1, pte >> 4 & 3, bool(pte & (1 << 15)), pxn)
            return Leaf(va & ~0xFFFF, pte & 0xFFFF0000, 16, perm, 2, 2, not pte & PTE_EXT_NG, domain == DOMAIN_USER)
        perm = _perm(pte >> 9 & 1, pte >> 4 & 3, bool(pte & PTE_EXT_XN), pxn)
        return Leaf(va & ~0xFFF, pte & 0xFFFFF000, 12, perm, 2, 2, not pte & PTE_EXT_NG, domain == DOMAIN_USER)

    def leaves(self):
        for index in range(4096):
            desc = self.l1[index]
            if desc & 3 == PMD_TYPE_SECT:
                yield index << 20, 1 << 20, 1, desc
            elif desc & 3 == PMD_TYPE_TABLE:
                hw = self.tables[desc & 0xFFFFFC00]
                for i, pte in enumerate(hw):
                    if pte & 3:
                        yield index << 20 | i << 12, 4096, 2, pte

    def registers(self) -> dict[str, int]:
        """proc-v7-2level.S: TTBCR.N = 0 (TTBR0 for every address), TTB_FLAGS_SMP, PRRR/NMRR for TEX remap."""
        ttbr = self.pgd | TTB_FLAGS_SMP
        return {"TTBCR": 0, "TTBR0": ttbr, "TTBR1": ttbr, "PRRR": PRRR, "NMRR": NMRR, "SCTLR": ARMV7_SCTLR,
                "DACR": DACR_USER}

    def contexts(self) -> dict[str, dict[str, int]]:
        # CONFIG_CPU_SW_DOMAIN_PAN: DOMAIN_USER is no-access while the kernel runs
        return {"kernel": {"DACR": DACR_KERNEL}, "user": {"DACR": DACR_USER}}

    def memory_type(self, desc: int, level: int) -> str:
        # TEX remap (SCTLR.TRE): TEX[0] C B index PRRR/NMRR; Linux's index 7 is normal WBWA
        if level == 1:
            index = (desc >> 12 & 1) << 2 | (desc >> 3 & 1) << 1 | (desc >> 2 & 1)
        else:
            index = (desc >> 6 & 1) << 2 | (desc >> 3 & 1) << 1 | (desc >> 2 & 1)
        kind = PRRR >> 2 * index & 3
        return {0: "strongly-ordered", 1: "device", 2: "normal"}.get(kind, "?") + f" (TEX remap index {index})"

    # ---- ptdump (arch/arm/mm/dump.c reads sections from L1 and ptes from the Linux copy)
    def dump(self, start: int, end: int, user: bool = False) -> Iterator[DumpEntry]:
        for index in range(start >> 20, min(4096, -(-end >> 20))):
            desc = self.l1[index]
            va = index << 20
            domain = DOMAIN_NAMES[desc >> 5 & 3]
            if desc & 3 == PMD_TYPE_SECT:
                ur, uw = _AP_PERMS[(desc >> 15 & 1, desc >> 10 & 3)][2:]
                kw = _AP_PERMS[(desc >> 15 & 1, desc >> 10 & 3)][1]
                ap = ("USR " if ur else "    ") + ("RW" if (uw or (kw and not ur)) else "ro")
                yield DumpEntry(va, 1 << 20, "PGD", (domain, ap, "NX" if desc & PMD_SECT_XN else "x ",
                                                     "SHD" if desc & PMD_SECT_S else "   "))
            elif desc & 3 == PMD_TYPE_TABLE:
                linux = self.tables[(desc & 0xFFFFFC00) - 2048]
                for i, pte in enumerate(linux):
                    if pte & L_PTE_VALID:
                        yield DumpEntry(va + (i << 12), 4096, "PTE", (
                            domain, "USR" if pte & L_PTE_USER else "   ", "ro" if pte & L_PTE_RDONLY else "RW",
                            "NX" if pte & L_PTE_XN else "x ", "SHD" if pte & L_PTE_SHARED else "   ",
                            "MEM/CACHED/WBWA"))

    def check_invariants(self) -> None:
        for even in range(0, 4096, 2):
            a, b = self.l1[even], self.l1[even + 1]
            if a & 3 == PMD_TYPE_TABLE or b & 3 == PMD_TYPE_TABLE:
                if b != a + 1024 or (a & 0xFFFFFC00) - 2048 not in self.tables:
                    raise SimError("ArmShortTable.check_invariants", f"pmd pair at {even << 20:#x} broken")
                for half in (0, 1):
                    linux = self.tables[(a & 0xFFFFFC00) - 2048 + half * 1024]
                    hw = self.tables[(a & 0xFFFFFC00) + half * 1024]
                    for i in range(256):
                        if self._hw_pte(linux[i]) != hw[i]:
                            raise SimError("ArmShortTable.check_invariants",
                                           f"h/w pte at {(even + half) << 20 | i << 12:#x} disagrees with the Linux pte")
