"""layoutc's own fuzzer: `python -m fuzz --inputs 100000` (see fuzz/README.md)."""
