"""The decision log: every decision's scored feature rows, scores and outcome, written to
partitioned Parquet off the request path, and the outcomes learned later (docs/decision-log.md).

``schema.py`` names the columns and files, and is what training (``models.returns.decisions``)
reads them by; ``records.py`` turns a decision into rows; ``writer.py`` runs the writer
thread; ``index.py`` holds the SQLite index of logged lines and their outcomes.
"""
