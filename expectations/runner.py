"""Run the suites with Great Expectations on pandas DataFrames and build Data Docs.

GX cannot validate DuckDB through its SQL data source (upstream #10738, #11579), so tables are read
read-only into pandas first. GX is imported lazily: it costs seconds, and DAG files must parse fast.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger("expectations")

DEFAULT_SETTINGS = {"min_group_size": 5, "min_identity_coverage": 0.9}


@dataclass
class SuiteResult:
    suite: str
    success: bool  # no critical failure
    evaluated: int
    passed: int
    critical_failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class GateResult:
    success: bool
    suites: list[SuiteResult]
    data_docs: str | None

    @property
    def checks_passed(self) -> int:
        return sum(s.passed for s in self.suites)

    @property
    def checks_failed(self) -> int:
        return sum(s.evaluated - s.passed for s in self.suites)

    def failures(self) -> list[str]:
        return [f"{s.suite}: {f}" for s in self.suites for f in s.critical_failures]


def _gx():
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


class Validator:
    """One GX context for a process. `docs_root` set: a file context whose Data Docs are kept."""

    def __init__(self, docs_root: str | os.PathLike | None = None, settings: dict | None = None):
        gx = _gx()
        self.gx = gx
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        if docs_root is None:
            self.ctx = gx.get_context(mode="ephemeral")
        else:
            Path(docs_root).mkdir(parents=True, exist_ok=True)
            self.ctx = gx.get_context(mode="file", project_root_dir=str(docs_root))
        self.ctx.variables.progress_bars = {"globally": False}
        self.source = self.ctx.data_sources.add_or_update_pandas("frames")

    def validate(self, suite_spec, frame: pd.DataFrame, asset_name: str) -> SuiteResult:
        gx = self.gx
        expectations = suite_spec.build(self.settings)
        suite = gx.ExpectationSuite(name=suite_spec.name, expectations=expectations)
        suite = self.ctx.suites.add_or_update(suite)
        asset = self._asset(asset_name)
        batch_def = self._batch_definition(asset)
        vd = self.ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{suite_spec.name}__vd", data=batch_def, suite=suite)
        )
        result_format: Any = "SUMMARY"
        if suite_spec.id_columns:
            result_format = {"result_format": "SUMMARY", "unexpected_index_column_names": list(suite_spec.id_columns)}
        frame = _with_aliases(frame, suite_spec.aliases)
        absent = _absent_columns(frame, expectations)
        result = vd.run(batch_parameters={"dataframe": _missing_columns_as_null(frame, expectations)},
                        result_format=result_format)
        summary = _summarise(suite_spec.name, result)
        if absent:
            summary.critical_failures = [
                f"column '{col}' is missing from every one of the {len(frame)} records (renamed or dropped by the "
                "vendor?): its checks would pass on nothing, and staging relies on it" for col in absent
            ] + summary.critical_failures
            summary.success = False
        return summary

    def _asset(self, name: str):
        try:
            return self.source.get_asset(name)
        except LookupError:
            return self.source.add_dataframe_asset(name)

    def _batch_definition(self, asset):
        try:
            return asset.get_batch_definition("whole")
        except (KeyError, LookupError):
            return asset.add_batch_definition_whole_dataframe("whole")

    def build_docs(self) -> str | None:
        sites = self.ctx.build_data_docs()
        return next(iter(sites.values()), None) if sites else None


def _with_aliases(frame: pd.DataFrame, aliases: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Fill a column from the other names the vendor uses for it (e.g. `login` for `user_login`)."""
    if frame.empty or not aliases:
        return frame
    frame = frame.copy()
    for column, alternatives in aliases.items():
        for alternative in alternatives:
            if alternative not in frame.columns:
                continue
            frame[column] = frame[alternative] if column not in frame.columns else frame[column].combine_first(
                frame[alternative])
    return frame


def _expectation_columns(exp: Any) -> list[str]:
    return [c for c in [getattr(exp, "column", None), getattr(exp, "column_A", None), getattr(exp, "column_B", None),
                        *(getattr(exp, "column_list", None) or [])] if c]


