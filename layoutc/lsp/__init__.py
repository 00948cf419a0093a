"""`layoutc lsp`: the language server for `.kl` files (an optional extra, `pip install layoutc[lsp]`).

Only ``server.py`` imports pygls; the other modules are plain functions over
the pipeline's own data (AST, model, diagnostics), so the server adds no
second evaluator: it runs the session, the elaborator and the rules as
`layoutc check` does and reads provenance as `layoutc show --explain` prints it.

    commands.py  the `lsp` subcommand (cheap to import: cli.EXTENSIONS)
    index.py     definitions and references of one layout's files (from the AST)
    document.py  one open layout checked: diagnostics, index, --matrix values
    hover.py     hover text: value, formula, provenance, values per variant
    complete.py  completion candidates from the text before the cursor
    fixes.py     code actions from the diagnostics' `help:` texts that are edits
    server.py    the pygls server: LSP types, debounced checks, open overlays
"""
