"""Translation evaluation: the service against raw Apertium (``python -m models.translation``)."""
