"""Returns decision engines: the model runtimes behind the core's protocols.

``rules``: durable_rules (policy compiler, compiled rulesets, the hot-reloading policy
store). ``risk``: the LightGBM fraud and wardrobing models (feature definition, artifact
format, registry pointer, watcher, scorer).
"""
