"""The Typer layer: one module per command; each parses options, calls the core, renders."""
