"""Return policies as data: YAML schema and validation, compilation to durable_rules,
evaluation, and the versioned, hot-reloadable policy store.

Import the modules themselves (`policy.store`, `policy.validation`, ...); this package
re-exports nothing so that importing one part never drags in durable_rules.
"""
