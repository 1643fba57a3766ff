"""Database helpers of the core: where PostgreSQL and SQLite differ (dialects.py) and how
pooled connections are kept (connections.py). The extensions themselves, the models' base
and the UTC datetime type are in coop/extensions.py."""
