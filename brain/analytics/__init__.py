"""Deterministic analyses over one person's data, each returning a typed result with its
numbers, `n`, the method, caveats and a one-sentence summary built from those numbers.

Modules import their heavy libraries (statsmodels, DoWhy, scikit-learn) themselves, so
importing this package stays cheap; `service.Analytics` runs analyses with a cache.
"""
