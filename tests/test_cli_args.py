"""Options anywhere on the command line, as `gcc -D X file.c` taught: before, between and after the
positional arguments of every subcommand, with `--` ending the options.

Each subcommand is parsed in every order and the results compared; a real run then shows the
option took effect wherever it stood (the header changes with `-D vmsplit=2G`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from layoutc.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
ARM32 = str(REPO / "layouts" / "arm32.kl")

# subcommand -> (positionals, options); options are groups that stay together (`-D NAME=VALUE`)
COMMANDS: dict[str, tuple[list[str], list[list[str]]]] = {
    "check": (["a.kl", "b.kl"], [["-D", "highmem=false"], ["--matrix"], ["--select", "O401"]]),
    "show": (["a.kl"], [["-D", "vmsplit=2G"], ["--space", "virtual"]]),
    "rules": ([], []),
    "explain": (["O401"], []),
    "completion": (["bash"], []),
    "lsp": ([], [["--stdio"]]),
    "verify": (["a.kl"], [["--qemu"], ["--seed", "3"], ["-D", "ram=2G"]]),
    "banner": (["a.kl"], [["-D", "kernel=4.19"], ["--against", "boot.log"]]),
    "import": (["boot.log"], [["-o", "board.kl"], ["--color", "never"]]),
    "render": (["a.kl"], [["-o", "a.svg"], ["--scale", "log"], ["-D", "highmem=false"]]),
    "sim": (["a.kl"], [["-D", "ram=2G"], ["--seed", "3"], ["--ptdump"]]),
    "build": (["a.kl"], [["-o", "out"], ["--check"], ["-D", "vmsplit=2G"]]),
    "emit": (["header", "a.kl"], [["-D", "vmsplit=2G"], ["-o", "a.h"], ["--prefix", "ARM"]]),
}


def _subcommands() -> set[str]:
    parser = build_parser()
    return {name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices}


def test_every_subcommand_is_covered():
    assert set(COMMANDS) == _subcommands(), "add the new subcommand to COMMANDS"


def _orders(positionals: list[str], options: list[list[str]]) -> dict[str, list[str]]:
    flat = [word for group in options for word in group]
    orders = {"before": flat + positionals, "after": positionals + flat}
    for cut in range(1, len(positionals)):  # options between two positionals
        orders[f"between{cut}"] = positionals[:cut] + flat + positionals[cut:]
    if len(options) > 1 and positionals:  # options on both sides of the positionals
        orders["around"] = options[0] + positionals + [w for group in options[1:] for w in group]
    return orders


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_options_anywhere(command):
    positionals, options = COMMANDS[command]
    parser = build_parser()
    parsed = {name: vars(parser.parse_args([command, *argv])) for name, argv in _orders(positionals, options).items()}
    first = parsed["before"]
    assert all(value == first for value in parsed.values()), parsed
    # and the words landed where they belong: positionals are not taken for option values
    dests = [action.dest for action in _positional_actions(parser, command)]
    got = [value for dest in dests for value in (first[dest] if isinstance(first[dest], list) else [first[dest]])]
    assert got == positionals


def _positional_actions(parser, command):
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [action for action in sub.choices[command]._actions if not action.option_strings]


def test_double_dash_ends_options():
    parser = build_parser()
    args = parser.parse_args(["check", "-D", "x=1", "--", "-odd.kl", "b.kl"])
    assert args.files == ["-odd.kl", "b.kl"] and args.defines == ["x=1"]
    args = parser.parse_args(["emit", "header", "-D", "x=1", "--", "-odd.kl"])
    assert (args.kind, args.file, args.defines) == ("header", "-odd.kl", ["x=1"])


def test_unknown_option_is_still_a_usage_error(cli):
    code, _, err = cli("check", ARM32, "--no-such-option")
    assert code == 2 and "--no-such-option" in err


def test_define_after_the_command_word_takes_effect(cli):
    """The issue's own example: `emit header -D vmsplit=2G layouts/arm32.kl`."""
    code, between, err = cli("emit", "header", "-D", "vmsplit=2G", ARM32)
    assert code == 0, err
    _, after, _ = cli("emit", "header", ARM32, "-D", "vmsplit=2G")
    _, plain, _ = cli("emit", "header", ARM32)
    assert between == after != plain
    assert "0x80000000" in between  # CONFIG_VMSPLIT_2G: PAGE_OFFSET 0x80000000 (arch/arm/Kconfig)


def test_check_with_a_define_between_files(cli, tmp_path):
    # `mods` overlaps `lowmem` only with highmem=false
    (tmp_path / "a.kl").write_text("param highmem: bool = true\nspace virtual bits 32 {\n"
                                   "  region mods [0xBF00_0000, +(if highmem then 14M else 18M))\n"
                                   "  region lowmem [0xC000_0000, +256M)\n}\n", encoding="utf-8")
    (tmp_path / "b.kl").write_text("param highmem: bool = true\nspace virtual bits 32 {\n"
                                   "  region low [0x1000, +(if highmem then 4K else 8K))\n}\n", encoding="utf-8")
    a, b = str(tmp_path / "a.kl"), str(tmp_path / "b.kl")
    code, out, _ = cli("check", a, "-D", "highmem=false", b)
    assert code == 1 and "O401" in out
    assert cli("check", a, b, "-D", "highmem=false")[:2] == (code, out)
    assert cli("check", a, b)[0] == 0


@pytest.mark.parametrize("name", ["check", "show", "rules", "explain", "completion"])
def test_a_run_parses_with_the_same_subcommand_as_the_whole_command_line(name):
    """A run of a built-in subcommand builds only that one (start-up): it must be the same definition."""

    def definition(parser: argparse.ArgumentParser) -> list[tuple]:
        (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return [(a.option_strings, a.dest, a.nargs, a.default, a.choices, a.help) for a in action.choices[name]._actions]

    from layoutc.cli import BUILTIN

    assert name in BUILTIN
    assert definition(build_parser(only=name)) == definition(build_parser())


@pytest.mark.parametrize("columns", ["57", "120", "", "junk"])
def test_help_is_as_wide_as_argparse_makes_it(monkeypatch, columns):
    """cli's formatter only avoids importing shutil: the help must wrap exactly as argparse's own."""
    import layoutc.cli as cli

    monkeypatch.setenv("COLUMNS", columns)
    ours = build_parser(only="check")
    monkeypatch.setattr(cli, "_Formatter", argparse.HelpFormatter)
    monkeypatch.setattr(cli._Parser, "__init__", argparse.ArgumentParser.__init__)
    theirs = build_parser(only="check")
    for mine, reference in ((ours, theirs), *zip(_subparsers(ours), _subparsers(theirs))):
        assert mine.format_help() == reference.format_help()


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [p for a in parser._actions if isinstance(a, argparse._SubParsersAction) for p in a.choices.values()]
