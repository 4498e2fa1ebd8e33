"""The landing suites applied while records stream in, without holding a batch.

The suites stay the one definition (GX expectations in `expectations/suites*.py`); this module reads each
expectation's parameters and evaluates it the way GX does on a flattened frame (dotted names reach into
nested objects, a missing key is null, column checks other than not-null skip nulls):
- record-level: a critical not-null, regex, range, value-set or column-pair check without `mostly`. A
  record failing one is rejected with the check as its reason; the rest of the batch lands.
- batch-level: uniqueness (a set of keys over one batch, bounded by the batch size), row counts, and any
  check with `mostly` or warning severity (pass counts against the allowed share).

Plain Python rather than GX on chunks of the batch: one GX run costs far more than the checks it makes
(bench/validation_cost.py measures both), and GX would still have to see every record of a chunk at once
to name the record that failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.runner import ValidationOutcome
from connectors.streams import Stream
from expectations.spec import SuiteSpec

RECORD_LEVEL = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_pair_values_a_to_be_greater_than_b",
}
UNIQUENESS = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
ROW_COUNT = "expect_table_row_count_to_be_between"
SKIPPED = object()  # the check does not apply to this record (a null where nulls are ignored)


def resolve(record: Any, parts: tuple[str, ...]) -> Any:
    """The value a flattened column names (`fields.status.statusCategory.id`); None when any step is missing.
    Keys that contain dots themselves (`@odata.type`) are tried whole first."""
    if not parts:
        return record
    if not isinstance(record, dict):
        return None
    if len(parts) == 1:
        return record.get(parts[0])
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i]) if i > 1 else parts[0]
        if key in record:
            return resolve(record[key], parts[i:])
    return None


def _getter(column: str) -> Callable[[dict], Any]:
    parts = tuple(column.split("."))
    if len(parts) == 1:
        return lambda record: record.get(column)
    return _resolver(parts)


def _resolver(parts: tuple[str, ...]) -> Callable[[Any], Any]:
    """`resolve(record, parts)` with the candidate keys joined once, not on every record."""
    if not parts:
        return lambda value: value
    if len(parts) == 1:
        key = parts[0]
        return lambda value: value.get(key) if isinstance(value, dict) else None
    options = tuple((".".join(parts[:i]), _resolver(parts[i:])) for i in range(len(parts), 0, -1))

    def get(value: Any) -> Any:
        if isinstance(value, dict):
            for key, rest in options:
                if key in value:
                    return rest(value[key])
        return None

    return get


def present(record: Any, parts: tuple[str, ...]) -> bool:
    """Whether a record carries the field at all: a key sent as null is present, and so is a nested field
    whose parent object came as null. Only a key absent from the record is not."""
    node, i = record, 0
    while i < len(parts):
        if not isinstance(node, dict):
            return True
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in node:
                node, i = node[key], j
                break
        else:
            return False
    return True


def _kwargs(exp: Any) -> dict[str, Any]:
    return {k: v for k, v in exp.configuration.kwargs.items() if k not in ("batch_id", "result_format")
            and v is not None}


def _describe(exp: Any) -> str:
    kwargs = _kwargs(exp)
    kwargs.pop("severity", None)
    kwargs.pop("mostly", None) if kwargs.get("mostly") == 1 else None
    return f"{exp.expectation_type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"


def _predicate(exp: Any) -> Callable[[dict], Any]:
    """record -> True (passes), False (fails) or SKIPPED."""
    kind = exp.expectation_type
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        get_a, get_b = _getter(exp.column_A), _getter(exp.column_B)
        or_equal, ignore = bool(exp.or_equal), str(exp.ignore_row_if)

        def pair(record: dict) -> Any:
            a, b = get_a(record), get_b(record)
            missing = (a is None) + (b is None)
            if (ignore == "either_value_is_missing" and missing) or (ignore == "both_values_are_missing"
                                                                     and missing == 2):
                return SKIPPED
            try:
                return a >= b if or_equal else a > b
            except TypeError:
                return False

        return pair
    get = _getter(exp.column)
    if kind == "expect_column_values_to_not_be_null":
        return lambda record: get(record) is not None
    if kind in ("expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"):
        pattern, wanted = re.compile(exp.regex), kind == "expect_column_values_to_match_regex"

        def regex(record: dict) -> Any:
            value = get(record)
            return SKIPPED if value is None else (pattern.search(str(value)) is not None) == wanted

        return regex
    if kind == "expect_column_values_to_be_between":
        low, high = exp.min_value, exp.max_value
        strict_low, strict_high = bool(exp.strict_min), bool(exp.strict_max)

        def between(record: dict) -> Any:
            value = get(record)
            if value is None:
                return SKIPPED
            if isinstance(value, str | dict | list):
                return False
            if low is not None and (value <= low if strict_low else value < low):
                return False
            return not (high is not None and (value >= high if strict_high else value > high))

        return between
    if kind == "expect_column_values_to_be_in_set":
        allowed = list(exp.value_set)

        def in_set(record: dict) -> Any:
            value = get(record)
            return SKIPPED if value is None else value in allowed

        return in_set
    raise ValueError(f"no streaming form for {kind}: add it to expectations/landing_checks.py")


def _key_getter(exp: Any) -> tuple[Callable[[dict], Any], Callable[[tuple], bool]]:
    """(record -> key, key -> counted?) for a uniqueness check; GX ignores null keys as it says."""
    if exp.expectation_type == "expect_column_values_to_be_unique":
        get = _getter(exp.column)
        return (lambda record: (get(record),)), (lambda key: key[0] is not None)
    getters = [_getter(c) for c in exp.column_list]
    ignore = str(exp.ignore_row_if)

    def counted(key: tuple) -> bool:
        if ignore == "any_value_is_missing":
            return all(v is not None for v in key)
        if ignore == "all_values_are_missing":
            return any(v is not None for v in key)
        return True

    return (lambda record: tuple(_hashable(g(record)) for g in getters)), counted


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, dict | list) else value


@dataclass
class _Tally:
    """A batch-level check counted record by record."""

    exp: Any
    name: str
    critical: bool
    predicate: Callable[[dict], Any] | None = None
    evaluated: int = 0
    failed: int = 0
    keys: set = field(default_factory=set)
    key: Callable[[dict], tuple] | None = None
    counted: Callable[[tuple], bool] | None = None


class StreamChecks:
    """A landing suite split into record-level predicates and batch-level tallies (built once per stream)."""

    def __init__(self, spec: SuiteSpec, settings: dict):
        self.spec = spec
        self.record_level: list[tuple[str, Callable[[dict], Any]]] = []
        self.batch_level: list[tuple[Any, str, bool]] = []
        # columns critical checks use (parts of compound keys aside: some are optional by design); a batch
        # none of whose records carries one is schema drift, refused by name rather than passed on nulls
        self.required: dict[str, list[tuple[str, ...]]] = {}
        self.aliases = dict(spec.aliases)
        for exp in spec.build(settings):
            critical = "critical" in str(exp.severity).lower()
            if critical:
                for column in (getattr(exp, "column", None), getattr(exp, "column_A", None),
                               getattr(exp, "column_B", None)):
                    if column and column not in self.required:
                        names = (column, *self.aliases.get(column, ()))
                        self.required[column] = [tuple(name.split(".")) for name in names]
            mostly = exp.mostly if getattr(exp, "mostly", None) is not None else 1
            name = _describe(exp)
            if exp.expectation_type in RECORD_LEVEL and critical and mostly >= 1:
                self.record_level.append((name, _predicate(exp)))
            elif exp.expectation_type in RECORD_LEVEL | UNIQUENESS | {ROW_COUNT}:
                self.batch_level.append((exp, name, critical))
            else:
                raise ValueError(f"{spec.name}: no streaming form for {exp.expectation_type}; "
                                 "add it to expectations/landing_checks.py")

    def start(self) -> BatchChecks:
        return BatchChecks(self)


class BatchChecks:
    """The checks of one batch: `check` each record as it arrives, `finish` when the batch closes."""

    def __init__(self, checks: StreamChecks):
        self.checks = checks
        self.seen = 0
        self.unseen = dict(checks.required)  # required columns no record has carried yet
        self.accepted = 0
        self.rejected_by: dict[str, int] = {}
        self.tallies: list[_Tally] = []
        for exp, name, critical in checks.batch_level:
            tally = _Tally(exp, name, critical)
            if exp.expectation_type in RECORD_LEVEL:
                tally.predicate = _predicate(exp)
            elif exp.expectation_type in UNIQUENESS:
                tally.key, tally.counted = _key_getter(exp)
            self.tallies.append(tally)

    def check(self, record: dict) -> list[str]:
        self.seen += 1
        if self.unseen:
            for column in [c for c, paths in self.unseen.items() if any(present(record, p) for p in paths)]:
                del self.unseen[column]
        if self.checks.aliases:
            record = self._with_aliases(record)
        failed = [name for name, predicate in self.checks.record_level if predicate(record) is False]
        if failed:
            for name in failed:
                self.rejected_by[name] = self.rejected_by.get(name, 0) + 1
            return failed
        self.accepted += 1
        for tally in self.tallies:
            if tally.predicate is not None:
                verdict = tally.predicate(record)
                if verdict is not SKIPPED:
                    tally.evaluated += 1
                    tally.failed += verdict is False
            elif tally.key is not None:
                key = tally.key(record)
                if tally.counted(key):
                    tally.evaluated += 1
                    if key in tally.keys:
                        tally.failed += 1
                    else:
                        tally.keys.add(key)
        return []

    def _with_aliases(self, record: dict) -> dict:
        """The record as the checks see it: a column filled from the other names the vendor sends it under
        (e.g. `login` for `user_login`). The landed record stays as sent."""
        filled = None
        for column, alternatives in self.checks.aliases.items():
            if record.get(column) is None:
                # an alternative may be nested (`pullRequest.url`), like the columns themselves
                value = next((v for v in (resolve(record, tuple(a.split("."))) for a in alternatives)
                              if v is not None), None)
                if value is not None:
                    filled = filled if filled is not None else dict(record)
                    filled[column] = value
        return record if filled is None else filled

    def finish(self) -> ValidationOutcome:
        critical, warnings = [], []
        if self.seen:
            critical += [
                f"column '{column}' is missing from every one of the {self.seen} records (renamed or dropped by "
                "the vendor?): its checks would pass on nothing, and staging relies on it" for column in self.unseen
            ]
        for tally in self.tallies:
            message = self._verdict(tally)
            if message:
                (critical if tally.critical else warnings).append(message)
        evaluated = len(self.checks.record_level) + len(self.tallies)
        summary = {"evaluated": evaluated, "passed": evaluated - len(critical) - len(warnings)
                   - len(self.rejected_by), "warnings": warnings, "accepted": self.accepted,
                   "rejected_by_check": dict(self.rejected_by)}
        return ValidationOutcome(not critical, critical, summary)

    def _verdict(self, tally: _Tally) -> str | None:
        kind = tally.exp.expectation_type
        if kind == ROW_COUNT:
            low, high = tally.exp.min_value, tally.exp.max_value
            if (low is not None and self.accepted < low) or (high is not None and self.accepted > high):
                return f"{tally.name} failed (observed: {self.accepted} rows)"
            return None
        if kind in UNIQUENESS:
            tally.keys = set()  # the batch is done: free the keys
            return f"{tally.name} failed (observed: {tally.failed} duplicate rows)" if tally.failed else None
        mostly = tally.exp.mostly if tally.exp.mostly is not None else 1
        if tally.evaluated and (tally.evaluated - tally.failed) / tally.evaluated < mostly:
            return f"{tally.name} failed (observed: {tally.failed} of {tally.evaluated} rows)"
        return None


class StreamingLandingValidator:
    """A connectors.runner.LandingValidator backed by the landing suites.

    Called with a whole list of records it also gives the verdict for that list (any rejected record or
    batch-level failure is a failure), which is how the suites are tested on vendor example payloads.
    """

    def __init__(self, suites: dict[str, SuiteSpec], settings: dict | None = None):
        self.suites, self.settings = suites, settings or {}
        self._compiled: dict[str, StreamChecks] = {}

    def checks_for(self, stream: Stream) -> StreamChecks:
        if stream.key not in self._compiled:
            spec = self.suites.get(stream.key)
            if spec is None:
                raise KeyError(f"no landing suite for {stream.key}: add one to expectations/suites.py")
            self._compiled[stream.key] = StreamChecks(spec, self.settings)
        return self._compiled[stream.key]

    def start(self, stream: Stream) -> BatchChecks:
        return self.checks_for(stream).start()

    def __call__(self, stream: Stream, records: list[dict]) -> ValidationOutcome:
        batch = self.start(stream)
        for record in records:
            batch.check(record)
        outcome = batch.finish()
        rejected = [f"{name} failed (observed: {n} rows)" for name, n in batch.rejected_by.items()]
        failed = rejected + outcome.failed_checks
        return ValidationOutcome(not failed, failed, outcome.summary)
