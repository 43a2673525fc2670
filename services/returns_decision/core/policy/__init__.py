"""Return policies as data: the document model, reading and validating the YAML, the
facts rules test, resolving matched rules into outcomes, and simulation. Compiling and
evaluating policies is the rules engine's work (engines/rules)."""
