"""What ships: the wheel and the production containers carry the product, never the simulator or the harness."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from tests_support import ROOT

NOT_SHIPPED = ("sandbox", "devenv", "bench")
PRODUCT = ("connectors", "outcomes", "expectations")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """Build the wheel offline (uv, from its cache of the build backend) from a clean copy of the checkout, so
    that no stale build/ or egg-info from a developer's tree can change the result."""
    src = tmp_path_factory.mktemp("checkout")
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", "data", "target", "logs", ".*")
    for item in ROOT.iterdir():
        if item.name.startswith(".") or item.name in ("build", "dist", "data") or item.name.endswith(".egg-info"):
            continue
        if item.is_dir():
            shutil.copytree(item, src / item.name, ignore=skip)
        else:
            shutil.copy2(item, src / item.name)
    out = tmp_path_factory.mktemp("wheel")
    uv = Path(sys.executable).with_name("uv")
    proc = subprocess.run([str(uv), "build", "--wheel", "--offline", "--out-dir", str(out), str(src)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"uv build failed:\n{proc.stderr[-3000:]}"
    [wheel] = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_the_wheel_ships_the_product_and_not_the_simulator_or_the_harness(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names}
    shipped = sorted(t for t in tops if t in NOT_SHIPPED)
    assert shipped == [], f"the wheel ships {shipped}"
    assert set(PRODUCT) <= tops
    assert "outcomes/cli.py" in wheel_names and "connectors/webhooks/app.py" in wheel_names


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_production_services_mount_none_of_the_simulator_or_the_harness():
    services = _compose()["services"]
    production = {name: svc for name, svc in services.items() if not svc.get("profiles")}
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-worker", "webhooks"} <= set(production)
    for name, svc in production.items():
        for volume in svc.get("volumes", []):
            host = Path(volume.split(":")[0]).parts
            assert not set(host) & set(NOT_SHIPPED), f"service {name} mounts {volume}"
        command = " ".join(map(str, svc.get("command") or []))
        assert not any(f"{pkg}." in command for pkg in NOT_SHIPPED), f"service {name} runs {command}"
    # the simulator has its own service, behind a profile
    assert services["sandbox"]["profiles"] == ["sandbox"]
    assert any(v.startswith("./sandbox:") for v in services["sandbox"]["volumes"])


def test_the_image_copies_none_of_the_simulator_or_the_harness():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.split()[:1] in (["COPY"], ["ADD"]):
            assert not any(pkg in line for pkg in NOT_SHIPPED), line
            assert " . " not in f" {line} ", f"the image copies the whole checkout: {line}"
