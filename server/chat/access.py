"""Who may read and who may act on what: the one access rule that the sockets and HTTP both ask.

docs/protocol.md (Access) shows this table to client writers; tests/chat/test_access_rules.py
holds the two to each other. Visitors reach only their own conversation through their signed
token, so a visitor's rights are no question for this module: another visitor's conversation
looks exactly like a missing one (``not_found``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from server.chat.errors import ChatError
from server.store.history import Scope
from server.store.models import QUEUED, Agent, Conversation

Action = Literal[
    "conversation.read",  # sync, visitor.get, conversation.watch, GET /api/conversations/{id}/transcript
    "conversation.list",  # GET /api/conversations, /api/conversations/search, /api/labels
    "conversation.label",  # POST, DELETE /api/conversations/{id}/labels
    "conversation.reopen",  # conversation.reopen
    "conversation.act",  # message.send, typing, conversation.transfer, assist.feedback
    "conversation.close",  # conversation.close
    "conversation.take",  # conversation.take (routing answers not_queued once someone has it)
    "conversation.take_over_capacity",  # conversation.take with "over_capacity": true
    "canned.read",  # GET /api/canned
    "kb.search",  # assist.search, GET /api/admin/kb/search
    "team.manage",  # /api/admin/agents
    "settings.manage",  # /api/admin/settings
    "canned.manage",  # /api/admin/canned
    "kb.manage",  # /api/admin/kb (list, read, upload, delete)
    "assist.report",  # /api/admin/assist/report
]
ACTIONS: tuple[Action, ...] = get_args(Action)

Rule = Callable[[Agent, Conversation | None], bool]


def _any_agent(_agent: Agent, _conv: Conversation | None) -> bool:
    return True


def _admin(agent: Agent, _conv: Conversation | None) -> bool:
    return agent.is_admin


def _holder(agent: Agent, conv: Conversation | None) -> bool:
    return conv is not None and conv.agent_id == agent.id


def _holder_or_admin(agent: Agent, conv: Conversation | None) -> bool:
    return _holder(agent, conv) or agent.is_admin


def _reader(agent: Agent, conv: Conversation | None) -> bool:
    # A queued chat is anyone's to look at before taking it; admins oversee every chat.
    return _holder_or_admin(agent, conv) or (conv is not None and conv.status == QUEUED)


RULES: dict[Action, tuple[Rule, str]] = {
    "conversation.read": (_reader, "its agent; any agent while it is queued; admins"),
    "conversation.list": (_any_agent, "any agent, each seeing the conversations they may read"),
    "conversation.label": (_reader, "its agent; any agent while it is queued; admins"),
    "conversation.reopen": (_holder_or_admin, "its agent; admins"),
    "conversation.act": (_holder, "its agent"),
    "conversation.close": (_holder_or_admin, "its agent; admins"),
    "conversation.take": (_any_agent, "any agent (while it is queued)"),
    "conversation.take_over_capacity": (_admin, "admins"),
    "canned.read": (_any_agent, "any agent"),
    "kb.search": (_any_agent, "any agent"),
    "team.manage": (_admin, "admins"),
    "settings.manage": (_admin, "admins"),
    "canned.manage": (_admin, "admins"),
    "kb.manage": (_admin, "admins"),
    "assist.report": (_admin, "admins"),
}


def read_scope(agent: Agent) -> Scope:
    """The conversations ``agent`` may read, as the history store asks for them: the SQL form of
    the ``conversation.read`` rule (tests/store/test_history_store.py holds the two together)."""
    return Scope() if agent.is_admin else Scope(agent.id)


def may(agent: Agent, action: Action, conv: Conversation | None = None) -> bool:
    """Whether ``agent`` may do ``action`` (on ``conv`` for the conversation actions)."""
    rule, _ = RULES[action]
    return rule(agent, conv)


def require(agent: Agent, action: Action, conv: Conversation | None = None) -> None:
    """Raise ``forbidden`` unless ``agent`` may do ``action``."""
    if not may(agent, action, conv):
        what = "The conversation is not yours" if conv is not None else "Admins only"
        raise ChatError("forbidden", what)