def _absent_columns(frame: pd.DataFrame, expectations: list) -> list[str]:
    """Columns that critical checks use and that no record of a non-empty batch carries at all.

    A key sent as null is present; so is a nested field whose parent object the vendor sent as null. A key
    absent from every record is schema drift: filling it with nulls would let its checks pass on nothing.
    Parts of a compound key are exempt: some are optional by design (an API-key actor has no email).
    """
    if frame.empty:
        return []
    present = set(frame.columns)
    absent: list[str] = []
    for exp in expectations:
        if "critical" not in str(getattr(exp, "severity", "critical")).lower():
            continue
        for col in [c for c in (getattr(exp, "column", None), getattr(exp, "column_A", None),
                                getattr(exp, "column_B", None)) if c]:
            parts = col.split(".")
            if any(".".join(parts[:i]) in present for i in range(1, len(parts) + 1)):
                continue
            if col not in absent:
                absent.append(col)
    return absent


def _missing_columns_as_null(frame: pd.DataFrame, expectations: list) -> pd.DataFrame:
    """A vendor may omit a key entirely (GitHub drops empty breakdowns); treat it as null, not a crash."""
    frame = frame.copy()
    for exp in expectations:
        for col in _expectation_columns(exp):
            if col not in frame.columns:
                frame[col] = pd.Series([None] * len(frame), dtype="object")
    return frame


def _describe(r: Any) -> str:
    cfg = r.expectation_config
    kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "result_format")}
    res = r.result or {}
    observed = res.get("unexpected_count", res.get("observed_value"))
    message = f"{cfg.type}({kwargs}) failed (observed: {observed})"
    names = res.get("unexpected_index_column_names")
    rows = res.get("partial_unexpected_index_list")
    if names and rows:
        message += "; failing rows: " + ", ".join(
            " ".join(f"{k}={row.get(k)}" for k in (*names, *(c for c in row if c not in names))) for row in rows
        )
    return message


def _summarise(suite_name: str, result: Any) -> SuiteResult:
    critical, warnings, passed = [], [], 0
    for r in result.results:
        if r.success:
            passed += 1
            continue
        severity = str(getattr(r.expectation_config, "severity", "critical")).lower()
        (warnings if "warning" in severity or "info" in severity else critical).append(_describe(r))
    return SuiteResult(suite_name, not critical, len(result.results), passed, critical, warnings)


def landing_batch_validator(settings: dict | None = None):
    """A connectors.runner.LandingValidator backed by the landing suites, checking records as they stream."""
    from expectations.landing_checks import StreamingLandingValidator
    from expectations.suites import LANDING_SUITES

    return StreamingLandingValidator(LANDING_SUITES, {**DEFAULT_SETTINGS, **(settings or {})})


def source_freshness_result(freshness: list[dict], stale_blocks: bool = True) -> SuiteResult:
    """The transform's `dbt source freshness` rows as the gate's freshness suite: a stream past its source's
    error_after is critical (a warning when `stale_blocks` is off), one past warn_after a warning, and one
    not measured (no committed batch) always critical. The thresholds are dbt's, declared per source;
    nothing is measured again here."""
    critical, warnings = [], []
    for row in freshness:
        key = f"{row['source']}/{row['stream']}"
        if row["status"] == "warn":
            warnings.append(f"{key}: newest batch {row['age_hours']} h old, past warn_after "
                            f"({row['warn_after_hours']:g} h)")
        elif row["status"] == "error":
            (critical if stale_blocks else warnings).append(
                f"{key}: newest batch {row['age_hours']} h old, past error_after ({row['error_after_hours']:g} h)")
        elif row["status"] == "runtime error":
            critical.append(f"{key}: freshness not measured: {row.get('message') or 'dbt could not read it'}")
    passed = sum(row["status"] in ("pass", "warn") for row in freshness)
    return SuiteResult("landing.source_freshness", not critical, len(freshness), passed, critical, warnings)


