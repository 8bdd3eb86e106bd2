"""Use cases: the only writer of state. Every front door (CLI, REST, Python API) calls these."""
