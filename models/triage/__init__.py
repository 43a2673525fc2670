"""Training and evaluation of the triage models (`python -m models.triage --help`)."""
