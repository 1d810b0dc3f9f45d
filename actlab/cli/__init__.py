"""The `actlab` command line (Typer + Rich): thin wrappers around the library."""
