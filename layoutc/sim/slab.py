"""Slab caches (SLUB-shaped): kmalloc-* and named caches over the page allocator.

    KmemCache "dentry" (size 128, 32 objects per order-0 slab, reclaimable)
      partial:  {slab pfn: [free object indices]}   slabs with a free object, newest last;
                                                      a slab absent from it is full
      nr_slabs, active                                 slab and object counts (slabinfo)
      unused:   {object va: None}                      allocated but unreferenced (an unused
                                                      dentry on the LRU), oldest first
    SlabAllocator.owner[pfn] = the cache a slab page belongs to   (struct page's slab_cache)

No per-object Python objects: an object's address is page_address(slab) + index * size
(slabs come from lowmem, GFP_KERNEL), so freeing finds the slab from the address.  A
full slab costs one ``owner`` slot per page and nothing else -- a leak of millions of
pinned dentries stays cheap to model.  ``alloc_bulk`` (kmem_cache_alloc_bulk) fills
whole slabs at once.  ``release`` drops the last reference but leaves the object
cached (an unused dentry) for the shrinker; ``kmem_cache_free`` frees it.  Empty slabs
go straight back to the buddy allocator (SLUB discards empty slabs above
min_partial; we keep none).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import islice
from typing import Literal, overload

from .errors import SimError
from .gfp import GFP_KERNEL, GFP_KERNEL_RECLAIMABLE

# object sizes (recalled from /proc/slabinfo of 6.x kernels; SIM-REFERENCE §8 for dentry)
NAMED_CACHES_64 = {"dentry": (192, True), "inode_cache": (600, True), "buffer_head": (104, True),
                   "vm_area_struct": (176, False), "task_struct": (4480, False), "skbuff_head_cache": (256, False)}
NAMED_CACHES_32 = {"dentry": (128, True), "inode_cache": (352, True), "buffer_head": (64, True),
                   "vm_area_struct": (88, False), "task_struct": (1792, False), "skbuff_head_cache": (192, False)}
OWNER_DENSE_MAX = 1 << 23  # pfns; above, SlabAllocator.owner is a dict


def kmalloc_sizes(minimum: int, page_size: int) -> list[int]:
    """kmalloc-N caches: powers of two from KMALLOC_MIN_SIZE to 2 * PAGE_SIZE, plus 96 and 192.

    kmalloc-96 exists only when KMALLOC_MIN_SIZE <= 32 and kmalloc-192 when it is <= 64
    (mm/slab_common.c), so an ARM32 kernel with 64-byte lines has kmalloc-192 but no -96.
    """
    sizes = []
    size = minimum
    while size <= 2 * page_size:
        sizes.append(size)
        size *= 2
    sizes += [s for s, most in ((96, 32), (192, 64)) if minimum <= most]
    return sorted(sizes)


def cache_name(size: int) -> str:
    return f"kmalloc-{size // 1024}k" if size >= 1024 else f"kmalloc-{size}"


class KmemCache:
    def __init__(self, allocator: SlabAllocator, name: str, size: int, reclaimable: bool) -> None:
        self.allocator = allocator
        self.name = name
        self.size = size
        self.reclaimable = reclaimable
        page = allocator.m.page_size
        self.order = self._order(size, page)
        self.objs_per_slab = (page << self.order) // size
        self.partial: dict[int, list[int]] = {}  # slab pfn -> free indices (the next one last)
        self.nr_slabs = 0
        self.active = 0
        self.unused: dict[int, None] = {}  # reclaimable objects without references, oldest first

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
        return self.nr_slabs * self.objs_per_slab

    @property
    def pages(self) -> int:
        return self.nr_slabs << self.order

    # -------------------------------------------------------------- slabs

    def _new_slab(self) -> int | None:
        """allocate_slab: 2^order lowmem pages from the buddy (reclaim and the OOM killer behind it)."""
        allocator = self.allocator
        gfp = GFP_KERNEL_RECLAIMABLE if self.reclaimable else GFP_KERNEL
        pfn = allocator.m.alloc_pages(self.order, gfp, comm=allocator.comm)
        if pfn is None:
            return None
        if not allocator.low_pfn <= pfn < allocator.high_pfn:
            raise SimError("allocate_slab", f"slab page {pfn:#x} is not in lowmem")
        allocator.set_owner(pfn, 1 << self.order, self)
        self.nr_slabs += 1
        allocator.pages[self.reclaimable] += 1 << self.order
        return pfn

    def _discard_slab(self, pfn: int) -> None:
        allocator = self.allocator
        allocator.set_owner(pfn, 1 << self.order, None)
        self.nr_slabs -= 1
        allocator.pages[self.reclaimable] -= 1 << self.order
        allocator.m.free_pages(pfn, self.order)

    def slab_of(self, va: int, function: str) -> tuple[int, int]:
        """(slab pfn, object index) of an object address of this cache; raises if it is not one."""
        allocator = self.allocator
        pfn = (va - allocator.va_delta) >> allocator.page_shift
        if not allocator.low_pfn <= pfn < allocator.high_pfn:
            raise SimError(function, f"{va:#x} is not a lowmem address (no {self.name} object there)")
        if allocator.owner_of(pfn) is not self:
            raise SimError(function, f"{va:#x} is not in a slab of {self.name}")
        slab = pfn & ~((1 << self.order) - 1)
        index, rest = divmod(va - ((slab << allocator.page_shift) + allocator.va_delta), self.size)
        if rest:
            raise SimError(function, f"{va:#x} is not the start of a {self.name} object")
        return slab, index

    # -------------------------------------------------------------- objects

    def alloc(self) -> int | None:
        """kmem_cache_alloc: the address of one object, or None when no slab page can be had."""
        vas = self.alloc_bulk(1, collect=True)
        return vas[0] if vas else None

    @overload
    def alloc_bulk(self, count: int, collect: Literal[True] = True, release: bool = False) -> list[int]: ...
    @overload
    def alloc_bulk(self, count: int, collect: Literal[False], release: bool = False) -> int: ...
    def alloc_bulk(self, count: int, collect: bool = True, release: bool = False) -> list[int] | int:
        """kmem_cache_alloc_bulk: up to ``count`` objects, partial slabs first (newest first).

        Returns their addresses, or only how many were allocated when ``collect`` is
        false (a leak nobody keeps the addresses of).  ``release`` drops each reference
        at once (see ``release``).  Stops short when no slab page can be had.
        """
        allocator = self.allocator
        shift, delta = allocator.page_shift, allocator.va_delta
        size = self.size
        per_slab = self.objs_per_slab
        partial = self.partial
        vas: list[int] = []
        taken: Sequence[int]
        done = 0
        while done < count:
            if partial:
                slab = next(reversed(partial))
                free = partial[slab]
                take = min(count - done, len(free))
                taken = free[len(free) - take:]
                del free[len(free) - take:]
                if not free:
                    del partial[slab]
            else:
                new = self._new_slab()
                if new is None:
                    break
                slab = new
                take = min(count - done, per_slab)
                if take < per_slab:  # the rest stays free, lowest index next
                    partial[slab] = list(range(per_slab - 1, take - 1, -1))
                taken = range(take - 1, -1, -1) if collect else ()
            if collect:
                base = (slab << shift) + delta
                vas.extend(base + index * size for index in reversed(taken))
            done += take
        self.active += done
        if release:
            self.unused.update(dict.fromkeys(vas))
        return vas if collect else done

    def free(self, va: int, function: str = "kmem_cache_free") -> None:
        """kmem_cache_free: the object goes back on its slab's free list; an empty slab to the buddy."""
        slab, index = self.slab_of(va, function)
        free = self.partial.get(slab)
        if free is None:  # the slab was full
            free = self.partial[slab] = []
        elif index in free:
            raise SimError(function, f"{va:#x} of {self.name} is already free (double free?)")
        free.append(index)
        self.unused.pop(va, None)
        self.active -= 1
        if len(free) == self.objs_per_slab:  # empty slab: discard_slab
            del self.partial[slab]
            self._discard_slab(slab)

    def is_live(self, va: int) -> bool:
        try:
            slab, index = self.slab_of(va, "is_live")
        except SimError:
            return False
        return index not in self.partial.get(slab, ())

    def release(self, va: int) -> None:
        """dput of the last reference: the object stays cached, reclaimable by the shrinker."""
        if not self.is_live(va):
            raise SimError("release", f"{va:#x} is not a live object of {self.name}")
        self.unused[va] = None

    def shrink(self, count: int) -> int:
        """prune: free up to ``count`` unused objects (oldest first); returns pages given back."""
        before = self.pages
        for va in list(islice(self.unused, count)):
            self.free(va)
        return before - self.pages

    def check_invariants(self) -> None:
        where = f"KmemCache.check_invariants({self.name})"
        free_total = 0
        for slab, free in self.partial.items():
            if self.allocator.owner_of(slab) is not self:
                raise SimError(where, f"partial slab {slab:#x} is not owned by the cache")
            if not free or len(free) >= self.objs_per_slab:
                raise SimError(where, f"slab {slab:#x} on the partial list is full or empty")
            if len(set(free)) != len(free) or not all(0 <= i < self.objs_per_slab for i in free):
                raise SimError(where, f"slab {slab:#x} free list is not a set of object indices")
            free_total += len(free)
        if self.active != self.num_objs - free_total:
            raise SimError(where, f"active {self.active} != objects {self.num_objs} - free {free_total}")
        for va in self.unused:
            if not self.is_live(va):
                raise SimError(where, f"unused object {va:#x} is not live")


