"""The store's database: SQLite embedded or PostgreSQL shared, one schema, versioned migrations.

Entry points: `versioning.open_database` (open, create or upgrade, refuse what is not ours),
`database.StoreConfig` (where it lives, its timeouts), `database.Database` (transactions, errors as
StoreError), `schema` (the tables).
"""
