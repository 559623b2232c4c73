"""The engine's core: settings, database connection, embedded cluster, migrations and the CLI."""
