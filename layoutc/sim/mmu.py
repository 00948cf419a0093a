"""The MMU: translate(va, access) through the TLB and the page tables, with the architecture's checks.

    translate(va, "r"|"w"|"x", user)
      -> TLB level 0 (inline fast path) -> lower TLB levels -> page-table walk (counted)
      -> translation fault (no entry) | access-flag fault (AF = 0) | domain fault (ARM, SW PAN)
         | permission fault (AP/XN/PXN/UXN/NX/RW/US, PAN/SMAP)           -> physical address

Faults are values (``Fault``), never exceptions; they are not cached in the TLB.
"""

from __future__ import annotations

from dataclasses import dataclass

from .pagetable.format import KR, KW, KX, USER_BITS, Leaf, WalkFault
from .tlb import Tlb

ACCESS = {"r": KR, "w": KW, "x": KX, "read": KR, "write": KW, "exec": KX}


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # "translation", "permission", "access flag", "domain"
    va: int
    access: str
    user: bool
    level: int
    detail: str = ""

    def __str__(self) -> str:
        who = "user" if self.user else "kernel"
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.kind} fault at {self.va:#x} on {who} {self.access} (level {self.level}){extra}"


class Mmu:
    def __init__(self, table, tlb: Tlb, pan: bool, pan_name: str, pan_by_domain: bool = False) -> None:
        self.table = table
        self.pan_by_domain = pan_by_domain  # ARMv7 SW PAN: the user domain, not the AP bits
        self.tlb = tlb
        self.pan = pan
        self.pan_name = pan_name
        self.walks = 0
        self.walk_steps = 0
        self.faults = 0
        self._l0 = tlb.levels[0]
        self.shifts: list[int] = []  # page sizes seen, most recently hit first
        self._probe: list[tuple[int, object]] = []
        self.l0_hits = 0

    def translate(self, va: int, access: str = "r", user: bool = False) -> int | Fault:
        need = ACCESS[access] << 3 if user else ACCESS[access]
        for shift, entries in self._probe:  # level-0 TLB, inline: the hot path
            key = (va >> shift) << 6 | shift
            entry = entries.get(key)
            if entry is not None:
                entries.move_to_end(key)
                self.l0_hits += 1
                if entry[1] & need != need:
                    return self._denied(va, access, user, entry)
                return entry[0] | (va & entry[5])
        return self._miss(va, access, user, need)

    def _miss(self, va: int, access: str, user: bool, need: int) -> int | Fault:
        entry = self.tlb.lookup_lower(va, self.shifts)
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
            entry = (result.pa_base, self._effective(result), result.domain_user, result.perm, result.shift,
                     (1 << result.shift) - 1)
            self.tlb.fill(va, result.shift, entry)
            self._note_shift(result.shift)
        else:
            self._note_shift(entry[4])
        if entry[1] & need != need:
            return self._denied(va, access, user, entry)
        return entry[0] | (va & entry[5])

    def _note_shift(self, shift: int) -> None:
        """Probe the level-0 pools of the page size used last first."""
        if self._probe and self._probe[0][0] == shift:
            return
        pool = self._l0.get(shift)
        if pool is None:
            return
        if shift in self.shifts:
            self.shifts.remove(shift)
        self.shifts.insert(0, shift)
        self._probe = [(s, self._l0[s].entries) for s in self.shifts if s in self._l0]

    def _effective(self, leaf: Leaf) -> int:
        """The mask the TLB caches: PAN/SMAP and the ARM user domain remove kernel access to user pages."""
        perm = leaf.perm
        if self.pan_by_domain:
            return perm & USER_BITS if self.pan and leaf.domain_user else perm
        if self.pan and perm & USER_BITS:
            perm &= USER_BITS
        return perm

    def _denied(self, va: int, access: str, user: bool, entry) -> Fault:
        self.faults += 1
        raw = entry[3]
        if not user and self.pan and entry[2]:
            return Fault("domain", va, access, user, 0, f"{self.pan_name}: DOMAIN_USER is no-access in the kernel")
        if not user and self.pan and not self.pan_by_domain and raw & USER_BITS and raw & ACCESS[access]:
            return Fault("permission", va, access, user, 0, f"{self.pan_name} blocks kernel access to a user page")
        return Fault("permission", va, access, user, 0)

    def stats(self) -> dict[str, int]:
        return {"tlb_hits": sum(self.tlb.hits) + self.l0_hits, "tlb_misses": self.tlb.misses, "walks": self.walks,
                "walk_steps": self.walk_steps, "faults": self.faults}

    def flush_range(self, start: int, end: int) -> None:
        self.tlb.flush_range(start, end)

    def check_invariants(self) -> None:
        self.tlb.check_invariants()
