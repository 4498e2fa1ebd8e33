"""OpenLineage datasets of the pipeline, declared on the tasks as inlets and outlets.

The OpenLineage provider turns a task's declared inlets and outlets into the inputs and outputs of its
events, so a lineage tool can follow a published figure back: published table <- publish_marts <- warehouse
mart <- dbt_build <- landing stream <- land_<stream> <- vendor API stream. Airflow's Assets (x-landing://,
x-warehouse://) stay the scheduling signal; these objects are lineage only (Airflow passes them through).
Where the events go is Airflow's [openlineage] configuration (AIRFLOW__OPENLINEAGE__TRANSPORT, or
config_path / config_conn_id); with none set the provider sends nothing. docs/deploy.md has examples.

Names follow OpenLineage's dataset naming: a local path is namespace `file`, name the absolute path; an
object store URL (s3://bucket/prefix) is namespace `s3://bucket`, name the key prefix; a DuckDB table is
namespace `duckdb://<absolute path of the file>`, name `<schema>.<table>`. Workers that share the landing
zone and warehouse through the same path or URL name the same datasets.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from openlineage.client.event_v2 import Dataset


def _location(root: str) -> tuple[str, str]:
    """(namespace, path) of a local path or an fsspec URL."""
    parts = urlsplit(str(root))
    if parts.scheme and parts.scheme != "file" and len(parts.scheme) > 1:  # not a Windows drive letter
        return f"{parts.scheme}://{parts.netloc}", parts.path.strip("/")
    path = parts.path if parts.scheme == "file" else str(root)
    return "file", str(Path(path).resolve())


def vendor_stream(source: str, stream: str) -> Dataset:
    """What a connector reads: one stream of a vendor's API (the connection says which host)."""
    return Dataset(namespace=f"api://{source}", name=stream)


def landing_stream(landing_root: str, source: str, stream: str) -> Dataset:
    namespace, path = _location(landing_root)
    return Dataset(namespace=namespace, name="/".join(p for p in (path, f"source={source}", f"stream={stream}") if p))


def duckdb_table(path: str | Path, schema: str, table: str) -> Dataset:
    return Dataset(namespace=f"duckdb://{Path(path).resolve()}", name=f"{schema}.{table}")


def declared_published_marts(project_dir: str | Path) -> list[tuple[str, str]]:
    return list(_declared_published_marts(str(Path(project_dir).resolve())))


@cache  # once per process: the transform and publish DAGs each ask for it (twice) while a file is parsed
def _declared_published_marts(project_dir: str) -> tuple[tuple[str, str], ...]:
    """(schema, model) of every model whose YAML says `meta: {published: true}`, read from the project's
    files (a DAG is parsed before any build has written a manifest). Publish itself goes by the build's
    manifest (outcomes/published.py); a test checks that the two agree."""
    project_dir = Path(project_dir)
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    layers = ((config.get("models") or {}).get(config.get("name", ""), {})) or {}
    found = []
    for folder in config.get("model-paths", ["models"]):
        for path in sorted((project_dir / folder).rglob("*.yml")):
            for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
                meta = {**(model.get("meta") or {}), **((model.get("config") or {}).get("meta") or {})}
                if meta.get("published") is True:
                    layer = path.relative_to(project_dir / folder).parts[0]
                    found.append(((layers.get(layer) or {}).get("+schema", "main"), model["name"]))
    return tuple(sorted(found))
