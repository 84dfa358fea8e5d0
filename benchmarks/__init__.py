"""Benchmark studies of mtosched on published instance sets (see README.md)."""
