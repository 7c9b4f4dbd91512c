"""Measurement scripts: they print figures; tests never assert on their timings."""
