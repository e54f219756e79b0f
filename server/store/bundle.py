"""The data stores the chat features use, passed around as one bundle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from common.db.fast import Fast
from server.auth.passwords import PasswordHasher
from server.settings import SigninLimits
from server.store.absences import AbsenceStore
from server.store.agents import AgentStore
from server.store.conversations import ConversationStore
from server.store.history import HistoryStore
from server.store.invites import InviteStore
from server.store.labels import LabelStore
from server.store.messages import MessageStore
from server.store.preferences import PreferenceStore
from server.store.reads import ReadStore
from server.store.sessions import SessionStore
from server.store.settings import SettingsStore
from server.store.signins import SigninThrottle
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
    invites: InviteStore
    signins: SigninThrottle
    reads: ReadStore
    preferences: PreferenceStore
    history: HistoryStore
    labels: LabelStore

    @classmethod
    def open(
        cls, engine: AsyncEngine, fast: Fast, session_seconds: float, signin_limits: SigninLimits
    ) -> Stores:
        hasher = PasswordHasher()
        return cls(
            agents=AgentStore(engine, hasher),
            visitors=VisitorStore(engine, fast),
            conversations=ConversationStore(engine, fast),
            messages=MessageStore(engine, fast),
            settings=SettingsStore(engine),
            sessions=SessionStore(engine, fast, session_seconds),
            absences=AbsenceStore(engine),
            invites=InviteStore(engine, hasher),
            signins=SigninThrottle(engine, signin_limits),
            reads=ReadStore(engine),
            preferences=PreferenceStore(engine),
            history=HistoryStore(engine),
            labels=LabelStore(engine),
        )
