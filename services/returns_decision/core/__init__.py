"""Returns decision core: plain typed Python (no grpc, durable_rules or LightGBM).

The request and decision types, request validation, the decision itself, the economics
of each resolution, the policy document model and its validation, simulation, and the
core object the servicer awaits (``returns.ReturnsCore``). What it needs from the rules
engine and the risk models it names as protocols (``interfaces``).
"""
