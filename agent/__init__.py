"""EQM agent package."""
