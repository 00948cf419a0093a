"""Limit codes (L): the bounds on input, from layoutc/limits.py.

Produced by the reader (session.py), the parser and AST builder (syntax/), the elaborator and
evaluator (model/), the rule runner and the matrix; here they get names, severities and
documentation.  docs/language.md ("Limits") lists them; tests/test_limits.py checks each at
the limit and one past it.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .registry import rule


@rule("L001", "file-too-large", Severity.ERROR, stage="front")
def file_too_large(ctx=None):
    """An input file larger than 16 MiB: a layout, a scenario or a boot log.

    What it does:
        Refuses the file from its size alone, before reading it.
    Why it matters:
        A layout is a few kilobytes; a file of hundreds of megabytes is a mistake (a log or a
        binary named on the command line) and would take minutes and gigabytes to read.
    Example:
        layoutc check huge.kl     # a 20 MiB file
    Fix:
        Split generated tables into several files, or cut a boot log down to the banner.
    """
    return ()


@rule("L002", "literal-too-large", Severity.ERROR, stage="front")
def literal_too_large(ctx=None):
    """An integer literal wider than 4096 bits, or a version component of more than 9 digits.

    What it does:
        Reports the literal without converting it (a number of thousands of digits is refused
        from its length).
    Why it matters:
        No address or size needs more than 128 bits; such a literal is a typo or an attack.
    Example:
        const X = 0x1_0000 ... (1025 hex digits)
    Fix:
        const X = 0x1_0000
    """
    return ()


@rule("L003", "value-too-large", Severity.ERROR, stage="front")
def value_too_large(ctx=None):
    """An evaluated integer (intermediate results included) wider than 4096 bits.

    What it does:
        Stops the evaluation of that expression at the operator whose result is too wide.
    Why it matters:
        `1 << 100000` or a chain of squarings would cost memory and time exponential in the text.
    Example:
        const X = 1 << 5000
    Fix:
        const X = 1 << 64
    """
    return ()


@rule("L004", "address-too-wide", Severity.ERROR, stage="front")
def address_too_wide(ctx=None):
    """A space wider than 128 bits, or a region bound outside [-2^128, 2^128].

    What it does:
        Reports the space's `bits` or the region's bound; the region is then left out of the
        model rules and outputs.
    Why it matters:
        No machine has addresses wider than 128 bits; every table and header prints addresses
        with the space's width.
    Example:
        space s bits 256 { region r [0, +4K) }
    Fix:
        space s bits 64 { region r [0, +4K) }
    """
    return ()


@rule("L005", "bits-out-of-range", Severity.ERROR, stage="front")
def bits_out_of_range(ctx=None):
    """The header's `bits` or `va_bits` outside the range of the architecture.

    What it does:
        `bits` is 1 to 128 (at most 32 for arm and x86, 64 for arm64, x86_64, riscv64);
        `va_bits` is 36 to 52 on arm64, 48 to 57 on x86_64, 39 to 57 on riscv64, and
        1 to `bits` elsewhere.
    Why it matters:
        The canonical halves, address formatting and the page-table walk are computed from
        these widths; a width the architecture cannot have gives meaningless checks.
    Example:
        layout l { arch = x86_64; va_bits = 1 << 40 }
    Fix:
        layout l { arch = x86_64; va_bits = 48 }
    """
    return ()


@rule("L006", "nesting-too-deep", Severity.ERROR, stage="front")
def nesting_too_deep(ctx=None):
    """Expressions or regions nested more than 256 levels deep.

    What it does:
        Reports the first construct past the limit: a parenthesis, operator, call, `if` or
        `match` of an expression, or a region inside 256 others.
    Why it matters:
        Real layouts nest regions a few levels and expressions a few dozen; deeper nesting is
        generated or hostile and costs stack depth at every stage.
    Example:
        const X = ((((... 300 parentheses ... 1 ...))))
    Fix:
        Name the inner parts as constants.
    """
    return ()


@rule("L007", "too-many-regions", Severity.ERROR, stage="front")
def too_many_regions(ctx=None):
    """More than 200,000 regions and holes in one layout (all its files together).

    What it does:
        Reports the first region or hole past the limit; the layout is not checked further.  A file
        long enough to hold more of them than its layout may still have is scanned before it is
        parsed, so one past the limit is refused without building any of them (200,001 one-line
        regions: 0.9 s, 29 MB; as many holes: 0.9 s, 22 MB).  Only a hole right after a keyword
        (`if true` ending a region) is not told from an index there; such a hole is counted after
        the parse.
    Why it matters:
        Bounds the work of every rule and emitter; a real layout has tens of regions.
    Example:
        a generated file with 200,001 `region` lines
    Fix:
        Describe large uniform ranges as one region.
    """
    return ()


@rule("L008", "too-many-findings", Severity.NOTE, stage="front")
def too_many_findings(ctx=None):
    """A rule found more than 100 problems: the first 100 are reported, the rest counted.

    What it does:
        Reports, once per rule, how many findings were not shown.  Overlaps are grouped too:
        a region that overlaps many others is one finding, "`r0` overlaps 9,999 other regions".
    Why it matters:
        Thousands of mutually overlapping regions would give millions of findings (a check
        that never ends); the first hundred say what is wrong.
    Example:
        10,000 regions all declared [0, 1G)
    Fix:
        Fix the first findings and run the check again.
    """
    return ()


@rule("L009", "too-many-variants", Severity.ERROR, stage="front")
def too_many_variants(ctx=None):
    """`--matrix` would check more than 1024 combinations or 32,768 region checks (`--max-variants`), or draw more than 16 pictures.

    What it does:
        Refuses the matrix before checking or drawing any variant and says how many there would be.
        A region check is one region of one combination: combinations times the layout's region
        declarations may be at most 32 times the combinations allowed.
    Why it matters:
        Each bool or choice param multiplies the combinations; 20 bools are a million checks, and
        each is a whole check of the layout.
    Example:
        layoutc check --matrix layout-with-20-bools.kl
    Fix:
        Fix some params with -D, or raise --max-variants (or `max_variants` in the config).
    """
    return ()


@rule("L010", "evaluation-too-long", Severity.ERROR, stage="front")
def evaluation_too_long(ctx=None):
    """A layout whose evaluation visits more than 2,000,000 expression nodes.

    What it does:
        Stops evaluating; the definitions not evaluated yet are unknown.
    Why it matters:
        Bounds the work per evaluation (once per `--matrix` variant) whatever the shape of the
        definitions.
    Example:
        a generated file with millions of operators
    Fix:
        Simplify the definitions, or split the layout.
    """
    return ()


@rule("L011", "name-too-long", Severity.ERROR, stage="front")
def name_too_long(ctx=None):
    """A declared name longer than 128 characters (layout, param, choice member, constant, space, region, hole).

    What it does:
        Reports the name (its first characters) and its length; the file is then treated like one
        that does not parse: nothing of it is checked, drawn or emitted.
    Why it matters:
        A name is written once but printed wherever something refers to it: by every child of a
        region (the assertions of headers and linker scripts, nested paths), by every finding
        about a neighbour, in every generated identifier.  A name of thousands of characters makes
        a few kilobytes of layout write megabytes; C guarantees only 63 significant characters.
    Example:
        space s bits 32 { region a_region_named_by_a_generator_that_pasted_its_whole_description_into_the_name_instead_of_a_doc_string_where_it_belongs_and_more_too [0, +4K) }
    Fix:
        space s bits 32 { region generated [0, +4K) { doc = "what the generator meant" } }
    """
    return ()


@rule("L012", "picture-too-large", Severity.ERROR, stage="front")
def picture_too_large(ctx=None):
    """A picture too large for Graphviz: more than 6000 table rows (about 1000 regions) or 8 MiB of DOT.

    For `render` (or `emit svg`) to svg, png or pdf.

    What it does:
        Refuses the picture before starting `dot`; nothing is written, the exit status is 2.
        `-o FILE.dot` still writes the DOT text.
    Why it matters:
        Graphviz's time and memory grow much faster than the picture: thousands of boxes take
        minutes and gigabytes, and the result is too large to read.
    Example:
        layoutc render generated.kl -o map.svg     # 2,000 regions in one space
    Fix:
        layoutc render generated.kl --space virtual -o virtual.svg, or -o map.dot
    """
    return ()


@rule("L013", "graphviz-too-slow", Severity.ERROR, stage="front")
def graphviz_too_slow(ctx=None):
    """Graphviz `dot` was stopped past 20 s of CPU (`--dot-timeout`), 3 times that of wall time, or 1 GiB.

    The limits apply to one picture; the wall-clock one backs up the CPU one on a loaded machine.

    What it does:
        Kills `dot` and reports which limit it reached; nothing is written, the exit status is 2.
    Why it matters:
        A few hundred spaces that map into one RAM space are a small layout, but `dot` orders
        their arrows for minutes and gigabytes; a render in a build must not hang it.
    Example:
        layoutc render many-mappings.kl -o map.svg
    Fix:
        layoutc render many-mappings.kl --space virtual -o map.svg, --dot-timeout 120, or -o map.dot
    """
    return ()


@rule("L014", "too-many-tokens", Severity.ERROR, stage="front")
def too_many_tokens(ctx=None):
    """A layout of more than 3,000,000 tokens (all its files together).

    A token is a word, number, string or operator; comments and blanks are not tokens.

    What it does:
        Reports the first token past the limit.  A file with more characters than the tokens it may
        still have is counted before it is parsed, so one past the limit is refused in the time a
        scan takes (about a second for 3 MB) without building anything; the file is then treated
        like one that does not parse.
    Why it matters:
        Memory grows with the tokens, not the bytes: every token becomes a syntax-tree node or a
        position, 100 to 130 bytes of memory each.  The limit keeps any file under about 400 MB
        (the densest, sums as long as L015 allows, 351 MB at the limit; 16 MiB of them, which the
        size limit admits, would be 16 million tokens and about 2 GB), and still takes 100,000
        generated regions with attributes (2.8 million tokens).
    Example:
        a generated file with millions of operators or regions
    Fix:
        Describe uniform ranges as one region, or split the generated part into its own layout.
    """
    return ()


@rule("L015", "list-too-long", Severity.ERROR, stage="front")
def list_too_long(ctx=None):
    """A list within one construct of more than 10,000 items.

    The lists: the operands of one expression (`a + b * c - d` has four), the arguments of one
    call, the arms of one `match` and the patterns of one arm, the members of one `choice`, the
    banks of one value, and the parts of one dotted name.

    What it does:
        Stops reading at the item past the limit, before building the rest of the list; the file
        is then treated like one that does not parse.
    Why it matters:
        A real layout's lists have a few dozen items.  A list of millions is generated or hostile,
        and each item costs memory and time in every stage that walks it; the longest list is the
        cheapest place to stop such a file, long before its token count does (L014).
    Example:
        const X = 1 + 1 + 1 + ... 20,000 times
    Fix:
        Name parts of it as constants; describe adjacent banks as one.
    """
    return ()


@rule("L016", "banner-too-long", Severity.ERROR, stage="front")
def banner_too_long(ctx=None):
    """A boot banner of more than 256 lines in a log (`import`, `check --against`, `banner --against`).

    What it does:
        Reads the banner's first 256 lines and reports the next one; nothing is imported or compared.
    Why it matters:
        The kernel prints a few dozen banner lines (the captures in tests/data/banners: under 40).
        Hundreds of thousands of banner-shaped lines are generated or hostile, and each line read
        is an entry every later stage walks.
    Example:
        a log with 300,000 `vector : 0xffff0000 - 0xffff1000 (4 kB)` lines after its header
    Fix:
        Paste the lines of one boot's banner.
    """
    return ()
