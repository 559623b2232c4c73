"""Loaders: fetch → parse → COPY into the `raw_*` schemas, one subpackage per source.

Loaders never compute factors (DESIGN §2). The sources arrive with their issue: EDGAR, FRED/ALFRED,
IBKR and CSV/Parquet bar files.
"""
