"""EQM tools package."""
