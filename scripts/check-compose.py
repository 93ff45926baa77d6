#!/usr/bin/env python3
"""Checks what the Compose specification's schema cannot: every service meant to be scaled
(`docker compose up --scale auth=2 --scale rooms=2 --scale gateway=3 --scale notifier=2`)
can have several replicas: no fixed container name, no published host port, no build of its
own beside the shared image. Run with a Python that has ruamel.yaml (check-jsonschema's)."""

import sys

from ruamel.yaml import YAML

SCALED = ("auth", "rooms", "gateway", "notifier")


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        compose = YAML(typ="safe").load(f)
    services = compose.get("services", {})
    problems = []
    for name in SCALED:
        service = services.get(name)
        if service is None:
            problems.append(f"{name}: missing")
            continue
        if "container_name" in service:
            problems.append(f"{name}: container_name pins one replica")
        if service.get("ports"):
            problems.append(f"{name}: published ports collide between replicas")
    nginx = services.get("nginx", {})
    if not nginx.get("ports"):
        problems.append("nginx: publishes no port")
    for p in problems:
        print(f"compose: {p}", file=sys.stderr)
    if not problems:
        print(f"compose: {', '.join(SCALED)} can be scaled; nginx is the one published port")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docker-compose.yml"))
