"""The simulated kernel: a `Machine` booted from an evaluated `Layout` (DESIGN.md §6).

Only this package holds mutable state.  It reads the model (``layoutc.model``) and
the architecture facts (``layoutc.arch``), never the syntax layer, and never
prints: reports are returned as text, out-of-memory is a result, misuse raises
``SimError`` naming the function and the broken condition.

Modules:
  physmem   RAM banks, memblock, zone spans         buddy     page allocator (zonelists, watermarks, fast path)
  zone      free_area, split/merge, per-CPU lists
  slab      kmem_cache / kmalloc-*                   vmalloc   vmap_area first fit, guard pages
  highmem   pkmap kmap/kunmap                        fixmap    kmap_local slots
  pagetable descriptor formats per architecture     mmu/tlb   translate(va, access), TLB model
  boot      Layout -> Machine                        machine   the Machine object (what boot computed)
  report    /proc-style reports                      scenario  workloads and verdicts
"""
