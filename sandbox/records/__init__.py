"""Vendor records, one module per source, built from a `sandbox.company.Company`.

Each module builds its records from the company's people, styles and activity with the company's
per-source generator (`company.rng_for`; the first three sources share `company.core_rng`), caches them on
the company, and reads its knobs from `scenario.sources[<source>]`. The company imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def cached(company: Any, key: str, build: Callable[[], T]) -> T:
    """Build once per company: a Company lives as long as its server, and generation is deterministic."""
    cache = company.__dict__.setdefault("_records_cache", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]
