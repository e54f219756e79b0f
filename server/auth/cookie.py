"""The agent session cookie's name: read by the sign-in API and by agent sockets."""

COOKIE_NAME = "tandem_session"
