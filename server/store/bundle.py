"""The data stores the chat features use, passed around as one bundle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from server.auth.passwords import PasswordHasher
from server.store.absences import AbsenceStore
from server.store.agents import AgentStore
from server.store.conversations import ConversationStore
from server.store.history import HistoryStore
from server.store.labels import LabelStore
from server.store.messages import MessageStore
from server.store.sessions import SessionStore
from server.store.settings import SettingsStore
from server.store.visitors import VisitorStore


@dataclass(frozen=True)
class Stores:
    agents: AgentStore
    visitors: VisitorStore
    conversations: ConversationStore
    messages: MessageStore
    settings: SettingsStore
    sessions: SessionStore
    absences: AbsenceStore
    history: HistoryStore
    labels: LabelStore

    @classmethod
    def open(cls, engine: AsyncEngine, session_seconds: float) -> Stores:
        return cls(
            agents=AgentStore(engine, PasswordHasher()),
            visitors=VisitorStore(engine),
            conversations=ConversationStore(engine),
            messages=MessageStore(engine),
            settings=SettingsStore(engine),
            sessions=SessionStore(engine, session_seconds),
            absences=AbsenceStore(engine),
            history=HistoryStore(engine),
            labels=LabelStore(engine),
        )
