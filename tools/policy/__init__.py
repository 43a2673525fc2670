"""`python -m tools.policy`: validate, simulate and time return policy documents."""
