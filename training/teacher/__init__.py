"""EQM's deterministic teacher: plans tool calls for a question, runs them, answers from the
results; the corpus it writes is what the small default model is distilled from."""

from tools.prompt import SYSTEM_PROMPT
from training.teacher.answers import answer
from training.teacher.corpus import build_corpus, corpus_hash
from training.teacher.planner import Plan, ToolCall, plan

__all__ = ["SYSTEM_PROMPT", "Plan", "ToolCall", "answer", "build_corpus", "corpus_hash", "plan"]
