"""The Machine: what boot computed (kept for reports and the boot banner) and the live allocators.

    Machine
      layout, arch, sim (SimArch)          page_size/page_shift, max_order
      memblock, linear (va <-> pa), high_memory, lowmem_end
      zones, buddy (PageAllocator)         min_free_kbytes, totalram/totalhigh pages
      windows: vmalloc / pkmap / fixmap / modules      kernel image (va, pa, size)
      pagetable, mmu (translate)           slab, vmalloc, highmem, fixmap (kmap_local)
      tasks (OOM victims)                  log (dmesg lines)

Allocation wrappers here add what the bare allocators leave out: the OOM killer
and the kernel's warning lines.  Out of memory is a result (None), never an
exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .buddy import PAGE_ALLOC_COSTLY_ORDER, PageAllocator, Zone
from .errors import SimError
from .gfp import GFP_HIGHUSER_MOVABLE, GFP_KERNEL, may_oom, nowarn

if TYPE_CHECKING:
    from ..model.types import Layout
    from .archfacts import SimArch
    from .fixmap import KmapLocal
    from .highmem import Pkmap
    from .mmu import Mmu
    from .pagetable.format import PageTable
    from .physmem import Memblock
    from .slab import SlabAllocator
    from .vmalloc import VmallocSpace


@dataclass(frozen=True, slots=True)
class LinearMap:
    """The kernel's linear (direct) map: va = pa - pa_start + va_start over ``size`` bytes."""

    va_start: int
    pa_start: int
    size: int

    @property
    def va_end(self) -> int:
        return self.va_start + self.size

    @property
    def pa_end(self) -> int:
        return self.pa_start + self.size

    def va(self, pa: int) -> int:
        if not self.pa_start <= pa < self.pa_end:
            raise SimError("__va", f"physical address {pa:#x} is not in the linear map")
        return pa - self.pa_start + self.va_start

    def pa(self, va: int) -> int:
        if not self.va_start <= va < self.va_end:
            raise SimError("__pa", f"virtual address {va:#x} is not in the linear map")
        return va - self.va_start + self.pa_start


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass
class Task:
    """A process that owns user pages (what the OOM killer weighs)."""

    pid: int
    comm: str
    pages: dict[int, int] = field(default_factory=dict)  # pfn -> order
    uid: int = 0
    oom_score_adj: int = 0

    @property
    def rss(self) -> int:
        return sum(1 << order for order in self.pages.values())


