"""The model names of the dbt project, read from its model files, for the `model_names` var.

dbt fixes each model's parents while it parses, before its `graph` variable holds any node, so a model that
unions "every model named int_kpi_items__*" (macros/contract_models.sql) cannot find them there at parse
time. The names are read here, where the files are, and passed with --vars; at run time the macro checks them
against dbt's complete graph. A model's name is its file's stem (dbt refuses two models of one name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


def model_names(project_dir: str | Path = DEFAULT_PROJECT) -> list[str]:
    project_dir = Path(project_dir)
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    names: set[str] = set()
    for folder in config.get("model-paths", ["models"]):
        names.update(p.stem for p in (project_dir / folder).rglob("*") if p.suffix in (".sql", ".py"))
    return sorted(names)


def dbt_model_vars(project_dir: str | Path = DEFAULT_PROJECT, **variables: Any) -> dict[str, Any]:
    """`variables` plus the project's model names and each landing stream's primary key and disposition (as
    its connector declares them): the --vars of any dbt command on this project."""
    from connectors import landing_streams

    return {"landing_streams": landing_streams(), **variables, "model_names": model_names(project_dir)}


if __name__ == "__main__":  # the --vars for running dbt by hand: the pipeline's own
    import json

    from outcomes.pipeline import dbt_vars
    from outcomes.settings import Settings

    print(json.dumps(dbt_vars(Settings.from_env())))
