"""Coverage-guided fuzzing (atheris) of what reads untrusted input: docs/security.md."""
