"""The guard and assignment expression language (filled in by the expr modules)."""
