"""The patterns of things found in customer text that every service treats alike: web
addresses and e-mail addresses. Redaction masks them, translation passes them through
untranslated, triage's text features replace them with placeholders."""

from __future__ import annotations

import re

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