def run_gate(warehouse_path: str, docs_root: str, settings: dict | None = None, published: list[str] | None = None,
             freshness: list[dict] | None = None, stale_blocks: bool = True) -> GateResult:
    """Validate the freshly built warehouse: the build's source freshness (`freshness`, the rows of the
    transform's `dbt source freshness`), the gate suites, then the privacy of every relation in `published`
    (the list publish will copy)."""
    import duckdb

    from expectations.suites import GATE_SUITES

    validator = Validator(docs_root, settings)
    results = []
    if freshness is not None:
        results.append(source_freshness_result(freshness, stale_blocks))

    con = duckdb.connect(warehouse_path, read_only=True)
    try:
        for relation, spec in GATE_SUITES.items():
            schema = _schema_of(con, relation)
            if schema is None:
                results.append(SuiteResult(spec.name, False, 1, 0, [f"relation {relation} not found in the warehouse"]))
                continue
            frame = _checked_columns(con, schema, relation, spec, validator.settings)
            if "suppressed" in frame.columns:  # privacy checks look at what a reader can see
                frame = frame[~frame["suppressed"].fillna(False).astype(bool)]
            results.append(validator.validate(spec, frame, relation))
        for relation in published or []:
            results.extend(_check_privacy(con, validator, relation))
    finally:
        con.close()
    docs = validator.build_docs()
    gate = GateResult(all(r.success for r in results), results, docs)
    log.info("gate %s: %d checks passed, %d failed", "passed" if gate.success else "FAILED",
             gate.checks_passed, gate.checks_failed)
    return gate


def _checked_columns(con, schema: str, relation: str, spec, settings: dict):
    """The relation with only the columns its suite checks (a fact table is far wider than its checks, and
    the gate reads it whole into memory)."""
    present = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, relation]).fetchall()]
    wanted = {c for exp in spec.build(settings) for c in _expectation_columns(exp)}
    wanted |= {*spec.id_columns, *(a for names in spec.aliases.values() for a in names), "suppressed"}
    columns = [c for c in present if c in wanted] or present
    listed = ", ".join(f'"{c}"' for c in columns)
    return con.sql(f'select {listed} from "{schema}"."{relation}"').df()


def _check_privacy(con, validator: Validator, relation: str) -> list[SuiteResult]:
    """A published relation holds aggregates only; no visible row describes fewer than min_group_size
    people, and a suppressed row shows no count at all."""
    from expectations.suites import PERSON_LEVEL_COLUMNS, privacy_suite, suppressed_rows_suite

    name = f"privacy.{relation}"
    schema = _schema_of(con, relation)
    if schema is None:
        return [SuiteResult(name, False, 1, 0, [f"published relation {relation} not found in the warehouse"])]
    frame = con.sql(f'select * from "{schema}"."{relation}"').df()
    person_level = [column for column in PERSON_LEVEL_COLUMNS if column in frame.columns]
    failures = [f"person-level column(s) {person_level} in a published relation: publish aggregates only "
                "(or set `meta: {published: false}` on the model)"] if person_level else []
    result = SuiteResult(name, not failures, 1, 0 if failures else 1, failures)
    spec = privacy_suite(relation, list(frame.columns))
    if spec is None:
        return [result]
    hidden = frame["suppressed"].fillna(False).astype(bool) if "suppressed" in frame.columns else None
    visible = frame if hidden is None else frame[~hidden]
    floor = validator.validate(spec, visible, f"privacy__{relation}")
    results = [SuiteResult(name, result.success and floor.success, result.evaluated + floor.evaluated,
                           result.passed + floor.passed, [*failures, *floor.critical_failures], floor.warnings)]
    if hidden is not None and hidden.any():
        results.append(validator.validate(suppressed_rows_suite(relation, list(frame.columns)), frame[hidden],
                                          f"{relation}__suppressed"))
    return results


def _schema_of(con, relation: str) -> str | None:
    row = con.execute(
        "select table_schema from information_schema.tables where table_name = ? order by table_schema limit 1",
        [relation],
    ).fetchall()  # fetch everything: DuckDB keeps a half-read result open and blocks the next query
    return row[0][0] if row else None
