"""Questions people ask, generated per intent with varied phrasing, from a seeded Random.

A small model trained from scratch learns only the wording it sees, so each question is
composed from independent parts: an opener, a request form, the intent's own carrier
phrase (spelled with every cue word the planner reads for that intent), the person's
metrics under any of their names, a period as people say it, a closer, sometimes a
sentence of context first, and now and then a typo. The student should learn that the cue,
the metric and the period decide the call, and that everything around them does not.

Each `Question` carries the text the student sees (typos and all) and the clean text the
teacher plans from, so a typo teaches robustness instead of changing the plan. `intent`
names the tool the question is meant to reach (or the non-tool plan kind); `question()`
redraws any question whose plan misses its intent, metrics or memory query, so a carrier
that the planner would read another way never teaches the student a wrong call.

The parts, a module each: `drafts` (the records and the helpers generators share), `words`
(the metrics' names), `periods`, `questions` (the analysis intents), `lookups` (the journal,
fixed-phrase intents, someone else's data), `sensitive` (diagnosis, crisis, small talk),
`multi` (two questions in one message), `dressing` (what goes around a question),
`intents` (the generators' registry and `question()`) and `follow_ups`.
"""

from training.teacher.phrasing.drafts import Question
from training.teacher.phrasing.follow_ups import follow_up
from training.teacher.phrasing.intents import question

__all__ = ["Question", "follow_up", "question"]
