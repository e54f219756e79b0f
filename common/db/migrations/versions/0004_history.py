"""conversation history: labels, and full-text search over message text

Revision ID: 0004
Revises: 0003

The search index is the database's own: an FTS5 table kept by triggers on SQLite, a generated
tsvector column with a GIN index on PostgreSQL (server/store/search.py reads both). System events
are left out: "Grace joined the chat" would otherwise match every search for "Grace".
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# ASCII punctuation splits words as SQLite's unicode61 tokenizer does ("ada@example.com" is three
# words on both databases); PostgreSQL's own parser would keep an email or URL as one token.
# A stored column, not an expression index: a row is checked without recomputing its vector (the
# newest-first walk for common words reads many), and ANALYZE keeps word statistics on it, so the
# planner knows a rare word (use the index) from a common one (walk newest first).
PG_SEARCH_COLUMN = (
    "ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "CASE WHEN type <> 'event' THEN to_tsvector('simple', regexp_replace(text, '[[:punct:]]', ' ', 'g')) END"
    ") STORED"
)

SQLITE_FTS = [
    # External content: the text is stored once, in messages; the index holds only the terms.
    # prefix='3': a search word of three letters is one lookup, not a merge of every word it starts.
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='3')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.type != 'event' BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.type != 'event' BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE type != 'event'",
]


def upgrade() -> None:
    op.create_table(
        "conversation_labels",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "label"),
    )
    op.create_index("ix_conversation_labels_label", "conversation_labels", ["label", "conversation_id"])
    op.create_index("ix_conversations_created_at", "conversations", ["created_at"])
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(PG_SEARCH_COLUMN)
        # More of the most common words counted: estimates for middling words stay near the truth.
        op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET STATISTICS 1000")
        op.execute("CREATE INDEX ix_messages_search ON messages USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER messages_fts_delete")
        op.execute("DROP TRIGGER messages_fts_insert")
        op.execute("DROP TABLE messages_fts")
    else:
        op.execute("DROP INDEX ix_messages_search")
        op.execute("ALTER TABLE messages DROP COLUMN search_vector")
    op.drop_index("ix_conversations_created_at", "conversations")
    op.drop_index("ix_conversation_labels_label", "conversation_labels")
    op.drop_table("conversation_labels")
