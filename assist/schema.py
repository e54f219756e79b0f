"""Assist tables, on a ``metadata`` of the assist's own (created by migration 0002_assist).

Embeddings are float32 vectors stored as bytes (``numpy.ndarray.tobytes``), with the fingerprint
of the model that made them, so a changed ``TANDEM_EMBEDDING_MODEL`` re-embeds instead of mixing
vectors from two models.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

kb_articles = sa.Table(
    "kb_articles",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("url", sa.String(2000)),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("source", sa.String(1000)),
    # sha256 of id, title, body, url and tags: reloading an unchanged article is a no-op.
    sa.Column("content_hash", sa.String(64), nullable=False),
    # The title and tags embedded together: the article's "what is it about" vector.
    sa.Column("title_embedding", sa.LargeBinary, nullable=False),
    sa.Column("embedding_model", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

kb_passages = sa.Table(
    "kb_passages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "article_id",
        sa.String(200),
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("heading", sa.String(500)),
    sa.Column("text", sa.Text, nullable=False),
    # sha256 of what is embedded (title, heading, text): an edit re-embeds only what it touched.
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("embedding", sa.LargeBinary, nullable=False),
    sa.Column("embedding_model", sa.String(64), nullable=False),
    sa.UniqueConstraint("article_id", "position", name="uq_kb_passages_article_position"),
)

# (message, article) pairs learned from agents: label +1 when the agent used the article for the
# message, -1 when they dismissed it. No foreign key to the article: a pair outlives an article
# that is removed and loaded again, and pairs for unknown articles are simply not used.
assist_examples = sa.Table(
    "assist_examples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("article_id", sa.String(200), nullable=False, index=True),
    sa.Column("label", sa.SmallInteger, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("embedding", sa.LargeBinary, nullable=False),
    sa.Column("embedding_model", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# What agents saw and did with suggestions: the admin report is computed from these rows.
assist_events = sa.Table(
    "assist_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("conversation_id", sa.Integer, index=True),
    sa.Column("agent_id", sa.Integer),
    sa.Column("article_id", sa.String(200), index=True),
    sa.Column("message", sa.Text),
    sa.Column("score", sa.Float),
    # For "sent": how much the agent changed the draft, 0 (unchanged) to 1 (all of it).
    sa.Column("change_ratio", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_assist_events_kind_created", "kind", "created_at"),
)
