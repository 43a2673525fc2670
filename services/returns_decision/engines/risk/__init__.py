"""Returns risk engine: LightGBM fraud and wardrobing scores on the C API fast path.

Typical use by the service (one instance per worker process, on its event-loop thread)::

    scorer = ReturnRiskScorer(registry_root)  # scorer.py
    scorer.load()                       # at start-up; raises RiskModelError
    assessment = scorer.assess(risk_input, top_k=3)  # top features by path attribution
    await scorer.maybe_reload_in_thread()  # every second or so, from the event loop

``features.py`` and ``artifact.py`` are the feature definition and the on-disk model
format: training (``models.returns``) imports them from here, so the two never drift.
"""
