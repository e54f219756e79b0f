"""Several server processes: the Redis and PostgreSQL implementations of the chat's live-state
interfaces, chosen once from the settings by the app factory. Nothing below imports this."""
