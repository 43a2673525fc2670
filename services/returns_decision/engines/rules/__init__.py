"""Policies on durable_rules: compiled into rulesets, matched, hot-reloaded."""
