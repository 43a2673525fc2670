"""The desk's replies: English templates with protected placeholders, translated at send time."""
