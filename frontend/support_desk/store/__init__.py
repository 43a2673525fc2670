"""The order store: SQLAlchemy 2 models, the desk's reads and writes, the demo data set."""
