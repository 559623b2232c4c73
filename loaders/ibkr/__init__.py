"""Interactive Brokers: contract details and daily bars through IB Gateway or TWS."""
