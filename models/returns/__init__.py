"""Returns risk models: features, synthetic data, training, evaluation, registry."""
