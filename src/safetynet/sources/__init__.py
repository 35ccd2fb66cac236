"""Partners' lists: sources, imports, column mapping, standardisation and validation."""
