"""deploy/ wires the security work the same way in compose and on Kubernetes, offline:

- Postgres: only the migration runs with the migrating login (SCLS_DATABASE_OWNER_URL);
  the worker and the console connect as a login that is a member of scls_app, never as
  the owner; the compose stack's Postgres makes exactly those logins, and scls_owner and
  scls_app as NOLOGIN roles.
- Payload keys: every process that talks to Temporal reads the keyring from the mounted
  secret through SCLS_PAYLOAD_KEYS_FILE.
- Codec endpoint: the Temporal Web UI decodes at the console's /codec with the browser's
  credentials, and the console lets the UI's origin in.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.deploy.test_deploy_files import COMPOSE, K8S, env_file, rendered_manifests

TEMPORAL_CLIENTS = ("scls-worker", "scls-console", "scls-schedules")


def compose_services() -> dict[str, Any]:
    """The compose file's services, its ${...} filled in from .env.example."""
    defined = env_file(COMPOSE / ".env.example")

    def value(match: re.Match[str]) -> str:
        return defined.get(match[1]) or match[2] or ""

    text = re.sub(
        r"\$\{([A-Z_0-9]+)(?::?[-?]([^}]*))?\}", value, (COMPOSE / "compose.yaml").read_text()
    )
    services: dict[str, Any] = yaml.safe_load(text)["services"]
    return services


def login(url: str) -> str | None:
    return urlsplit(url).username


def test_compose_migrates_as_the_migrating_login_and_runs_the_engine_as_an_app_login() -> None:
    services = compose_services()
    environments = {name: services[name].get("environment", {}) for name in services}
    owner_urls = {name for name, env in environments.items() if "SCLS_DATABASE_OWNER_URL" in env}
    assert owner_urls == {"scls-migrate"}
    assert login(environments["scls-migrate"]["SCLS_DATABASE_OWNER_URL"]) == "scls_migrator"
    for name in ("scls-worker", "scls-console"):
        assert login(environments[name]["SCLS_DATABASE_URL"]) == "scls_worker", name

    roles = (COMPOSE / "postgres" / "roles.sh").read_text()
    assert re.search(r"CREATE ROLE scls_owner NOLOGIN;", roles)
    assert re.search(r"CREATE ROLE scls_app NOLOGIN;", roles)
    assert re.search(r"CREATE ROLE scls_migrator LOGIN\b", roles)
    assert re.search(r"GRANT scls_owner TO scls_migrator;", roles)
    assert re.search(r"CREATE ROLE scls_worker LOGIN\b[^;]* IN ROLE scls_app;", roles)
    assert not re.search(r"GRANT scls_owner TO scls_worker", roles)


def test_compose_gives_the_payload_keys_to_every_temporal_client_as_a_secret_file() -> None:
    services = compose_services()
    for name in TEMPORAL_CLIENTS:
        service = services[name]
        assert service.get("secrets") == ["scls-payload-keys"], name
        assert service["environment"]["SCLS_PAYLOAD_KEYS_FILE"] == (
            "/run/secrets/scls-payload-keys"
        ), name
    assert "SCLS_PAYLOAD_KEYS" not in services["scls-worker"]["environment"]


def test_the_compose_temporal_ui_decodes_at_the_console_which_lets_it_in() -> None:
    services = compose_services()
    ui = services["temporal-ui"]["environment"]
    console = services["scls-console"]["environment"]
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == console["SCLS_WEB_BASE_URL"].rstrip("/") + "/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    [ui_port] = [port.split(":")[-1] for port in services["temporal-ui"]["ports"]]
    assert f"http://localhost:{ui_port}" in console["SCLS_CODEC_ORIGINS"].split(",")
    assert console["SCLS_CODEC_TOKEN"]
    assert not {name for name in services if "codec" in name}, "the console serves /codec"


def containers() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each workload's (pod spec, its one container), by name."""
    found = {}
    for manifest in rendered_manifests():
        if manifest["kind"] in ("Deployment", "Job"):
            pod = manifest["spec"]["template"]["spec"]
            [container] = pod["containers"]
            found[manifest["metadata"]["name"]] = (pod, container)
    return found


def secret_env(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Environment variables from Secrets: name -> (secret, key)."""
    return {
        entry["name"]: (
            entry["valueFrom"]["secretKeyRef"]["name"],
            entry["valueFrom"]["secretKeyRef"]["key"],
        )
        for entry in container.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }


def test_kubernetes_gives_the_owner_url_to_the_migration_alone() -> None:
    workloads = containers()
    for name, (_, container) in workloads.items():
        from_secrets = secret_env(container)
        owner = {var for var, ref in from_secrets.items() if ref == ("scls-database", "owner-url")}
        assert owner == ({"SCLS_DATABASE_OWNER_URL"} if name == "scls-db-migrate" else set()), name
    for name in ("scls-worker", "scls-console"):
        assert secret_env(workloads[name][1])["SCLS_DATABASE_URL"] == ("scls-database", "app-url")
    assert secret_env(workloads["scls-console"][1])["SCLS_CODEC_TOKEN"] == ("scls-codec", "token")


def test_kubernetes_mounts_the_payload_keys_in_every_pod_that_talks_to_temporal() -> None:
    for name, (pod, container) in containers().items():
        if name == "scls-db-migrate":
            continue
        env = {entry["name"]: entry.get("value") for entry in container.get("env", [])}
        path = PurePosixPath(env["SCLS_PAYLOAD_KEYS_FILE"])
        volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
        [mount] = [
            m for m in container["volumeMounts"] if path.parent == PurePosixPath(m["mountPath"])
        ]
        secret = volumes[mount["name"]]["secret"]
        assert secret["secretName"] == "scls-payload-keys", name
        # Readable by the pod's group alone, not by every user in the container.
        assert secret["defaultMode"] & 0o007 == 0, name
        assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"], name


def test_the_temporal_web_ui_decodes_at_the_consoles_public_codec_endpoint() -> None:
    settings = env_file(K8S / "settings.env")
    base_url = settings["SCLS_WEB_BASE_URL"]
    [ingress] = [m for m in rendered_manifests() if m["kind"] == "Ingress"]
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == urlsplit(base_url).hostname
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "scls-console"

    web = yaml.safe_load((K8S / "temporal" / "values.yaml").read_text())["web"]
    env = {entry["name"]: entry["value"] for entry in web["additionalEnv"]}
    assert env["TEMPORAL_CODEC_ENDPOINT"] == base_url.rstrip("/") + "/codec"
    assert env["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    [ui_host] = web["ingress"]["hosts"]
    assert f"https://{ui_host}" in settings["SCLS_CODEC_ORIGINS"].split(",")
