"""Limits on input: every bound a hostile file meets, in one place (docs/language.md, "Limits").

Each limit has its own diagnostic code in the L family (registered in rules/frontend.py, so
`layoutc explain L001` documents it).  They are chosen far above any real layout (the largest
shipped layout is ~40 KB, ~60 regions, nesting depth 4) and low enough that a file at the limit
is checked in well under a second per megabyte with memory bounded by a small multiple of its
size.  Tests check each at the limit and one past it (tests/test_limits.py).
"""

from __future__ import annotations

MAX_FILE_BYTES = 16 * 1024 * 1024  # L001: a layout or scenario file
MAX_LOG_BYTES = 16 * 1024 * 1024  # L001: a boot log (`import`, `check --against`); a dmesg buffer is <= 1 MiB
MAX_LITERAL_BITS = 4096  # L002: an integer literal (decimal digits are counted before conversion)
MAX_LITERAL_DIGITS = int(MAX_LITERAL_BITS * 0.302 + 2)  # L002: ... in decimal, refused from its length (log10 2)
MAX_VERSION_DIGITS = 9  # L002: one component of a version literal
MAX_VALUE_BITS = 4096  # L003: any evaluated integer, intermediate results included
MAX_ADDRESS_BITS = 128  # L004: a space's `bits`; region bounds must lie in [-2^128, 2^128]
MAX_DEPTH = 256  # L006: nesting of expressions (operators, parentheses, calls, if, match) and of regions
MAX_REGIONS = 200_000  # L007: regions and holes of one layout, all files together
MAX_FINDINGS_PER_RULE = 100  # L008: findings of one rule reported one by one; the rest are counted
MAX_VARIANTS = 1024  # L009: --matrix combinations (raise with --max-variants; arm32.kl has 256)
MATRIX_REGIONS = 32  # L009: ... and combinations x region declarations at most MAX_VARIANTS x this
MAX_PICTURES = 16  # L009: `render --matrix` pictures (and panels of its gallery)
MAX_EVAL_STEPS = 2_000_000  # L010: expression nodes evaluated for one layout
MAX_TOKENS = 3_000_000  # L014: tokens of one layout, all files together (benchmarks/generate.py's 100,000 regions: 2.8 M)
MAX_BANNER_LINES = 256  # L016: lines of one boot banner in a log (the kernel prints under 40)
MAX_LIST_ITEMS = 10_000  # L015: operands of one expression, arguments of a call, arms of a match, banks, choice members...
MAX_NAME_CHARS = 128  # L011: a declared name (layout, param, choice member, constant, space, region, hole)
MAX_DRAWN_ROWS = 6000  # L012: HTML table rows of a picture given to `dot` (~6 per region; the shipped layouts: < 120)
MAX_DOT_BYTES = 8 * 1024 * 1024  # L012: the DOT text given to `dot`
DOT_SECONDS = 20.0  # L013: CPU seconds `dot` may spend on one picture (`render --dot-timeout` changes it)
DOT_MEMORY_BYTES = 1024 ** 3  # L013: address space of the `dot` process (its threads' stacks are ~150 MB of it)
# Graphviz's time grows much faster than the picture: 64 spaces that each map into one RAM space are
# ~250 KB of DOT and take dot ~9 s; 128 of them more than a minute; 1,500 of them, 7 GB.  L012 refuses
# the pictures too large to be read before starting dot; L013 stops dot on the others.
MAX_SIM_RAM = 1 << 40  # `sim`: RAM it models (its buddy lists hold ~50 MB a TiB of largest blocks)
MAX_SCENARIO_STEPS = 1_000_000  # `sim --scenario` without --steps stops here (the built-ins need < 40,000)
# Scenario files also have maxima in layoutc/schemas/scenario.schema.json: count, times, passes and
# stride at most 2^20, sizes at most 1 GiB, 100,000 steps per list; `repeat` nests at most MAX_DEPTH deep.

# L005: the header's `bits` (1 to MAX_ADDRESS_BITS; at most the architecture's width) and
# `va_bits` per architecture: the implemented virtual-address widths Linux supports
# (arm64: VA_BITS 36..52, arch/arm64/Kconfig; x86_64: 48 or 57 with LA57;
# riscv64: Sv39/Sv48/Sv57, arch/riscv/Kconfig).  Other arches: 1 to `bits`.
VA_BITS_RANGE = {"arm64": (36, 52), "x86_64": (48, 57), "riscv64": (39, 57)}

# The memory bound (issue 10): what layoutc refuses, it refuses within MEMORY_PER_INPUT_BYTE times the
# bytes of the files it reads plus MEMORY_CONSTANT of peak memory above checking an empty file (every
# limit on reading is checked before what lies past it is built: L001, L002, L006, L007, L014, L015);
# whatever it reads, it stays under 500 MB, which L007 and L014 ensure for what it accepts (a layout
# costs what its declarations cost: ~23 bytes a byte generated, up to ~120 for the densest).  Measured,
# not enforced at run time: benchmarks/hostile.py prints every hostile shape's figures against both,
# and the fuzzer (fuzz/runner.py) counts an input past them as over-memory (docs/language.md, "Limits",
# which also lists where the first does not hold yet: large files refused only once built).
MEMORY_PER_INPUT_BYTE = 10
MEMORY_CONSTANT = 64 * 1024 * 1024
