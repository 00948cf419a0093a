"""Slab caches (SLUB-shaped): kmalloc-* and named caches over the page allocator.

    KmemCache "dentry" (size 192, 21 objects per order-0 slab, reclaimable)
      slabs:   {slab pfn: [free object indices]}      partial = some free, full = none free
      live:    {object va: slab pfn}                   unused: {object va} (refcount 0, on the LRU)

An object's address is page_address(slab) + index * size (slabs come from lowmem,
GFP_KERNEL).  ``kmem_cache_free`` frees an object; ``release`` drops the last
reference but leaves it cached (an unused dentry) for the shrinker to reclaim.
Empty slabs go straight back to the buddy allocator (SLUB discards empty slabs
above min_partial; we keep none).
"""

from __future__ import annotations

from .errors import SimError
from .gfp import GFP_KERNEL, GFP_KERNEL_RECLAIMABLE

# object sizes (recalled from /proc/slabinfo of 6.x kernels; SIM-REFERENCE §8 for dentry)
NAMED_CACHES_64 = {"dentry": (192, True), "inode_cache": (600, True), "buffer_head": (104, True),
                   "vm_area_struct": (176, False), "task_struct": (4480, False), "skbuff_head_cache": (256, False)}
NAMED_CACHES_32 = {"dentry": (128, True), "inode_cache": (352, True), "buffer_head": (64, True),
                   "vm_area_struct": (88, False), "task_struct": (1792, False), "skbuff_head_cache": (192, False)}


def kmalloc_sizes(minimum: int, page_size: int) -> list[int]:
    """kmalloc-N caches: powers of two from KMALLOC_MIN_SIZE to 2 * PAGE_SIZE, plus 96 and 192."""
    sizes = []
    size = minimum
    while size <= 2 * page_size:
        sizes.append(size)
        size *= 2
    sizes += [s for s in (96, 192) if s > minimum]
    return sorted(sizes)


def cache_name(size: int) -> str:
    return f"kmalloc-{size // 1024}k" if size >= 1024 else f"kmalloc-{size}"


class KmemCache:
    def __init__(self, allocator: "SlabAllocator", name: str, size: int, reclaimable: bool) -> None:
        self.allocator = allocator
        self.name = name
        self.size = size
        self.reclaimable = reclaimable
        page = allocator.m.page_size
        self.order = self._order(size, page)
        self.objs_per_slab = (page << self.order) // size
        self.slabs: dict[int, list[int]] = {}
        self.partial: dict[int, None] = {}  # slabs with a free object, newest last
        self.live: dict[int, int] = {}  # object va -> slab pfn
        self.unused: dict[int, None] = {}  # reclaimable objects without references

    @staticmethod
    def _order(size: int, page: int) -> int:
        """calculate_order, simplified: smallest order with >= 8 objects (or max) and <= 1/16 waste."""
        for order in range(4):
            slab = page << order
            objects = slab // size
            if objects >= 8 and slab % size <= slab // 16:
                return order
        return min(3, max(0, (size * 4 - 1).bit_length() - page.bit_length() + 1))

    @property
    def num_objs(self) -> int:
        return len(self.slabs) * self.objs_per_slab

    def alloc(self) -> int | None:
        m = self.allocator.m
        if not self.partial:
            gfp = GFP_KERNEL_RECLAIMABLE if self.reclaimable else GFP_KERNEL
            pfn = m.alloc_pages(self.order, gfp, comm=self.allocator.comm)
            if pfn is None:
                return None
            if not m.is_lowmem_pfn(pfn):
                raise SimError("allocate_slab", f"slab page {pfn:#x} is not in lowmem")
            self.slabs[pfn] = list(range(self.objs_per_slab - 1, -1, -1))
            self.partial[pfn] = None
            self.allocator.pages[self.reclaimable] += 1 << self.order
        pfn = next(reversed(self.partial))
        free = self.slabs[pfn]
        index = free.pop()
        if not free:
            del self.partial[pfn]
        va = m.page_address(pfn) + index * self.size
        self.live[va] = pfn
        return va

    def free(self, va: int) -> None:
        pfn = self.live.pop(va, None)
        if pfn is None:
            raise SimError("kmem_cache_free", f"{va:#x} is not a live object of {self.name} (double free?)")
        self.unused.pop(va, None)
        m = self.allocator.m
        index = (va - m.page_address(pfn)) // self.size
        free = self.slabs[pfn]
        free.append(index)
        self.partial[pfn] = None
        if len(free) == self.objs_per_slab:  # empty slab: discard_slab
            del self.slabs[pfn]
            del self.partial[pfn]
            self.allocator.pages[self.reclaimable] -= 1 << self.order
            m.free_pages(pfn, self.order)

    def release(self, va: int) -> None:
        """dput of the last reference: the object stays cached, reclaimable by the shrinker."""
        if va not in self.live:
            raise SimError("release", f"{va:#x} is not a live object of {self.name}")
        self.unused[va] = None

    def shrink(self, count: int) -> int:
        """prune: free up to ``count`` unused objects (oldest first); returns pages given back."""
        before = self.allocator.pages[self.reclaimable]
        for va in list(self.unused)[:count]:
            self.free(va)
        return before - self.allocator.pages[self.reclaimable]

    def check_invariants(self) -> None:
        where = f"KmemCache.check_invariants({self.name})"
        live_per_slab: dict[int, int] = {}
        for va, pfn in self.live.items():
            live_per_slab[pfn] = live_per_slab.get(pfn, 0) + 1
        for pfn, free in self.slabs.items():
            if len(set(free)) != len(free):
                raise SimError(where, f"slab {pfn:#x} free list has duplicates")
            if live_per_slab.get(pfn, 0) + len(free) != self.objs_per_slab:
                raise SimError(where, f"slab {pfn:#x}: live + free != objects per slab")
            if (pfn in self.partial) != bool(free):
                raise SimError(where, f"slab {pfn:#x} partial-list membership wrong")
        if not set(self.unused) <= set(self.live):
            raise SimError(where, "an unused object is not live")


