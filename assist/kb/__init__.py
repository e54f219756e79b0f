"""The knowledge base: parsing help articles, splitting them into passages, storing them."""
