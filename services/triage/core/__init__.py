"""Triage core: plain typed domain logic on top of the engines (no grpc)."""
