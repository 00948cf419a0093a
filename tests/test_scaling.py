"""Work that must grow linearly with the input (issue 10): each case counts the steps of the part that
was quadratic on a shape an adversarial review found, rather than timing it (timings live in
benchmarks/).  On the old code each count grows with the square of the input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from layoutc.model import intervals


@given(st.lists(st.tuples(st.integers(-50, 100), st.integers(-5, 40)), max_size=40),
       st.integers(-60, 110), st.integers(-5, 40))
def test_the_intervals_meeting_a_query_are_those_a_scan_finds(pairs, start, length):
    bounds = sorted((a, a + n) for a, n in pairs)
    end = start + length
    found = list(intervals.ByStart(bounds).meeting(start, end))
    scanned = [i for i in range(len(bounds) - 1, -1, -1) if start < end and bounds[i][0] < end and bounds[i][1] > start]
    assert found == scanned


def _counting(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_regions_beside_a_long_hole_are_not_compared_with_every_short_one(load_kl, monkeypatch):
    """B304 walked back over every hole that starts before a region while a long hole before them all
    reached it: 2,000 regions and holes, 4 million comparisons (4,000: 6 s)."""
    n = 2000
    holes = ['hole [0, 1 << 60) "long"'] + [f'hole [{i}, +1) ""' for i in range(1, n)]
    empty = [f"region e{i} [1 << 50, 1 << 50)" for i in range(n)]  # meet no hole, and make no finding
    text = "space s bits 64 {\n" + "\n".join(holes + empty) + "\n}\n"
    from layoutc.rules import bounds

    calls = _counting(monkeypatch, bounds.intervals, "intersection")
    result = load_kl(text)
    assert not [d for d in result.diagnostics if d.code == "B304"]
    assert calls[0] <= n


def test_the_first_allow_that_covers_a_finding_waives_it_whatever_its_scope(load_kl):
    """Waivers are looked up by rule and scope now (every waiver for every finding, with a space's
    region names gathered again each time, was cubic: 2,000 of them over 2,000 regions took 11 s);
    the reason shown is still the first covering `allow`'s, in the order they are written."""
    text = """
allow O401 ""
space other bits 64 {
    allow O401 "other space"
    region x [0, 4K)
    region y [0, 4K)
}
space s bits 64 {
    allow region-overlap "the space"
    region a [0, 4K) {
        allow O401 "region a"
    }
    region b [0, 4K)
}
allow O401 "the file"
"""
    result = load_kl(text)
    reasons = {tuple(sorted(d.regions)): d.waiver for d in result.waived if d.code == "O401"}
    assert reasons == {("x", "y"): "other space", ("a", "b"): "the space"}, reasons
    moved = text.replace('allow region-overlap "the space"\n', "")
    reasons = {tuple(sorted(d.regions)): d.waiver for d in load_kl(moved).waived if d.code == "O401"}
    assert reasons == {("x", "y"): "other space", ("a", "b"): "region a"}, reasons
    alone = moved.replace('allow O401 "other space"\n', "").replace('        allow O401 "region a"\n', "")
    reasons = {tuple(sorted(d.regions)): d.waiver for d in load_kl(alone).waived if d.code == "O401"}
    assert reasons == {("x", "y"): "the file", ("a", "b"): "the file"}, reasons


def test_a_description_of_variants_names_a_few_values_and_counts_the_rest():
    """Every finding of a --matrix report says which variants have it: 199 of 200 long choice members
    named in each of 100 findings made 7.8 MB from a 29 KB layout (an adversarial review)."""
    from layoutc.session import describe_variants

    members = [f"m{i}" for i in range(20)]
    variants = [{"c": m, "b": b} for m in members for b in ("false", "true")]
    all_but_first = {i for i, v in enumerate(variants) if v["c"] != "m0"}
    assert describe_variants({"c": members, "b": ["false", "true"]}, variants, all_but_first) == \
        "c in {m1, m2, m3, m4, m5, m6, m7, m8, and 11 more}"
    few = {i for i, v in enumerate(variants) if v["c"] in ("m1", "m2")}
    assert describe_variants({"c": members, "b": ["false", "true"]}, variants, few) == "c in {m1, m2}"
    # split by `b`: two boxes, each naming a few members
    scattered = {i for i, v in enumerate(variants) if (v["c"] != "m0") == (v["b"] == "true") and v["c"] != "m0"}
    scattered |= {variants.index({"c": "m0", "b": "false"})}
    text = describe_variants({"c": members, "b": ["false", "true"]}, variants, scattered)
    assert text == "(c=m0 and b=false) or (c in {m1, m2, m3, m4, m5, m6, m7, m8, and 11 more} and b=true)"


def test_a_param_s_provenance_names_its_default_and_last_sets_and_counts_the_rest(load_kl):
    """A failing assert's note quoted every `set` of the params it reads: 10,000 of them, in each of 100
    findings, made 34 MB of report from 82 KB (an adversarial review)."""
    sets = "".join(f"set p = {i}\n" for i in range(1, 11))
    result = load_kl("param p: int = 0\n" + sets + 'assert p == 0 : "p"\n')
    (finding,) = [d for d in result.diagnostics if d.code == "U901"]
    (note,) = [n for n in finding.notes if n.startswith("p = ")]
    assert "default `0`" in note and "7 more `set`s" in note
    assert [part.split("`")[1] for part in note.split("; ")[2:]] == ["8", "9", "10"]


@given(st.lists(st.tuples(st.sampled_from(["linear", "vmalloc"]), st.integers(0, 40), st.integers(0, 6)),
                min_size=1, max_size=12))
def test_guard_gaps_are_found_by_search_as_by_comparing_every_pair(regions):
    """K608 searches the linear maps near each vmalloc area instead of comparing every pair; the
    findings must be the pairs a walk over all of them finds."""
    from layoutc.session import load_layout

    page = 4096
    lines = [f"region r{i} [{start * page // 2}, +{size * page // 2}) {{ kind = {kind} }}"
             for i, (kind, start, size) in enumerate(regions)]
    text = "layout t { page_size = 4K }\nspace virtual bits 32 {\n" + "\n".join(lines) + "\n}\n"
    result = load_layout("<gaps>", text=text.encode())
    found = sorted(d.regions for d in result.diagnostics if d.code == "K608")
    known = [(f"r{i}", kind, s * page // 2, (s + n) * page // 2) for i, (kind, s, n) in enumerate(regions)]
    expected = []
    for vm, _, vs, ve in (r for r in known if r[1] == "vmalloc"):
        for lin, _, ls, le in (r for r in known if r[1] == "linear"):
            gap = vs - le if le <= vs else ls - ve if ve <= ls else None
            if gap is not None and gap < page:
                expected.append((lin, vm))
    assert found == sorted(expected)
