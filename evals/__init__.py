"""EQM evals package."""
