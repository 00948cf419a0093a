"""Scenarios: a small JSON workload language run against a booted Machine, ending in a verdict.

A scenario is ``{"name", "description", "verdict", "reports", "steps": [...]}``, validated
against layoutc/schemas/scenario.schema.json on load.  Steps name what they allocate
with ``tag`` so later steps can free, map or touch it.  ``repeat`` runs its steps
``times`` times or ``until`` a condition (oom, panic, alloc_fail, vmalloc_fail,
kmap_blocked, lowmem_low).  Every step is counted against ``--steps``; randomness
comes from one ``random.Random(seed)``.  Docs: docs/sim.md.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..model.types import is_known
from . import gfp as G
from .errors import SimError
from .pagetable.format import PAGE_USER_RW, Prot

if TYPE_CHECKING:
    from .machine import Machine

BUILTIN = ("dentry-leak", "vmalloc-frag", "highmem-pressure", "hugepages-tlb", "isolation", "kernel-maps")


class ScenarioError(Exception):
    """A bad scenario file: message with file:line:col."""


def _schema() -> dict:
    text = resources.files("layoutc").joinpath("schemas/scenario.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _line_of(text: str, path: list) -> tuple[int, int]:
    """Best-effort position of a JSON path: the n-th step object's opening brace."""
    pos = 0
    for key in path:
        if isinstance(key, str):
            found = text.find(f'"{key}"', pos)
            if found < 0:
                break
            pos = found
        else:
            depth, seen, i = 0, -1, text.find("[", pos)
            while 0 <= i < len(text):
                ch = text[i]
                if ch in "[{":
                    depth += 1
                    if depth == 2 and ch == "{":
                        seen += 1
                        if seen == key:
                            pos = i
                            break
                elif ch in "]}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def load(path_or_name: str) -> dict:
    """A built-in scenario by name or a file; raises ScenarioError with file:line:col."""
    if path_or_name in BUILTIN:
        name = path_or_name
        text = resources.files("layoutc.sim").joinpath(f"scenarios/{name}.json").read_text(encoding="utf-8")
        where = f"<builtin {name}>"
    else:
        where = path_or_name
        from ..files import ReadError, read_input
        from ..limits import MAX_FILE_BYTES

        try:
            data = read_input(path_or_name, MAX_FILE_BYTES)
        except ReadError as error:
            code = " error[L001]:" if error.too_large else ""
            raise ScenarioError(f"{where}:{code} cannot read scenario: {error.reason}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise ScenarioError(f"{where}:{line}: error: not UTF-8 text: byte 0x{data[error.start]:02x}") from None
    try:
        data = json.loads(text, parse_int=_integer, parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{where}:{error.lineno}:{error.colno}: error: invalid JSON: {error.msg}") from None
    except _Refused as error:
        raise ScenarioError(f"{where}: {error}") from None
    except RecursionError:
        raise ScenarioError(f"{where}: error[L006]: JSON nested too deeply") from None
    _check_depth(data, where, text)
    import itertools

    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    # the first few errors only: a file of 200,000 bad steps has a million, each an object (748 MB)
    errors = sorted(itertools.islice(validator.iter_errors(data), _SHOWN), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for e in errors:
            line, col = _line_of(text, list(e.absolute_path))
            at = "/".join(str(p) for p in e.absolute_path) or "(top level)"
            message = e.message if len(e.message) <= 200 else e.message[:200] + "..."  # some quote the value
            lines.append(f"{where}:{line}:{col}: error: {at}: {message}")
        raise ScenarioError("\n".join(lines))
    _check_steps(data["steps"], where, text)
    return data


_SHOWN = 5  # schema errors reported


class _Refused(ValueError):
    """A JSON value the reader refuses while parsing (its message is the diagnostic)."""


def _integer(digits: str) -> int:
    from ..limits import MAX_LITERAL_BITS, MAX_LITERAL_DIGITS

    if len(digits.lstrip("-").lstrip("0")) > MAX_LITERAL_DIGITS:
        raise _Refused(f"error[L002]: a number of {len(digits):,} digits (at most {MAX_LITERAL_BITS} bits)")
    return int(digits)


def _not_json(name: str) -> float:
    raise _Refused(f"error: invalid JSON: `{name}` is not a JSON number")


def _check_depth(data: Any, where: str, text: str) -> None:
    """L006 for JSON nested deeper than `repeat` may be (each level is an object and its `steps` list),
    measured without recursion before the schema's validator recurses into it."""
    from ..limits import MAX_DEPTH

    limit = 2 * MAX_DEPTH + 4  # the top object and its steps, two levels a `repeat`, a step and a value in it
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            line, col = _line_of(text, ["steps"])
            raise ScenarioError(f"{where}:{line}:{col}: error[L006]: JSON nested more than {limit} deep "
                                f"(`repeat` at most {MAX_DEPTH})")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


# The fields each op reads without a default (the schema lists the fields, not which op needs which).
REQUIRED = {"task": ("comm",), "free_pages": ("tag",), "kfree": ("tag",), "cache_alloc": ("cache",),
            "cache_free": ("tag",), "vfree": ("tag",), "kmap": ("tag",), "kunmap": ("tag",), "kmap_local": ("tag",),
            "kunmap_local": ("tag",), "touch": ("tag",), "phase": ("name",), "repeat": ("steps",), "expect": ("metric", "value")}


def _check_steps(steps: list, where: str, text: str) -> None:
    """Every step has the fields its op needs; `repeat` nests at most MAX_DEPTH deep (iteratively)."""
    from ..limits import MAX_DEPTH

    pending: list[tuple[list[dict[str, Any]], list[str | int], int]] = [(steps, [], 1)]  # steps, JSON path, depth
    while pending:
        items, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            line, col = _line_of(text, ["steps"])
            raise ScenarioError(f"{where}:{line}:{col}: error[L006]: `repeat` nested more than {MAX_DEPTH} deep")
        for index, step in enumerate(items):
            here: list[str | int] = [*path, "steps", index] if path else ["steps", index]
            missing = [key for key in REQUIRED.get(step["op"], ()) if key not in step]
            if missing:
                line, col = _line_of(text, here)
                raise ScenarioError(f"{where}:{line}:{col}: error: {'/'.join(map(str, here))}: "
                                    f"`{step['op']}` needs {', '.join(f'`{k}`' for k in missing)}")
            if step["op"] == "repeat":
                if not step["steps"]:  # every round runs (and counts) a step, so `--steps` bounds it
                    line, col = _line_of(text, here)
                    raise ScenarioError(f"{where}:{line}:{col}: error: {'/'.join(map(str, here))}: "
                                        "`repeat` needs at least one step")
                pending.append((step["steps"], here, depth + 1))


@dataclass
class Run:
    m: Machine
    rng: random.Random
    max_steps: int | None
    trace: list | None
    steps: int = 0
    tags: dict[str, list] = field(default_factory=dict)
    phases: list[dict] = field(default_factory=list)
    expects: list[tuple[str, bool]] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=lambda: {"alloc_fail": 0, "vmalloc_fail": 0, "kmap_blocked": 0,
                                                             "faults": 0, "leaked": 0})
    isolation: list[tuple[str, str, str]] = field(default_factory=list)
    progress: Callable[[int], None] | None = None
    stopped: str = ""


def _count(step) -> int:
    return step.get("count", 1)


def _take(run: Run, step, n: int) -> list:
    items = run.tags.get(step["tag"], [])
    if step.get("random"):
        picked = []
        for _ in range(min(n, len(items))):
            picked.append(items.pop(run.rng.randrange(len(items))))
        return picked
    taken = items[:n]
    del items[:n]
    return taken


def _size(run: Run, step) -> int:
    return run.rng.choice(step["sizes"]) if "sizes" in step else step.get("size", 4096)


def execute(run: Run, steps: list) -> None:
    m = run.m
    for step in steps:
        if run.stopped:
            return
        if run.max_steps is not None and run.steps >= run.max_steps:
            run.stopped = "--steps limit"
            return
        run.steps += 1
        if run.progress is not None:
            run.progress(run.steps)
        op = step["op"]
        before = len(m.log)
        _OPS[op](run, step)
        if run.trace is not None:
            run.trace.append({"step": run.steps, "op": op, "free_pages": m.buddy.nr_free_pages(),
                              "log": m.log[before:]})
        if m.panicked:
            run.stopped = "panic"
            return


def _op_task(run, step):
    run.m.task(step["comm"])


def _op_alloc_pages(run, step):
    m = run.m
    task = m.task(step["task"]) if "task" in step else None
    gfp = G.NAMES[step.get("gfp", "GFP_KERNEL")]
    for _ in range(_count(step)):
        pfn = m.alloc_pages(step.get("order", 0), gfp, comm=task.comm if task else "kworker/0:1", task=task)
        if pfn is None:
            run.events["alloc_fail"] += 1
            return
        run.tags.setdefault(step.get("tag", "pages"), []).append((pfn, step.get("order", 0), task))


def _op_free_pages(run, step):
    for pfn, order, task in _take(run, step, _count(step)):
        if task is None or task.pid in run.m.tasks:
            run.m.free_pages(pfn, order, task)


def _op_kmalloc(run, step):
    for _ in range(_count(step)):
        va = run.m.slab.kmalloc(_size(run, step))
        if va is None:
            run.events["alloc_fail"] += 1
            return
        run.tags.setdefault(step.get("tag", "kmalloc"), []).append(va)


def _op_kfree(run, step):
    for va in _take(run, step, _count(step)):
        run.m.slab.kfree(va)


def _op_cache_alloc(run, step):
    """kmem_cache_alloc ``count`` objects: kept under ``tag``, released at once, or leaked."""
    cache = run.m.slab.cache(step["cache"])
    count = _count(step)
    if step.get("leak"):  # references taken and never dropped: nobody keeps the addresses
        got = cache.alloc_bulk(count, collect=False)
        run.events["leaked"] += got
    else:
        # release: dput at once -- unused, reclaimable (a failed, negative lookup)
        vas = cache.alloc_bulk(count, release=step.get("release", False))
        got = len(vas)
        if "tag" in step:
            run.tags.setdefault(step["tag"], []).extend((cache, va) for va in vas)
    if got < count:
        run.events["alloc_fail"] += 1


def _op_cache_free(run, step):
    for cache, va in _take(run, step, _count(step)):
        if cache.is_live(va):
            cache.free(va)


def _op_vmalloc(run, step):
    space = run.m.vmalloc
    if space is None:
        raise SimError("vmalloc", "the layout has no region of kind `vmalloc`")
    for _ in range(_count(step)):
        va = space.vmalloc(_size(run, step), step.get("caller", "scenario+0x0/0x0"))
        if va is None:
            run.events["vmalloc_fail"] += 1
            return
        run.tags.setdefault(step.get("tag", "vmalloc"), []).append(va)


def _op_vfree(run, step):
    for va in _take(run, step, _count(step)):
        run.m.vmalloc.vfree(va)


def _op_kmap(run, step):
    m = run.m
    pages = run.tags.get(step["tag"], [])
    mapped = run.tags.setdefault(step["tag"] + ":kmapped", [])
    for pfn, _order, _task in pages[len(mapped):len(mapped) + _count(step)]:
        if m.highmem is None:
            mapped.append(pfn)
            continue
        va = m.highmem.kmap(pfn)
        if va is None:
            run.events["kmap_blocked"] += 1
            return
        mapped.append(pfn)


def _op_kunmap(run, step):
    mapped = run.tags.get(step["tag"] + ":kmapped", [])
    for pfn in mapped[-_count(step):]:
        if run.m.highmem is not None:
            run.m.highmem.kunmap(pfn)
    del mapped[-_count(step):]


def _op_kmap_local(run, step):
    """kmap_local_page: the next fixmap slot of the CPU's stack (a lowmem page needs none)."""
    m = run.m
    pages = run.tags.get(step["tag"], [])
    mapped = run.tags.setdefault(step["tag"] + ":kmap_local", [])
    for pfn, _order, _task in pages[len(mapped):len(mapped) + _count(step)]:
        va = m.fixmap.kmap_local(pfn) if m.fixmap is not None else m.page_address(pfn)
        if va is None:
            raise SimError("kmap_local_page", "the layout has no region of kind `fixmap` for a HighMem page")
        mapped.append(va)


def _op_kunmap_local(run, step):
    """kunmap_local: the newest mappings first (the slots are a stack)."""
    mapped = run.tags.get(step["tag"] + ":kmap_local", [])
    for va in reversed(mapped[-_count(step):]):
        if run.m.fixmap is not None:
            run.m.fixmap.kunmap_local(va)
    del mapped[-_count(step):]


def _op_hugemap(run, step):
    """Map `size` bytes of contiguous memory in the vmalloc space with small or large pages."""
    m = run.m
    large_shift = 21 if m.mmu_format in ("x86_64", "x86_64_5level", "arm64_4k", "arm64", "arm_lpae") or m.mmu_format.startswith("riscv_") else 20
    if m.mmu_format in ("x86_2level", "x86_pae"):
        large_shift = 22 if m.mmu_format == "x86_2level" else 21  # PSE 4 MiB / PAE 2 MiB
    if m.mmu_format.startswith("arm64_") and m.page_size != 4096:
        large_shift = {16384: 25, 65536: 29}[m.page_size]
    order = large_shift - m.page_shift
    size = step.get("size", 64 << 20)
    if m.vmalloc is None:
        raise SimError("hugemap", "the layout has no region of kind `vmalloc`")
    va = m.vmalloc.get_vm_area(size, 1 << large_shift, "scenario_hugemap+0x0/0x0")
    if va is None:
        run.events["vmalloc_fail"] += 1
        return
    for offset in range(0, size, 1 << large_shift):
        pfn = m.alloc_pages(order, G.GFP_KERNEL)
        if pfn is None:
            run.events["alloc_fail"] += 1
            break
        m.pagetable.map(va + offset, pfn << m.page_shift, 1 << large_shift, Prot(write=True),
                        blocks=step.get("page", "large") == "large")
    run.tags.setdefault(step.get("tag", "huge"), []).append((va, size))


def _op_touch(run, step):
    m = run.m
    for va, size in run.tags.get(step["tag"], []):
        stride = step.get("stride", 4096)
        for _ in range(step.get("passes", 1)):
            for addr in range(va, va + size, stride):
                result = m.mmu.translate(addr, step.get("access", "r"), step.get("user", False))
                if not isinstance(result, int):
                    run.events["faults"] += 1


def _op_phase(run, step):
    stats = run.m.mmu.stats()
    run.phases.append({"name": step["name"], **stats})
    run.m.mmu.flush_all()


def _op_isolation_sweep(run, step):
    """User access to the start of every mapped kernel region; kernel access to a user page."""
    m = run.m
    for start, end, name in m.markers:
        leaf = m.pagetable.walk(start)
        if not hasattr(leaf, "pa_base"):
            continue
        result = m.mmu.translate(start, "r", user=True)
        by_design = any(is_known(r) and r.start == start and r.kind == "vectors" for r in m.layout.regions())
        outcome = f"{result.kind} fault" if not isinstance(result, int) else (
            "allowed (vectors page: kuser helpers, by design)" if by_design else "ALLOWED")
        run.isolation.append((name, f"{start:#x}", "user r: " + outcome))
    task = m.task("isolation")
    pfn = m.alloc_user_page(task)
    user_va = 0x40_0000
    m.pagetable.map(user_va, pfn << m.page_shift, m.page_size, PAGE_USER_RW)
    for who in (True, False):
        result = m.mmu.translate(user_va, "r", user=who)
        label = "user page, " + ("user r" if who else "kernel r")
        outcome = "allowed" if isinstance(result, int) else f"{result.kind} fault" + (f" ({result.detail})" if result.detail else "")
        run.isolation.append((label, f"{user_va:#x}", outcome))


def _until(run: Run, cond: str) -> bool:
    m = run.m
    if cond == "oom":
        return m.oom_kills > 0 or bool(m.panicked)
    if cond == "panic":
        return bool(m.panicked)
    if cond == "lowmem_low":
        low = [z for z in m.buddy.populated if z.index != G.ZONE_HIGHMEM]
        return all(z.free_pages <= z.watermark[1] for z in low)
    return run.events.get(cond, 0) > 0


def _op_repeat(run, step):
    cond = step.get("until")
    for _ in range(step.get("times", 1 << 62)):
        execute(run, step["steps"])
        if run.stopped or (cond and _until(run, cond)):
            return


def _metric(run: Run, name: str) -> float:
    m = run.m
    values = {"oom_kills": m.oom_kills, "free_pages": m.buddy.nr_free_pages(), **run.events,
              "vmalloc_largest_hole": m.vmalloc.largest_hole() if m.vmalloc else 0,
              "kmap_in_use": m.highmem.in_use() if m.highmem else 0}
    if name not in values:
        raise SimError("expect", f"unknown metric `{name}` (have: {', '.join(sorted(values))})")
    return values[name]


def _op_expect(run, step):
    value = _metric(run, step["metric"])
    ok = {"<": value < step["value"], "<=": value <= step["value"], "==": value == step["value"],
          ">=": value >= step["value"], ">": value > step["value"]}[step.get("cmp", ">=")]
    run.expects.append((f"{step['metric']} {step.get('cmp', '>=')} {step['value']} (is {value})", ok))


_OPS = {"task": _op_task, "alloc_pages": _op_alloc_pages, "free_pages": _op_free_pages, "kmalloc": _op_kmalloc,
        "kfree": _op_kfree, "cache_alloc": _op_cache_alloc, "cache_free": _op_cache_free, "vmalloc": _op_vmalloc,
        "vfree": _op_vfree, "kmap": _op_kmap, "kunmap": _op_kunmap, "kmap_local": _op_kmap_local,
        "kunmap_local": _op_kunmap_local, "touch": _op_touch, "hugemap": _op_hugemap,
        "phase": _op_phase, "isolation_sweep": _op_isolation_sweep, "repeat": _op_repeat, "expect": _op_expect}


def run_scenario(m: Machine, scenario: dict, seed: int = 0, max_steps: int | None = None,
                 trace: list | None = None, progress: Callable[[int], None] | None = None) -> Run:
    run = Run(m, random.Random(seed), max_steps, trace, progress=progress)
    execute(run, scenario["steps"])
    return run


def verdict(run: Run, scenario: dict) -> tuple[str, dict]:
    """One line and the numbers behind it."""
    m = run.m
    kind = scenario.get("verdict", "none")
    slab_r, slab_u = m.slab.pages_by_reclaim() if m.slab else (0, 0)

    def kb(pages: int) -> int:
        return pages << (m.page_shift - 10)

    low_free = sum(z.free_pages for z in m.buddy.populated if z.index != G.ZONE_HIGHMEM)
    high_free = sum(z.free_pages for z in m.buddy.populated if z.index == G.ZONE_HIGHMEM)
    numbers = {"steps": run.steps, "oom_kills": m.oom_kills, "panic": m.panicked or "", **run.events,
               "slab_reclaimable_kB": kb(slab_r), "slab_unreclaimable_kB": kb(slab_u),
               "lowmem_free_kB": kb(low_free), "highmem_free_kB": kb(high_free)}
    if kind == "oom":
        dentry = m.slab.caches.get("dentry") if m.slab else None
        numbers["dentry_objects"] = dentry.active if dentry else 0
        numbers["dentry_unused"] = len(dentry.unused) if dentry else 0
        numbers["reclaimed_pages"] = m.reclaimed_pages
        numbers["oom_victims"] = [{"comm": c, "pages": n, "highmem_only": h} for c, n, h in m.oom_victims]
        if m.oom_kills or m.panicked:
            killed = ", ".join(f"{c} ({kb(n) >> 10} MiB{', all HighMem: no help for lowmem' if h else ''})"
                               for c, n, h in m.oom_victims) or "nobody"
            text = (f"OOM: killed {killed}{'; then panic: no killable processes' if m.panicked else ''}. "
                    f"{numbers['dentry_objects']} pinned dentries hold {kb(slab_r)} kB of 'reclaimable' slab; "
                    f"reclaim freed {kb(m.reclaimed_pages)} kB of unused dentries and could do no more "
                    f"(lowmem free {kb(low_free)} kB, HighMem free {kb(high_free)} kB)")
        else:
            text = f"survived {run.steps} steps without OOM"
    elif kind == "vmalloc-fail":
        space = m.vmalloc
        if space is None:
            raise SimError("verdict", "the layout has no region of kind `vmalloc`")
        numbers.update(vmalloc_free_bytes=space.free_bytes(), vmalloc_largest_hole=space.largest_hole(),
                       vmalloc_holes=len(space.holes), vmalloc_window=space.end - space.start)
        if run.events["vmalloc_fail"]:
            text = (f"vmalloc failed after {run.steps} steps with {space.free_bytes() >> 10} kB of vmalloc space free "
                    f"in {len(space.holes)} holes (largest {space.largest_hole() >> 10} kB): fragmentation")
        else:
            text = f"survived {run.steps} steps; largest vmalloc hole {space.largest_hole() >> 10} kB"
    elif kind == "lowmem-exhausted":
        if m.highmem is not None:
            numbers["kmap_in_use"] = m.highmem.in_use()
        text = (f"lowmem free {kb(low_free)} kB while HighMem has {kb(high_free)} kB free; "
                f"kmap blocked {run.events['kmap_blocked']} time(s), allocation failures {run.events['alloc_fail']}, "
                f"OOM kills {m.oom_kills}")
    elif kind == "tlb-compare":
        rows = []
        for phase in run.phases:
            rows.append(f"{phase['name']}: {phase['tlb_misses']} TLB misses, {phase['walk_steps']} walk steps")
        prev = {"tlb_misses": 0, "walk_steps": 0, "tlb_hits": 0}
        deltas = []
        for phase in run.phases:
            deltas.append({k: phase[k] - prev[k] for k in ("tlb_misses", "walk_steps", "tlb_hits")} | {"name": phase["name"]})
            prev = phase
        numbers["phases"] = deltas
        text = "; ".join(f"{d['name']}: {d['tlb_misses']} TLB misses, {d['walk_steps']} page-walk steps" for d in deltas)
    elif kind == "isolation":
        leaks = [r for r in run.isolation if "ALLOWED" in r[2]]
        numbers["checks"] = [list(r) for r in run.isolation]
        text = (f"{len(run.isolation)} checks; user access to kernel regions: "
                f"{'all fault' if not leaks else f'{len(leaks)} ALLOWED'}; PAN/SMAP: {m.sim.pan_name}")
    else:
        failed = [e for e, ok in run.expects if not ok]
        text = "all expectations held" if not failed else f"{len(failed)} expectation(s) failed"
    if run.expects:
        numbers["expects"] = [{"check": e, "ok": ok} for e, ok in run.expects]
    return text, numbers
