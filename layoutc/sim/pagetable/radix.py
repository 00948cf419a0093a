"""The multi-level radix walk shared by the 8-byte-descriptor formats (LPAE, arm64, x86_64).

    level 0 (root)          level 1                 ...   last level
    tables[root][i0] --table--> tables[pa1][i1] --table--> ... --page--> pa
                      \\--block (where the format allows one at this level)--> pa

Subclasses describe their levels (shift, entries, ptdump name, whether a block
may sit there) and encode/decode descriptors; this class maps ranges with the
largest aligned blocks, unmaps, walks and lists leaves for ptdump.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import SimError
from .format import DumpEntry, Leaf, PageTable, Prot, WalkFault

INVALID, TABLE, BLOCK = 0, 1, 2


class RadixTable(PageTable):
    # (shift, entries, ptdump name, block allowed) per level, root first
    levels: tuple[tuple[int, int, str, bool], ...] = ()
    entry_bytes = 8
    typecode = "Q"
    table_bytes = 4096
    addr_mask = 0
    range_fault_level: int | None = None  # the level an out-of-range address faults at (None: the root's)

    def __init__(self, alloc, user_split: bool = False) -> None:
        super().__init__(alloc)
        self.root = self._new_table(self.root_bytes(), 0, self.typecode)
        # arm64: a second root (TTBR0) for user addresses
        self.user_root = self._new_table(self.root_bytes(), 0, self.typecode) if user_split else None

    def root_bytes(self) -> int:
        return max(self.levels[0][1] * self.entry_bytes, self.table_bytes if self.levels[0][1] > 4 else 32)

    # ---- format hooks
    def decode_oa(self, desc: int) -> int:
        """The address a table or leaf descriptor points at (the key of a child table)."""
        return desc & self.addr_mask

    def encode_table(self, level: int, pa: int, user: bool) -> int:
        raise NotImplementedError

    def encode_leaf(self, level: int, pa: int, prot: Prot, block: bool) -> int:
        raise NotImplementedError

    def kind(self, desc: int, level: int) -> int:
        raise NotImplementedError

    def leaf_perm(self, desc: int, level: int, acc: int) -> tuple[int, bool, bool]:
        """(permission mask, global, access flag) of a leaf, given the table-walk accumulator."""
        raise NotImplementedError

    def table_acc(self, desc: int, acc: int) -> int:
        return acc

    def initial_acc(self) -> int:
        return 0

    def root_for(self, va: int) -> int | WalkFault:
        return self.root

    def attrs(self, desc: int, level: int) -> tuple[str, ...]:
        raise NotImplementedError

    # ---- generic operations
    def _root_table(self, va: int, user: bool) -> int:
        if self.user_root is not None and user:
            return self.user_root
        return self.root

    def map(self, va: int, pa: int, size: int, prot: Prot, user: bool = False, blocks: bool = True,
            user_table: bool | None = None) -> None:
        """``user_table``: the tables this creates are user tables (ARM: PXNTable; x86: U/S); None: when the
        mapping is user's."""
        page = 1 << self.levels[-1][0]
        table_user = (user or prot.user) if user_table is None else user_table
        if (va | pa | size) & (page - 1):
            raise SimError(f"{self.name}.map", f"va {va:#x} pa {pa:#x} size {size:#x} not page aligned")
        end = va + size
        root = self._root_table(va, user or prot.user)
        while va < end:
            table = self.tables[root]
            for level, (shift, entries, _, block_ok) in enumerate(self.levels):
                index = (va >> shift) & (entries - 1)
                span = 1 << shift
                last = level == len(self.levels) - 1
                if last or (blocks and block_ok and not (va | pa) & (span - 1) and end - va >= span):
                    if self.kind(table[index], level) != INVALID:
                        raise SimError(f"{self.name}.map", f"remap of {va:#x} at level {level}")
                    table[index] = self.encode_leaf(level, pa, prot, not last)
                    va += span
                    pa += span
                    break
                desc = table[index]
                kind = self.kind(desc, level)
                if kind == BLOCK:
                    raise SimError(f"{self.name}.map", f"{va:#x} is inside a block mapping at level {level}")
                if kind == INVALID:
                    nxt = self.levels[level + 1][1] * self.entry_bytes
                    child = self._new_table(max(nxt, self.table_bytes), 0, self.typecode)
                    desc = table[index] = self.encode_table(level, child, table_user)
                table = self.tables[self.decode_oa(desc)]

    def unmap(self, va: int, size: int) -> None:
        end = va + size
        while va < end:
            table = self.tables[self._root_table(va, va < (1 << (self.va_bits - 1)) and self.user_root is not None)]
            for level, (shift, entries, _, _) in enumerate(self.levels):
                index = (va >> shift) & (entries - 1)
                desc = table[index]
                kind = self.kind(desc, level)
                if kind == INVALID:
                    raise SimError(f"{self.name}.unmap", f"{va:#x} is not mapped")
                if kind == BLOCK or level == len(self.levels) - 1:
                    if (va & ((1 << shift) - 1)) or end - va < (1 << shift):
                        raise SimError(f"{self.name}.unmap", f"partial unmap of a block at {va:#x}")
                    table[index] = 0
                    va += 1 << shift
                    break
                table = self.tables[self.decode_oa(desc)]

    def walk(self, va: int) -> Leaf | WalkFault:
        root = self.root_for(va)
        if isinstance(root, WalkFault):
            level = self.arch_level(root.level) if self.range_fault_level is None else self.range_fault_level
            return WalkFault(root.kind, level, root.steps, root.detail)
        table = self.tables[root]
        acc = self.initial_acc()
        steps = 0
        levels = self.levels
        last = len(levels) - 1
        for level, (shift, entries, _, _) in enumerate(levels):
            desc = table[(va >> shift) & (entries - 1)]
            steps += 1
            kind = self.kind(desc, level)
            if kind == INVALID:
                return WalkFault("translation", self.arch_level(level), steps)
            if kind == TABLE and level < last:
                acc = self.table_acc(desc, acc)
                table = self.tables[self.decode_oa(desc)]
                continue
            perm, global_, af = self.leaf_perm(desc, level, acc)
            mask = (1 << shift) - 1
            return Leaf(va & ~mask, self.decode_oa(desc) & ~mask, shift, perm, self.arch_level(level), steps, global_,
                        False, af)
        raise SimError(f"{self.name}.walk", "ran past the last level")  # pragma: no cover

    def dump(self, start: int, end: int, user: bool = False) -> Iterator[DumpEntry]:
        root = self._root_table(start, user)
        yield from self._dump(self.tables[root], 0, self._base(start), start, end)

    def _base(self, va: int) -> int:
        """The address whose index bits are all zero at the root, in va's half."""
        shift, entries, _, _ = self.levels[0]
        return va & ~((entries << shift) - 1)

    def _dump(self, table, level: int, base: int, start: int, end: int) -> Iterator[DumpEntry]:
        shift, entries, name, _ = self.levels[level]
        span = 1 << shift
        first = max(0, (start - base) >> shift)
        for index in range(first, entries):
            va = base + index * span
            if va >= end:
                break
            desc = table[index]
            kind = self.kind(desc, level)
            if kind == INVALID:
                yield DumpEntry(va, span, name, (), mapped=False)
            elif kind == TABLE and level < len(self.levels) - 1:
                yield from self._dump(self.tables[self.decode_oa(desc)], level + 1, va, start, end)
            else:
                yield DumpEntry(va, span, name, self.attrs(desc, level))

    def leaves(self) -> Iterator[tuple[int, int, int, int]]:
        for root, base in self.leaf_roots():
            yield from self._leaves(self.tables[root], 0, base)

    def leaf_roots(self) -> list[tuple[int, int]]:
        """(root key, the address its entry 0 translates)."""
        return [(self.root, 0)]

    def canonical(self, va: int) -> int:
        """The address as software writes it (x86_64, RISC-V: sign-extended from the top VA bit)."""
        return va

    def _leaves(self, table, level: int, base: int) -> Iterator[tuple[int, int, int, int]]:
        shift, entries, _, _ = self.levels[level]
        for index in range(entries):
            desc = table[index]
            kind = self.kind(desc, level)
            if kind == INVALID:
                continue
            va = self.canonical(base + (index << shift))
            if kind == TABLE and level < len(self.levels) - 1:
                yield from self._leaves(self.tables[self.decode_oa(desc)], level + 1, va)
            else:
                yield va, 1 << shift, self.arch_level(level), desc

    def check_invariants(self) -> None:
        seen = {self.root} | ({self.user_root} if self.user_root is not None else set())
        stack = [(r, 0) for r in seen]
        while stack:
            pa, level = stack.pop()
            for desc in self.tables[pa]:
                if level < len(self.levels) - 1 and self.kind(desc, level) == TABLE:
                    child = self.decode_oa(desc)
                    if child not in self.tables:
                        raise SimError(f"{self.name}.check_invariants", f"table descriptor points at {child:#x}, no table")
                    if child in seen:
                        raise SimError(f"{self.name}.check_invariants", f"table {child:#x} linked twice")
                    seen.add(child)
                    stack.append((child, level + 1))
