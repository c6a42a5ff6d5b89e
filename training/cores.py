"""Every core for training.

`brain.analytics.service.Analytics` caps BLAS and OpenMP at one thread for the whole process
(its small matrices only contend for threads), and torch's CPU kernels run on that OpenMP
pool: a model trained after an analysis in the same process (the corpus step of a build,
feedback training in the server) ran on one core: the default model's 4,188 steps took
1,256 s so, and 895 s on two.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits


def all_cores() -> threadpool_limits:
    """A context in which BLAS and OpenMP (torch's CPU threads) may use every core again."""
    return threadpool_limits(limits=os.cpu_count() or 1)
