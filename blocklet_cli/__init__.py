"""blocklet: a fast, offline-first command-line toolkit for building Blocklets."""

__version__ = "0.1.0"
