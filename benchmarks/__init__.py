"""Benchmarks: PolNeAR quote extraction and others; see README.md."""
