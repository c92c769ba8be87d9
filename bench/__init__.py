"""Benchmarks: every speed or memory target, measured against its named peer in the same run."""
