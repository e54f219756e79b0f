"""Everything the Socket.IO namespaces need, built once per app."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from server.auth.visitor_tokens import VisitorTokens
from server.chat.attention import Attention
from server.chat.background import Background
from server.chat.broadcast import Broadcaster
from server.chat.delivery import Delivery
from server.chat.grace import GracePeriods
from server.chat.limits import ConnectionLimits
from server.chat.presence import Presence
from server.chat.routing import Router
from server.chat.signals import Signals
from server.chat.suggestions import Suggestions
from server.chat.team import Team
from server.metrics import Metrics
from server.origins import OriginPolicy
from server.settings import Settings
from server.store.bundle import Stores


@dataclass(frozen=True)
class ChatContext:
    settings: Settings
    stores: Stores
    presence: Presence
    signals: Signals
    broadcaster: Broadcaster
    router: Router
    team: Team
    delivery: Delivery
    suggestions: Suggestions
    grace: GracePeriods
    tokens: VisitorTokens
    origins: OriginPolicy
    metrics: Metrics
    background: Background
    attention: Attention

    @cached_property
    def limits(self) -> ConnectionLimits:
        """The rate limits of both namespaces' sockets (socket ids are unique across namespaces).

        One object, reachable from the context, so a test can hand it a clock (``limits.clock``).
        """
        return ConnectionLimits(self.settings.events_per_second, self.settings.events_burst)

    def connection_limits(self) -> ConnectionLimits:
        return self.limits
