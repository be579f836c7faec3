"""Benchmarks and measurements (`make bench`): figures, not pass/fail tests."""
