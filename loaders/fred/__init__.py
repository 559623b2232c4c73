"""FRED and ALFRED: macro series with their full revision history (realtime periods)."""
