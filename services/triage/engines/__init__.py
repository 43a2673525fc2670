"""Triage engines: one class per model runtime, each with `load()` and `predict()`.

This package is also the one place for what serving and training share: the artifact
layout, file names and save/load (`artifacts`), the text features (`text_features`) and
the model classes (`intent_model`, `sentiment_model`). `models.triage` imports them to
train; nothing under `services/` imports `models`, and the service never trains.
"""
