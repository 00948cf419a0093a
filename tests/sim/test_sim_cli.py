"""`layoutc sim` end to end on the shipped layouts: boot reports, scenarios, verdicts, bad files."""

from __future__ import annotations

import json
import re
import time
import tracemalloc
from pathlib import Path

from layoutc.cli import main
from layoutc.session import load_layout
from layoutc.sim import report
from layoutc.sim.boot import boot
from layoutc.sim.scenario import load, run_scenario, verdict

ROOT = Path(__file__).resolve().parents[2]
ARM32 = str(ROOT / "layouts" / "arm32.kl")
X86_64 = str(ROOT / "layouts" / "x86_64.kl")
ARM64 = str(ROOT / "layouts" / "arm64.kl")


def machine(path, *defines):
    result = load_layout(path, list(defines))
    assert result.layout is not None and not result.errors, [d.message for d in result.errors]
    return boot(result.layout)


def test_boot_reports_have_linux_shapes(capsys):
    assert main(["sim", ARM32, "-D", "ram=2G", "--boot"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^Memory: \d+K/2097152K available \(.*, 1310720K highmem\)$", out, re.MULTILINE)
    for line in out.split("# /proc/buddyinfo\n")[1].split("\n# ")[0].strip("\n").splitlines():
        assert re.fullmatch(r"Node 0, zone [ A-Za-z]{8} ( {0,5}\d+ ){11}", line), line
    meminfo = out.split("# /proc/meminfo\n")[1].split("\n# ")[0].strip("\n").splitlines()
    assert all(re.fullmatch(r"[A-Za-z()_]+: *\d+ kB", row) and len(row) == 16 + 8 + 3
               for row in meminfo if "Vmalloc" not in row)
    assert "VmallocTotal:     245760 kB" in meminfo  # 0xff800000 - 0xf0800000


def test_layout_drives_zones_and_high_memory():
    small = machine(ARM32, "ram=512M")
    big = machine(ARM32, "ram=2G")
    assert [z.name for z in small.buddy.populated] == ["Normal"]
    assert [z.name for z in big.buddy.populated] == ["Normal", "HighMem"]
    assert big.high_memory == 0xF000_0000 and big.windows["vmalloc"].start == 0xF080_0000
    x86 = machine(X86_64, "ram=4G")
    assert [z.name for z in x86.buddy.populated] == ["DMA", "DMA32"]
    assert "VmallocTotal:   34359738367 kB" in report.meminfo(x86)


def test_four_gib_boot_is_fast_and_small():
    result = load_layout(ARM64, ["ram=4G"])
    tracemalloc.start()
    started = time.perf_counter()
    m = boot(result.layout)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert m.totalram_pages > 1_000_000
    assert elapsed < 2.0 and peak < 200 << 20


def test_ptdump_shows_sections_and_markers():
    text = report.ptdump(machine(ARM32, "ram=2G"))
    assert "---[ vmalloc() Area ]---" in text
    assert re.search(r"^0xc0700000-0xf0000000 +761M PGD KERNEL +RW NX SHD$", text, re.MULTILINE)
    assert " PTE KERNEL" not in text  # map_lowmem(): the kernel text is rounded out to 1 MiB sections


def test_vmalloc_frag_survives_longer_with_a_bigger_window():
    scenario = load("vmalloc-frag")
    steps = {}
    for size in ("0", "480M"):
        m = machine(ARM32, "ram=2G", f"vmalloc={size}")
        run = run_scenario(m, scenario, seed=1)
        text, numbers = verdict(run, scenario)
        assert numbers["vmalloc_fail"] >= 1 and "fragmentation" in text
        assert numbers["vmalloc_free_bytes"] > 128 * 1024 > numbers["vmalloc_largest_hole"] - 4096
        m.check_invariants()
        steps[size] = run.steps
    assert steps["480M"] > steps["0"] * 1.5


def test_highmem_pressure_verdict(capsys):
    assert main(["sim", ARM32, "-D", "ram=2G", "--scenario", "highmem-pressure", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    n = data["numbers"]
    assert n["kmap_blocked"] >= 1 and n["kmap_in_use"] == 512
    assert n["highmem_free_kB"] > 1_000_000 and n["lowmem_free_kB"] < 8192


def test_isolation_every_kernel_region_faults_for_user():
    for path, defines in ((X86_64, ()), (ARM64, ()), (ARM32, ("ram=1G",))):
        m = machine(path, *defines)
        scenario = load("isolation")
        run = run_scenario(m, scenario)
        assert not [r for r in run.isolation if "ALLOWED" in r[2]]
        kernel_on_user = next(r for r in run.isolation if r[0] == "user page, kernel r")[2]
        assert "fault" in kernel_on_user


def test_hugepages_cut_tlb_misses():
    m = machine(X86_64, "ram=1G")
    scenario = load("hugepages-tlb")
    run = run_scenario(m, scenario)
    _, numbers = verdict(run, scenario)
    base, large = numbers["phases"][1], numbers["phases"][2]
    assert large["tlb_misses"] * 100 < base["tlb_misses"]
    assert large["walk_steps"] < base["walk_steps"]


def test_bad_scenario_file_gets_line_numbers(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "name": "x",\n  "steps": [\n    {"op": "kmalloc"},\n    {"op": "frobnicate"}\n  ]\n}\n')
    assert main(["sim", ARM32, "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:5:" in err and "Traceback" not in err
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x",\n "steps": [}\n')
    assert main(["sim", ARM32, "--scenario", str(broken)]) == 2
    assert f"{broken}:2:" in capsys.readouterr().err


def test_trace_and_steps(tmp_path):
    trace = tmp_path / "t.jsonl"
    assert main(["sim", ARM32, "--scenario", "vmalloc-frag", "--steps", "50", "--trace", str(trace), "--seed", "3"]) == 0
    lines = trace.read_text().splitlines()
    assert len(lines) == 50 and json.loads(lines[-1])["step"] == 50


def test_dentry_leak_ends_in_the_oom_killer(capsys):
    started = time.perf_counter()
    assert main(["sim", ARM32, "--scenario", "dentry-leak", "--format", "json"]) == 0
    assert time.perf_counter() - started < 20  # seconds, not minutes (about 1 s here)
    data = json.loads(capsys.readouterr().out)
    n, reports = data["numbers"], data["reports"]
    # the app's pages were HighMem: killing it could not give lowmem back; then the idle healthd (badness 0
    # from v5.9, 1 before -- selectable either way, mm/oom_kill.c), and only then the panic
    assert n["oom_kills"] == 2 and n["oom_victims"] == [{"comm": "app", "pages": 16384, "highmem_only": True},
                                                        {"comm": "healthd", "pages": 0, "highmem_only": False}]
    assert n["panic"].startswith("Out of memory and no killable processes")
    # reclaim took every unused (negative) dentry first, and could do nothing about the pinned ones
    assert n["reclaimed_pages"] > 0 and n["dentry_unused"] == 0
    assert n["dentry_objects"] >= 0.95 * n["leaked"] - 100_000  # leaked dentries + inodes, all still there
    lowmem_kb = 768 * 1024
    assert n["slab_reclaimable_kB"] > 0.95 * lowmem_kb and n["lowmem_free_kB"] < 0.01 * lowmem_kb
    assert n["highmem_free_kB"] > 250 * 1024
    assert reports["slabinfo"][2].split()[:2] == ["dentry", str(n["dentry_objects"])]  # the top cache
    assert reports["dentry-state"][0].split("\t")[:2] == [str(n["dentry_objects"]), "0"]
    log = "\n".join(reports["log"])
    assert "invoked oom-killer: gfp_mask=0xcd0(GFP_KERNEL|__GFP_RECLAIMABLE), order=0" in log
    assert re.search(r"^ slab_reclaimable:\d{6} slab_unreclaimable:0$", log, re.MULTILINE)
    assert "Kernel panic - not syncing" in log  # (the kill lines are in the cut middle of the 60-line log report)
    assert data["verdict"].startswith("OOM: killed app (64 MiB, all HighMem: no help for lowmem)")


def test_dentry_leak_outcome_follows_the_layout():
    scenario = load("dentry-leak")
    outcome = {}
    for ram in ("512M", "1G"):
        m = machine(ARM32, f"ram={ram}")
        run = run_scenario(m, scenario)
        _, numbers = verdict(run, scenario)
        outcome[ram] = numbers
        m.check_invariants()
    small, big = outcome["512M"], outcome["1G"]
    assert small["dentry_objects"] < big["dentry_objects"]
    # 512 MiB is all lowmem: the app's pages were lowmem, so killing it bought time before the panic
    assert small["oom_victims"][0]["highmem_only"] is False and big["oom_victims"][0]["highmem_only"] is True