class SlabAllocator:
    def __init__(self, m) -> None:
        self.m = m
        self.comm = "kworker/0:1"
        self.pages = {True: 0, False: 0}  # reclaimable -> slab pages
        # the linear map, for va <-> pfn of slab pages (all lowmem)
        self.page_shift = m.page_shift
        self.va_delta = m.linear.va_start - m.linear.pa_start
        self.low_pfn = -(-m.linear.pa_start >> m.page_shift)
        self.high_pfn = min(m.linear.pa_end, m.lowmem_end) >> m.page_shift
        end = max((z.end_pfn for z in m.zones), default=0)
        self.owner: list[KmemCache | None] | dict[int, KmemCache | None] = (
            [None] * end if end <= OWNER_DENSE_MAX else {})
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

    def set_owner(self, pfn: int, pages: int, cache: KmemCache | None) -> None:
        owner = self.owner
        if isinstance(owner, dict):
            for page in range(pfn, pfn + pages):
                owner[page] = cache
        elif pages == 1:
            owner[pfn] = cache
        else:
            owner[pfn:pfn + pages] = [cache] * pages

    def owner_of(self, pfn: int) -> KmemCache | None:
        owner = self.owner
        if isinstance(owner, dict):
            return owner.get(pfn)
        return owner[pfn] if 0 <= pfn < len(owner) else None

    def cache(self, name: str) -> KmemCache:
        if name not in self.caches:
            raise SimError("kmem_cache_alloc", f"no cache `{name}` (have: {', '.join(sorted(self.caches))})")
        return self.caches[name]

    def kmalloc_cache(self, size: int) -> KmemCache | None:
        """The kmalloc-N cache serving ``size`` bytes; None above 2 pages (the page allocator serves those)."""
        if size <= 0:
            raise SimError("kmalloc", f"size {size} must be positive")
        for cache in self.kmalloc_caches:
            if cache.size >= size:
                return cache
        return None

    def kmalloc(self, size: int) -> int | None:
        cache = self.kmalloc_cache(size)
        if cache is not None:
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
        lin = self.m.linear
        cache = None
        if lin is not None and lin.va_start <= va < lin.va_end:
            cache = self.owner_of((va - lin.va_start + lin.pa_start) >> self.m.page_shift)
        if cache is None:
            raise SimError("kfree", f"{va:#x} is not in a slab or a large kmalloc (double free?)")
        cache.free(va, "kfree")  # like SLUB, any cache's object: the page knows its cache

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
        owner = self.owner
        slabs = Counter(owner.values() if isinstance(owner, dict) else owner)
        for cache in self.caches.values():
            cache.check_invariants()
            total[cache.reclaimable] += cache.pages
            if slabs.get(cache, 0) != cache.pages:
                raise SimError("SlabAllocator.check_invariants", f"{cache.name}: {slabs.get(cache, 0)} owned pages, "
                                                                 f"{cache.pages} in its slabs")
        if total != self.pages:
            raise SimError("SlabAllocator.check_invariants", f"slab page counters {self.pages} != {total}")


