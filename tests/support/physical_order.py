"""How far a table's rows are from lying on disk in date order."""

from __future__ import annotations

import psycopg
from psycopg import sql

# the tables a --since build appends sessions to, which a full build writes in date order too
DAILY_TABLES = ["marts.daily_prices", "marts.factor_exposures_wide"]


def rows_before_an_earlier_date(url: str, table: str) -> int:
    """Rows stored after a row of a later trade_date (0: the table lies in date order)."""
    query = sql.SQL(
        "select count(*) from ("
        "  select trade_date < lag(trade_date) over (order by ctid) as is_earlier from {}"
        ") as stored where is_earlier"
    ).format(sql.Identifier(*table.split(".")))
    with psycopg.connect(url) as connection:
        row = connection.execute(query).fetchone()
    assert row is not None
    return int(row[0])