class SlabAllocator:
    def __init__(self, m) -> None:
        self.m = m
        self.comm = "kworker/0:1"
        self.pages = {True: 0, False: 0}  # reclaimable -> slab pages
        bits64 = m.layout.bits == 64
        minimum = 8 if bits64 else 64  # ARM32 KMALLOC_MIN_SIZE = L1 line (SIM-REFERENCE §2.5)
        self.caches: dict[str, KmemCache] = {}
        self.kmalloc_caches = []
        for size in kmalloc_sizes(minimum, m.page_size):
            cache = KmemCache(self, cache_name(size), size, False)
            self.caches[cache.name] = cache
            self.kmalloc_caches.append(cache)
        for name, (size, reclaimable) in (NAMED_CACHES_64 if bits64 else NAMED_CACHES_32).items():
            self.caches[name] = KmemCache(self, name, size, reclaimable)
        self.large: dict[int, int] = {}  # kmalloc > 2 pages: va -> order (straight from the buddy)
        m.shrinkers.append(self.shrink)

    def cache(self, name: str) -> KmemCache:
        if name not in self.caches:
            raise SimError("kmem_cache_alloc", f"no cache `{name}` (have: {', '.join(sorted(self.caches))})")
        return self.caches[name]

    def kmalloc(self, size: int) -> int | None:
        if size <= 0:
            raise SimError("kmalloc", f"size {size} must be positive")
        for cache in self.kmalloc_caches:
            if cache.size >= size:
                return cache.alloc()
        order = max(0, (size - 1).bit_length() - self.m.page_shift)
        pfn = self.m.alloc_pages(order, GFP_KERNEL, comm=self.comm)
        if pfn is None:
            return None
        va = self.m.page_address(pfn)
        self.large[va] = order
        return va

    def kfree(self, va: int) -> None:
        if va in self.large:
            order = self.large.pop(va)
            self.m.free_pages(self.m.linear.pa(va) >> self.m.page_shift, order)
            return
        for cache in self.kmalloc_caches:
            if va in cache.live:
                cache.free(va)
                return
        raise SimError("kfree", f"{va:#x} was not returned by kmalloc (double free?)")

    def shrink(self, pages: int) -> int:
        """The superblock shrinker: prune unused objects of reclaimable caches."""
        freed = 0
        for cache in self.caches.values():
            if cache.reclaimable and cache.unused:
                freed += cache.shrink(max(pages * cache.objs_per_slab, 64))
        return freed

    def pages_by_reclaim(self) -> tuple[int, int]:
        return self.pages[True], self.pages[False]

    def check_invariants(self) -> None:
        total = {True: 0, False: 0}
        for cache in self.caches.values():
            cache.check_invariants()
            total[cache.reclaimable] += len(cache.slabs) << cache.order
        if total != self.pages:
            raise SimError("SlabAllocator.check_invariants", f"slab page counters {self.pages} != {total}")


def slabinfo(alloc: SlabAllocator, top: int | None = None) -> str:
    """/proc/slabinfo version 2.1 (SLUB: tunables 0 0 0, active_slabs = num_slabs)."""
    lines = ["slabinfo - version: 2.1",
             "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
             "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>"]
    caches = sorted(alloc.caches.values(), key=lambda c: c.name)
    if top is not None:
        caches = sorted(caches, key=lambda c: (-(len(c.slabs) << c.order), c.name))[:top]
    for c in caches:
        lines.append(f"{c.name:<17} {len(c.live):6d} {c.num_objs:6d} {c.size:6d} {c.objs_per_slab:4d} {1 << c.order:4d}"
                     f" : tunables {0:4d} {0:4d} {0:4d} : slabdata {len(c.slabs):6d} {len(c.slabs):6d} {0:6d}")
    return "\n".join(lines) + "\n"
