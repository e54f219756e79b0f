"""Agent assist: knowledge base, embeddings and retrieval (see docs/assist.md)."""