def slabinfo(alloc: SlabAllocator, top: int | None = None) -> str:
    """/proc/slabinfo version 2.1 (SLUB: tunables 0 0 0, active_slabs = num_slabs)."""
    lines = ["slabinfo - version: 2.1",
             ("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
              "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>")]
    caches = sorted(alloc.caches.values(), key=lambda c: c.name)
    if top is not None:
        caches = sorted(caches, key=lambda c: (-c.pages, c.name))[:top]
    for c in caches:
        lines.append(f"{c.name:<17} {c.active:6d} {c.num_objs:6d} {c.size:6d} {c.objs_per_slab:4d} {1 << c.order:4d}"
                     f" : tunables {0:4d} {0:4d} {0:4d} : slabdata {c.nr_slabs:6d} {c.nr_slabs:6d} {0:6d}")
    return "\n".join(lines) + "\n"


def dentry_state(alloc: SlabAllocator) -> str:
    """/proc/sys/fs/dentry-state: nr_dentry, nr_unused, age_limit (45), want_pages, nr_negative, dummy.

    The simulator's unused dentries are the ones a lookup left behind with no
    reference -- the failed (negative) lookups of the scenarios -- so nr_negative
    counts them too (fs/dcache.c, SIM-REFERENCE §8).
    """
    dentry = alloc.caches.get("dentry")
    total, unused = (dentry.active, len(dentry.unused)) if dentry else (0, 0)
    return f"{total}\t{unused}\t45\t0\t{unused}\t0\n"
