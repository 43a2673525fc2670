"""Translation engines behind one small interface (``base.TranslationEngine``)."""
