"""Triage engines: one class per model runtime, each with `load()` and `predict()`."""
