"""The public contract outside dbt: the `api` schema's reference (README.md) and, in time, a small
read-only Python client. The `api` views are dbt models (dbt_project/models/api); the `api` SQL
functions are created by alembic revisions.
"""
