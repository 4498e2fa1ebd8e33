"""Which models the published warehouse carries: those whose YAML says `meta: {published: true}`.

The flag is read from the manifest dbt wrote for the build (`<target>/manifest.json`), so publish, the
gate's privacy checks and the models' documentation all answer from the same place; a model's name
decides nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class ManifestError(RuntimeError):
    pass


@dataclass(frozen=True)
class PublishedModel:
    name: str
    schema: str
    relation: str  # the table's name in the warehouse (dbt's alias, the model name unless set)


def published_models(manifest_path: str | Path) -> list[PublishedModel]:
    path = Path(manifest_path)
    if not path.exists():
        raise ManifestError(f"{path} does not exist: run the transform (dbt build) first; its manifest says "
                            "which models are published")
    try:
        nodes = json.loads(path.read_text())["nodes"]
    except (ValueError, KeyError) as exc:
        raise ManifestError(f"{path} is not a dbt manifest ({exc}); run the transform again") from None
    models = []
    for node in nodes.values():
        if node.get("resource_type") != "model" or not (node.get("config") or {}).get("enabled", True):
            continue
        meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
        if meta.get("published") is True:
            models.append(PublishedModel(node["name"], node["schema"], node.get("alias") or node["name"]))
    return sorted(models, key=lambda m: m.relation)
