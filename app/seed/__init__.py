"""Data tools: the demo data set and bulk data for benchmarks."""
