"""How fast this machine is today, so that benchmark figures of different days compare.

The same code on the same data has taken 184 s one day and 403 s another (bench/RESULTS.md):
the machines differ, and so does one machine over a session. Each benchmark prints these two
gauges beside its figures.
"""

from __future__ import annotations

import time

import psycopg


def python_seconds() -> float:
    """Best of three: 10 M integer additions in a pure Python loop at module level."""
    return min(_timed_python_loop() for _ in range(3))


def postgres_seconds(url: str) -> float:
    """Best of three: the server sums 10 M integers from generate_series."""
    with psycopg.connect(url) as connection:
        return min(
            _timed(connection, "select sum(i) from generate_series(1, 10000000) as i")
            for _ in range(3)
        )


def gauge_line(url: str) -> str:
    return (
        f"machine gauges          Python 10 M additions {python_seconds():.2f} s, "
        f"PostgreSQL sum of 10 M integers {postgres_seconds(url):.2f} s"
    )


def _timed_python_loop() -> float:
    # at module level, as `python3 -c` runs it: the figure earlier sessions wrote down
    started = time.perf_counter()
    exec("total = 0\nfor number in range(10_000_000):\n    total += number", {})
    return time.perf_counter() - started


def _timed(connection: psycopg.Connection[tuple[object, ...]], query: str) -> float:
    started = time.perf_counter()
    connection.execute(query).fetchone()
    return time.perf_counter() - started
