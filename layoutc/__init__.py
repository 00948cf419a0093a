"""layoutc: a declarative memory-layout compiler and linter for kernel and board bring-up."""

__version__ = "0.1.0"
