"""Vendor records for the sources beyond the core company, one module per source.

Each module builds its records from a `sandbox.company.Company` with the company's per-source generator
(`company.rng_for`), caches them on the company, and reads its knobs from `scenario.sources[<source>]`.
"""
