"""The support desk: the project's reference channel frontend (web chat, e-mail webhook,
agent console, JSON API) over the returns_decision, triage and translation services."""
