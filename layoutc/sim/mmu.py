"""The MMU: translate(va, access) through the TLB and the page tables, with the architecture's checks.

    translate(va, "r"|"w"|"x", user)
      -> the hit path: front[user, access][va >> granule] -> level-0 TLB entry
         (present only for an entry in level 0 that allows this access)     -> pa = va - delta
      -> otherwise: level 0 by page size -> lower TLB levels -> page-table walk (counted)
         -> translation fault (no entry) | access-flag fault (AF = 0) | domain fault (ARM, SW PAN)
            | permission fault (AP/XN/PXN/UXN/NX/RW/US, PAN/SMAP)           -> physical address

The front dictionaries memoise, per kind of access, which level-0 entry serves a
granule-sized piece of address space and that it allows the access: a warm hit is one
dict lookup (the permission check was done when the piece was memoised) plus stamping
the entry for LRU.  Whatever leaves level 0 empties them (Tlb.on_drop), so they never
answer for an entry the TLB no longer holds.  Faults are values (``Fault``), never
exceptions; they are not cached.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SimError
from .pagetable.format import KR, KW, KX, UR, USER_BITS, UW, Leaf, WalkFault
from .tlb import E_DOMAIN_USER, E_PERM, E_RAW, E_STAMP, Tlb

ACCESS = {"r": KR, "w": KW, "x": KX, "read": KR, "write": KW, "exec": KX}
USER_DATA = UR | UW
FRONT_MAX = 1 << 16  # memoised pieces per kind of access before the front is emptied


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # "translation", "permission", "access flag", "domain"
    va: int
    access: str
    user: bool
    level: int  # the architecture's level number (PageTable.arch_level): what the FSR/ESR reports on ARM
    detail: str = ""

    def __str__(self) -> str:
        who = "user" if self.user else "kernel"
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.kind} fault at {self.va:#x} on {who} {self.access} (level {self.level}){extra}"


class Mmu:
    def __init__(self, table, tlb: Tlb, pan: bool, pan_name: str, pan_by_domain: bool = False,
                 pan_ttbr0_end: int | None = None) -> None:
        self.table = table
        self.pan_by_domain = pan_by_domain  # ARMv7 SW PAN: the user domain, not the AP bits
        # ARM LPAE PAN (CONFIG_CPU_TTBR0_PAN): the kernel runs with TTBR0 walks disabled (TTBCR.EPD0) and
        # TTBR0's range cut to 32 MiB, so kernel accesses below that fault and nothing above it is affected
        self.pan_ttbr0_end = pan_ttbr0_end
        self.tlb = tlb
        self.pan = pan
        self.pan_name = pan_name
        self.walks = 0
        self.walk_steps = 0
        self.faults = 0
        self.not_l0 = 0  # translations that missed level 0 (hit lower, walked, or faulted)
        self.granule = min(tlb.levels[0]) if tlb.levels and tlb.levels[0] else 12
        # front[user][access name] -> {va >> granule: level-0 entry}; "r" and "read" share one dict
        self._front: tuple[dict[str, dict[int, list]], dict[str, dict[int, list]]] = ({}, {})
        for side in self._front:
            by_bit: dict[int, dict[int, list]] = {}
            for name, bit in ACCESS.items():
                side[name] = by_bit.setdefault(bit, {})
        self._fronts = [d for side in self._front for d in {id(v): v for v in side.values()}.values()]
        tlb.on_drop = self._forget
        self.translate, self._translations = self._make_translate()

    def _make_translate(self):
        """Build the hit path as a closure: its use counter lives in a cell, not an attribute."""
        kernel, user_side = self._front
        shift = self.granule
        slow = self._translate_slow
        uses = 0  # translations so far; also the LRU stamp of the latest use

        def translate(va: int, access: str = "r", user: bool = False) -> int | Fault:
            nonlocal uses
            uses += 1
            try:
                entry = (user_side if user else kernel)[access][va >> shift]
            except KeyError:
                return slow(va, access, user, uses)
            entry[1] = uses  # E_STAMP
            return va - entry[0]  # E_DELTA

        def translations() -> int:
            return uses

        return translate, translations

    @property
    def l0_hits(self) -> int:
        return self._translations() - self.not_l0

    def _translate_slow(self, va: int, access: str, user: bool, stamp: int) -> int | Fault:
        bit = ACCESS.get(access)
        if bit is None:
            self.not_l0 += 1  # counted as a translation by the hit path; it reached no TLB
            raise SimError("translate", f"unknown access `{access}` (have: {', '.join(ACCESS)})")
        need = bit << 3 if user else bit
        if self.pan_ttbr0_end is not None and self.pan and not user and va < self.pan_ttbr0_end:
            self.faults += 1
            return Fault("translation", va, access, user, self.table.arch_level(0),
                         f"{self.pan_name}: TTBR0 walks are disabled in the kernel")
        entry = self.tlb.lookup_l0(va)
        if entry is not None:
            entry[E_STAMP] = stamp  # a level-0 hit; only this kind of access was not memoised yet
        else:
            self.not_l0 += 1
            entry = self.tlb.lookup_lower(va, stamp)
            if entry is None:
                self.tlb.misses += 1
                result = self.table.walk(va)
                self.walks += 1
                self.walk_steps += result.steps
                if isinstance(result, WalkFault):
                    self.faults += 1
                    return Fault(result.kind, va, access, user, result.level, result.detail)
                if not result.af:
                    self.faults += 1
                    return Fault("access flag", va, access, user, result.level)
                held = (result.pa_base, self._effective(result), result.domain_user, result.perm, result.shift,
                        (1 << result.shift) - 1)
                entry = self.tlb.fill(va, result.shift, held, stamp)
                if entry is None:  # level 0 cannot hold it: answer from the walk, memoise nothing
                    if held[1] & need != need:
                        return self._denied(va, access, user, held[2], held[3])
                    return held[0] | (va & held[5])
        if entry[E_PERM] & need != need:
            return self._denied(va, access, user, entry[E_DOMAIN_USER], entry[E_RAW])
        front = self._front[1 if user else 0][access]
        if len(front) >= FRONT_MAX:
            front.clear()
        front[va >> self.granule] = entry
        return va - entry[0]

    def _forget(self) -> None:
        for front in self._fronts:
            front.clear()

    def _effective(self, leaf: Leaf) -> int:
        """The mask the TLB caches: PAN/SMAP and the ARM user domain remove kernel access to user pages."""
        perm = leaf.perm
        if self.pan_ttbr0_end is not None:
            return perm  # the TTBR1 half: PAN does not reach it (checked before the walk)
        if self.pan_by_domain:
            return perm & USER_BITS if self.pan and leaf.domain_user else perm
        if self.pan and perm & USER_DATA:
            # PAN, SMAP and SUM = 0 forbid the kernel's data accesses to pages the user may read or write;
            # never its fetches (arm64 PAN "doesn't affect insn fetch"; SMEP and RISC-V's no-exec of U pages
            # are the formats' own rules, already in the mask)
            perm &= ~(KR | KW)
        return perm

    def _denied(self, va: int, access: str, user: bool, domain_user: bool, raw: int) -> Fault:
        """A permission or domain fault, reported at the level of the leaf (as the hardware's FSR does)."""
        self.faults += 1
        leaf = self.table.walk(va)  # a denial is rare: the TLB entry does not keep the leaf's level
        level = leaf.level if isinstance(leaf, Leaf) else 0
        if not user and self.pan and domain_user:
            return Fault("domain", va, access, user, level, f"{self.pan_name}: DOMAIN_USER is no-access in the kernel")
        if not user and self.pan and not self.pan_by_domain and raw & USER_DATA and raw & ACCESS[access] & (KR | KW):
            return Fault("permission", va, access, user, level, f"{self.pan_name} blocks kernel access to a user page")
        return Fault("permission", va, access, user, level)

    def stats(self) -> dict[str, int]:
        return {"tlb_hits": sum(self.tlb.hits) + self.l0_hits, "tlb_misses": self.tlb.misses, "walks": self.walks,
                "walk_steps": self.walk_steps, "faults": self.faults}

    def flush_range(self, start: int, end: int) -> None:
        self.tlb.flush_range(start, end)

    def flush_all(self) -> None:
        self.tlb.flush_all()

    def check_invariants(self) -> None:
        self.tlb.check_invariants()
        held = {id(e) for pool in self.tlb.levels[0].values() for e in pool.entries.values()}
        for front in self._fronts:
            for piece, entry in front.items():
                if id(entry) not in held:
                    raise SimError("Mmu.check_invariants", f"memoised piece {piece << self.granule:#x} "
                                                           "names an entry level 0 no longer holds")