class Machine:
    """A booted simulated kernel (built by ``boot.boot``)."""

    def __init__(self) -> None:
        # set by boot() before anything reads them (declared here, never None)
        self.layout: Layout
        self.sim: SimArch
        self.memblock: Memblock
        self.buddy: PageAllocator
        self.arch = ""
        self.mmu_format = ""
        self.page_size = 4096
        self.page_shift = 12
        self.va_bits = 32
        self.max_order = 10
        self.banks: list[tuple[int, int]] = []
        self.linear: LinearMap | None = None
        self.high_memory = 0
        self.lowmem_end = 0
        self.zones: list[Zone] = []
        self.min_free_kbytes = 0
        self.totalram_pages = 0
        self.totalhigh_pages = 0
        self.ignored_ram = 0  # bytes of RAM neither mapped nor HighMem
        self.kernel_image: tuple[int, int, int] | None = None  # va, pa, size
        self.windows: dict[str, Window] = {}
        self.markers: list[tuple[int, int, str]] = []  # ptdump markers from the layout
        # what this layout and the boot options have: None when the machine has none
        self.pagetable: PageTable | None = None
        self.mmu: Mmu | None = None
        self.slab: SlabAllocator | None = None
        self.vmalloc: VmallocSpace | None = None
        self.highmem: Pkmap | None = None
        self.fixmap: KmapLocal | None = None
        self.tasks: dict[int, Task] = {}
        self.log: list[str] = []
        self.oom_kills = 0
        self.oom_victims: list[tuple[str, int, bool]] = []  # comm, pages freed, all of them HighMem
        self.panicked: str | None = None
        self.alloc_failures = 0
        self.shrinkers: list[Callable[[int], int]] = []  # each frees up to N pages, returns freed
        self.reclaimed_pages = 0
        self.next_pid = 100

    # -------------------------------------------------------------- helpers

    def pfn_to_pa(self, pfn: int) -> int:
        return pfn << self.page_shift

    def is_lowmem_pfn(self, pfn: int) -> bool:
        return self.linear is not None and self.linear.pa_start <= (pfn << self.page_shift) < self.linear.pa_end

    def page_address(self, pfn: int) -> int | None:
        """The linear-map address of a lowmem page; None for HighMem (needs kmap)."""
        if self.linear is None or not self.is_lowmem_pfn(pfn):
            return None
        return self.linear.va(pfn << self.page_shift)

    def task(self, comm: str) -> Task:
        for task in self.tasks.values():
            if task.comm == comm:
                return task
        task = Task(self.next_pid, comm)
        self.tasks[task.pid] = task
        self.next_pid += 1
        return task

    # -------------------------------------------------------------- allocation with OOM

    def reclaim(self, order: int, gfp: int) -> int:
        """The buddy's reclaim hook: run the shrinkers (reclaimable slab) for a batch of pages."""
        freed = 0
        for shrink in self.shrinkers:
            freed += shrink(max(32, 1 << order))
        self.reclaimed_pages += freed
        return freed

    def alloc_pages(self, order: int, gfp: int = GFP_KERNEL, comm: str = "kworker/0:1", task: Task | None = None) -> int | None:
        """alloc_pages with the OOM killer behind it; pages for ``task`` are charged to it."""
        if self.panicked:
            return None
        buddy = self.buddy
        while True:
            pfn = buddy.alloc_pages(order, gfp)
            if pfn is not None:
                if task is not None:
                    task.pages[pfn] = order
                return pfn
            if order <= PAGE_ALLOC_COSTLY_ORDER and may_oom(gfp):
                if self.out_of_memory(order, gfp, comm):
                    continue
                return None
            self.alloc_failures += 1
            if not nowarn(gfp):
                from .showmem import show_mem, warn_alloc_lines

                self.log.extend(warn_alloc_lines(self, comm, f"page allocation failure: order:{order}", gfp))
                self.log.extend(show_mem(self))
            return None

    def free_pages(self, pfn: int, order: int, task: Task | None = None) -> None:
        if task is not None:
            task.pages.pop(pfn, None)
        self.buddy.free_pages(pfn, order)

    def alloc_user_page(self, task: Task, order: int = 0) -> int | None:
        return self.alloc_pages(order, GFP_HIGHUSER_MOVABLE, task.comm, task)

    def out_of_memory(self, order: int, gfp: int, comm: str) -> bool:
        """out_of_memory(): report, kill the task oom_evaluate_task picks, free its pages. False: none left.

        The report and the choice follow the machine's kernel era (showmem.py, mm/oom_kill.c).
        """
        from . import showmem

        self.log.extend(showmem.header_lines(self, comm, gfp, order))
        self.log.extend(showmem.show_mem(self))
        self.log.extend(showmem.unreclaimable_slab(self))
        self.log.extend(showmem.task_table(self))
        victim, points = showmem.select_victim(self)
        if victim is None:
            self.panicked = "Out of memory and no killable processes..."
            self.log.extend(showmem.panic_lines(self))
            return False
        self.log.extend(showmem.kill_lines(self, victim, points))
        highmem_only = bool(victim.pages) and not any(self.is_lowmem_pfn(pfn) for pfn in victim.pages)
        self.oom_victims.append((victim.comm, victim.rss, highmem_only))
        for pfn, page_order in list(victim.pages.items()):
            self.buddy.free_pages(pfn, page_order)
        victim.pages.clear()
        del self.tasks[victim.pid]
        self.log.extend(showmem.reaper_line(self, victim))
        self.oom_kills += 1
        return True

    def free_area_dump(self) -> list[str]:
        from .showmem import show_mem

        return show_mem(self)

    def check_invariants(self) -> None:
        self.buddy.check_invariants()
        for component in (self.slab, self.vmalloc, self.highmem, self.fixmap, self.pagetable, self.mmu):
            if component is not None:
                component.check_invariants()
