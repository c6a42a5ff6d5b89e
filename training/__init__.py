"""EQM training package."""
