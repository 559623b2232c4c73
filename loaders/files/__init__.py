"""Daily bars from CSV or Parquet files, for users without an IB account and for the demo."""
