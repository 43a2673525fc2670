"""The load harness (make loadtest, python -m loadtest): Locust with gRPC users against the
three services and the support desk, seeded request mixes, an HTML/CSV/JSON report, SLO
gates and an overload phase. docs/loadtest.md tells how to run it and read it.

Locust is only ever imported by loadtest/locustfile.py, in a process of its own."""
