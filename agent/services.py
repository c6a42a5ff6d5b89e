"""The one place that wires EQM together: every service a request may touch, opened once per
process from one settings object, over one database engine. The API server, the eval runner
and the benchmarks open it; the command line opens the part it needs (`ToolContext.open`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agent.accounts import Accounts
from agent.completions import CompletionLog
from agent.config import AgentSettings
from agent.conversations import ChatService, open_checkpointer
from agent.jobs import TrainingJobs
from agent.routing import ModelRouter
from brain.store import Store
from tools import ToolContext
from tools.memories import MemoryStore, sync_memories
from tools.safety import SafetyCheck

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request may touch, opened once per process."""

    settings: AgentSettings
    tools: ToolContext  # the store, memory search and embedder the tools run against
    accounts: Accounts
    completions: CompletionLog
    chat: ChatService
    jobs: TrainingJobs
    router: ModelRouter

    @classmethod
    def open(cls, settings: AgentSettings, *, memories: MemoryStore | None = None) -> Services:
        """Open every service `settings` names; `memories` replaces the configured store."""
        tools = ToolContext.open(settings, memories=memories)
        engine = tools.analytics.store.engine  # one engine (and pool) for every table
        accounts = Accounts(engine)
        completions = CompletionLog(engine)
        chat = ChatService(
            settings,
            tools,
            completions,
            open_checkpointer(settings),
            SafetyCheck.load(settings.cache_dir, progress=log.info),
            accounts.audit,
        )
        return cls(
            settings,
            tools,
            accounts,
            completions,
            chat,
            TrainingJobs(engine),
            ModelRouter(settings),
        )

    @property
    def store(self) -> Store:
        return self.tools.analytics.store

    def sync_memories(self, person: str) -> int:
        """Index `person`'s new journal notes for memory search; returns how many were added."""
        return sync_memories(self.store, self.tools.memories, self.tools.embedder, person)

    def close(self) -> None:
        self.tools.close()  # the store's engine too, which accounts, completions and jobs share
