"""Benchmarks (not tests): scripts that drive a running stack and print measured figures."""
