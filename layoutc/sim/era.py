"""The kernel the simulator speaks for: its version and the config options its reports depend on.

Every report takes its shape from ``Era`` (fs/proc/meminfo.c, mm/vmstat.c, mm/show_mem.c,
mm/oom_kill.c, mm/vmalloc.c of that release), never from a fixed 6.x format.  The version
is the layout's ``kernel`` param (6.12 when a layout has none).  The config options are
the ones a distribution kernel of the architecture sets, unless the layout declares a
param of the same name; a caller comparing with a real capture replaces them
(``dataclasses.replace``) with what the capture's kernel had.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_VERSION = (6, 12)


@dataclass(frozen=True, slots=True)
class Era:
    version: tuple[int, ...]
    arch: str
    highmem: bool = False          # CONFIG_HIGHMEM (and HighMem present)
    thp: bool = False              # CONFIG_TRANSPARENT_HUGEPAGE
    hugetlb: bool = False          # CONFIG_HUGETLB_PAGE (hugetlb_report_meminfo)
    memory_failure: bool = False   # CONFIG_MEMORY_FAILURE (HardwareCorrupted)
    cma: bool = False              # CONFIG_CMA (CmaTotal/CmaFree, "cma-reserved", free_cma)
    zswap: bool = False            # CONFIG_ZSWAP (Zswap/Zswapped from v5.19)
    unaccepted: bool = False       # CONFIG_UNACCEPTED_MEMORY (v6.5, x86_64 TDX/SEV-SNP guests)
    shadow_call_stack: bool = False  # CONFIG_SHADOW_CALL_STACK (arm64, v5.8)
    pae: bool = False              # x86-32 CONFIG_X86_PAE (DirectMap2M instead of DirectMap4M)
    gbpages: bool = True           # x86_64 direct_gbpages (DirectMap1G)
    numa: bool = False             # CONFIG_NUMA ("Node 0 " before zone names in the OOM report)
    zone_device: bool = False      # CONFIG_ZONE_DEVICE (v4.3): one more lowmem_reserve[] entry
    cpusets: bool = True           # CONFIG_CPUSETS ("comm cpuset=/ mems_allowed=0" lines)
    zsmalloc: bool = False         # CONFIG_ZSMALLOC (nr_zspages in zoneinfo)
    nr_cpus: int = 1
    percpu_unit_pages: int = 20    # "percpu: Embedded N pages/cpu" (the first chunk's unit)

    def since(self, *parts: int) -> bool:
        return self.version >= parts

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.version)


# "percpu: Embedded N pages/cpu" as typical boot logs print it (raspberrypi/linux#3644: an
# ARMv7 5.4 kernel, 20; arm64 and x86_64 distribution kernels print 30-60).
_PERCPU_UNIT_PAGES = {"arm": 20, "arm64": 32, "x86": 24, "x86_64": 52, "riscv64": 32}
# Distribution configs: THP and hugetlbfs on the 64-bit architectures (and x86-32),
# CONFIG_MEMORY_FAILURE, CONFIG_NUMA and CONFIG_ZONE_DEVICE on x86_64 and arm64, CMA off (boards turn it on).
_DISTRO = {
    "arm": {},
    "arm64": {"thp": True, "hugetlb": True, "memory_failure": True, "numa": True, "zone_device": True},
    "x86": {"hugetlb": True},
    "x86_64": {"thp": True, "hugetlb": True, "memory_failure": True, "numa": True, "zone_device": True},
    "riscv64": {"thp": True, "hugetlb": True, "numa": True},
}


def era_of(layout, highmem: bool = False) -> Era:
    """The Era of an evaluated layout (its ``kernel`` param; config from the arch and the layout's params)."""
    version: tuple[int, ...] = DEFAULT_VERSION
    if layout.has("kernel"):
        value = layout.value("kernel")
        if isinstance(value, tuple) and value:
            version = tuple(int(p) for p in value) + (0,) * (2 - len(value))  # "6" is 6.0
    arch = layout.arch
    options = dict(_DISTRO.get(arch, {}))
    for name in ("thp", "hugetlb", "memory_failure", "cma", "zswap"):
        if layout.has(name):
            options[name] = bool(layout.value(name))
    pae = arch == "x86" and (layout.has("pae") and bool(layout.value("pae")))
    return Era(version=version, arch=arch, highmem=highmem, pae=pae,
               percpu_unit_pages=_PERCPU_UNIT_PAGES.get(arch, 32), **options)
