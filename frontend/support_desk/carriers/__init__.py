"""Carrier exception codes explained in plain words: one JSON table per carrier."""
