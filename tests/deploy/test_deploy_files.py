"""deploy/ checked offline, as far as this machine can without Docker or a cluster.

- The compose file against the compose-spec schema (vendored in check-jsonschema), plus
  what `docker compose config` would also refuse: a dependency, mounted file, env file,
  secret or volume that is not there, a `${VAR}` with no default that .env.example does
  not define.
- The Kubernetes manifests rendered by kustomize (`kubectl kustomize`, in the machine
  image) and each object validated, strictly, against Kubernetes' own schemas (vendored in
  kubernetes-validate); probes, requests and a grace period longer than the worker's.
- Every SCLS_ variable the deploy files name is a real setting, and every setting is
  documented in scls.env.example; Prometheus scrapes the ports the settings open.
- Temporal's Helm values parse (the chart's schema is not available offline).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from scls.settings import CONFIG_FILE_VARIABLE, ENV_PREFIX, Settings
from worker import GRACEFUL_SHUTDOWN

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.33.0"


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines())
    return {
        key.lstrip("#").strip(): value
        for key, value in (pair for pair in pairs if len(pair) == 2)
        if not key.startswith("# ")
    }


def settings_names() -> set[str]:
    return {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}


def test_the_compose_file_follows_the_compose_spec() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE / "compose.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_everything_the_compose_file_refers_to_is_there() -> None:
    text = (COMPOSE / "compose.yaml").read_text()
    compose: dict[str, Any] = yaml.safe_load(text)
    services: dict[str, Any] = compose["services"]
    problems: list[str] = []
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            if needed not in services:
                problems.append(f"{name} depends on unknown service {needed}")
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                if not (COMPOSE / source).exists():
                    problems.append(f"{name} mounts missing {source}")
            elif source not in compose.get("volumes", {}):
                problems.append(f"{name} mounts undeclared volume {source}")
        for file in service.get("env_file", []):
            if not (COMPOSE / file).is_file():
                problems.append(f"{name} reads missing env file {file}")
        for secret in service.get("secrets", []):
            if secret not in compose.get("secrets", {}):
                problems.append(f"{name} uses undeclared secret {secret}")
        for network in service.get("networks", []):
            if network not in compose.get("networks", {}):
                problems.append(f"{name} joins undeclared network {network}")
    # Variables used without a default must come from .env (its example defines them).
    defined = env_file(COMPOSE / ".env.example")
    for variable in re.findall(r"\$\{([A-Z_0-9]+)(?::?\?[^}]*)?\}", text):
        if variable not in defined:
            problems.append(f"${{{variable}}} has no default and is not in .env.example")
    assert problems == []


def test_prometheus_scrapes_the_ports_the_settings_open() -> None:
    settings = env_file(COMPOSE / "scls.env")
    targets = {
        target
        for job in yaml.safe_load((COMPOSE / "prometheus" / "prometheus.yml").read_text())[
            "scrape_configs"
        ]
        for config in job["static_configs"]
        for target in config["targets"]
    }
    metrics_port = settings["SCLS_TEMPORAL_METRICS_ADDRESS"].rpartition(":")[2]
    assert {
        f"scls-worker:{settings['SCLS_WORKER_HTTP_PORT']}",
        f"scls-worker:{metrics_port}",
        f"scls-console:{settings['SCLS_WEB_PORT']}",
    } <= targets


def test_the_deploy_files_set_only_real_settings_and_the_example_documents_them_all() -> None:
    known = settings_names()
    # Any SCLS_ name in deploy/ (a compose variable, a Kubernetes env entry, the docs) is a
    # setting: names of the deploy files' own are not spelt like one.
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        named = set(re.findall(r"\bSCLS_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
        assert named - known - {CONFIG_FILE_VARIABLE} == set(), path
    documented = set(env_file(DEPLOY / "scls.env.example"))
    assert known - documented == set(), "settings missing from deploy/scls.env.example"
    assert documented - known == set(), "deploy/scls.env.example names unknown settings"


def rendered_manifests() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with kustomize built in) is needed to render deploy/k8s"
    rendered = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    return [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]


def test_the_kubernetes_manifests_render_and_match_kubernetes_schemas() -> None:
    manifests = rendered_manifests()
    problems = []
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{manifest['kind']} {manifest['metadata']['name']}: {error}")
    assert problems == []
    kinds = sorted(f"{m['kind']}/{m['metadata']['name']}" for m in manifests)
    assert {
        "Deployment/scls-worker",
        "Deployment/scls-console",
        "PodDisruptionBudget/scls-worker",
        "PodDisruptionBudget/scls-console",
        "Job/scls-db-migrate",
        "Job/scls-schedules-apply",
    } <= set(kinds)


def test_the_deployments_are_probed_sized_and_given_time_to_stop() -> None:
    manifests = rendered_manifests()
    deployments = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Deployment"}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["resources"]["requests"], name
        labels = deployment["spec"]["selector"]["matchLabels"]
        budgets = [
            m
            for m in manifests
            if m["kind"] == "PodDisruptionBudget" and m["spec"]["selector"]["matchLabels"] == labels
        ]
        assert budgets, f"{name} has no PodDisruptionBudget"
    worker = deployments["scls-worker"]["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > GRACEFUL_SHUTDOWN.total_seconds()


def test_the_systemd_unit_waits_longer_than_the_worker_shuts_down() -> None:
    unit = (DEPLOY / "scls-worker.service").read_text()
    [stop] = re.findall(r"^TimeoutStopSec=(\d+)$", unit, re.MULTILINE)
    assert int(stop) > GRACEFUL_SHUTDOWN.total_seconds()


def test_the_temporal_helm_values_parse_and_use_postgres() -> None:
    values = yaml.safe_load((K8S / "temporal" / "values.yaml").read_text())
    persistence = values["server"]["config"]["persistence"]
    assert {persistence[store]["sql"]["driver"] for store in ("default", "visibility")} == {
        "postgres12"
    }
