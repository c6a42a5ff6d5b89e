"""EQM's brain: deterministic analytics over one person's daily timeline.

brain/ is a plain library. It knows nothing of tools, agents or HTTP: importers turn
real exports into raw records, the store keeps them per person, and the timeline
derives one row per day and metric from them.
"""
