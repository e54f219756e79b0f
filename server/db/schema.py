"""Database tables (SQLAlchemy Core). The database is the source of truth for chats.

Times are stored as UNIX seconds (floats): portable between SQLite and PostgreSQL and cheap to
compare; the API renders them as ISO 8601.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
# The full-text search index is made by the migration in each database's own terms (an FTS5
# table and its shadow tables on SQLite; a generated tsvector column of messages and its GIN
# index on PostgreSQL), not declared here: the schema check (common/db/migrate.py) leaves these
# names alone, and the stores never write the column (PostgreSQL computes it).
metadata.info["unmanaged"] = ("messages_fts", "search_vector", "ix_messages_search")

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(10), nullable=False, server_default="agent"),
    sa.Column("capacity", sa.Integer, nullable=False, server_default="3"),
    sa.Column("status", sa.String(10), nullable=False, server_default="offline"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    # Only a hash of the token is kept: a leaked database does not leak live sessions.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

visitors = sa.Table(
    "visitors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("email", sa.String(254)),
    sa.Column("user_agent", sa.String(500)),
    sa.Column("ip", sa.String(64)),
    sa.Column("timezone", sa.String(64)),
    sa.Column("page_url", sa.String(2000)),
    sa.Column("page_title", sa.String(300)),
    sa.Column("referrer", sa.String(2000)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("visitor_id", sa.Integer, sa.ForeignKey("visitors.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), index=True),
    sa.Column("status", sa.String(10), nullable=False),
    # Requeued chats (their agent vanished) go ahead of new ones.
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ip", sa.String(64)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("queued_at", sa.Float),
    sa.Column("assigned_at", sa.Float),
    sa.Column("closed_at", sa.Float),
    sa.Column("first_response_at", sa.Float),
    sa.Index("ix_conversations_status_queue", "status", "priority", "queued_at"),
    sa.Index("ix_conversations_created_at", "created_at"),  # the history's date filter
)

# Labels an agent puts on a conversation (lower case, see server/store/labels.py).
conversation_labels = sa.Table(
    "conversation_labels",
    metadata,
    sa.Column(
        "conversation_id",
        sa.Integer,
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("label", sa.String(40), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_conversation_labels_label", "label", "conversation_id"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("client_id", sa.String(64)),
    sa.Column("type", sa.String(10), nullable=False),
    sa.Column("private", sa.Boolean, nullable=False),
    sa.Column("author_type", sa.String(10), nullable=False),
    sa.Column("author_id", sa.Integer),
    sa.Column("author_name", sa.String(100)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("event", sa.String(20)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
    # The idempotency key: a retried send finds the message it already stored.
    sa.UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(50), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)

canned_responses = sa.Table(
    "canned_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("shortcut", sa.String(40), nullable=False, unique=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# An agent with no socket anywhere who still holds chats: when those chats go back to the queue.
# A deadline in the database, not a timer in one process, so any living process requeues them.
agent_absences = sa.Table(
    "agent_absences",
    metadata,
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("deadline", sa.Float, nullable=False),
)

# An invitation to join as an agent: a link that works once, until it expires. Only a hash of its
# token is kept, as for sessions.
agent_invites = sa.Table(
    "agent_invites",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("agents.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float),
)

# Failed sign-ins, counted per key ("account:<email>", "address:<ip>") in fixed windows: in the
# database, so the limit holds whichever process a guess reaches.
signin_failures = sa.Table(
    "signin_failures",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("window_start", sa.Float, nullable=False, index=True),
    sa.Column("failures", sa.Integer, nullable=False),
)

# How far each agent has read each conversation: unread counts survive a reload and follow the
# agent to another browser. The mark only moves forward.
conversation_reads = sa.Table(
    "conversation_reads",
    metadata,
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("last_read_seq", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# What each agent wants to be told of when the console is in a background tab. No row: defaults.
agent_preferences = sa.Table(
    "agent_preferences",
    metadata,
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sound", sa.Boolean, nullable=False),
    sa.Column("desktop", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
