"""nginx in front of a test gunicorn, with the shipped deploy/nginx.conf on loopback ports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HEADERS_MORE = Path("/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so")
LISTEN = "listen 8000;"
UPSTREAM = "server 127.0.0.1:8001;"


def missing() -> str | None:
    """Why nginx cannot run here, or None (tests skip with the reason)."""
    if not Path(NGINX).exists():
        return "nginx is missing; install Debian's nginx package (.ci/run does)"
    if not HEADERS_MORE.exists():
        return f"{HEADERS_MORE} is missing; install libnginx-mod-http-headers-more-filter"
    return None


def write_config(folder: Path, port: int, upstream_port: int) -> Path:
    """deploy/nginx.conf with the listening and upstream ports replaced, in ``folder``
    (also nginx's prefix: pid and temporary files go there)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (DEPLOY / "nginx.conf").read_text()
    assert text.count(LISTEN) == 1 and text.count(UPSTREAM) == 1, "deploy/nginx.conf changed"
    text = text.replace(LISTEN, f"listen 127.0.0.1:{port};")
    text = text.replace(UPSTREAM, f"server 127.0.0.1:{upstream_port};")
    config = folder / "nginx.conf"
    config.write_text(text)
    shutil.copy(DEPLOY / "errors.conf", folder / "errors.conf")
    return config


def nginx_command(config: Path) -> list[str]:
    command = [NGINX, "-p", str(config.parent), "-c", str(config), "-e", "stderr"]
    if os.geteuid() == 0:  # root's workers would run as nobody, who cannot use the prefix
        command += ["-g", "user root;"]
    return command


REPLICAS_CONFIG = "nginx-replicas.conf"
REPLICAS_LISTEN = "listen 8000;"
HOST_NAMES = ("primary", "replica1", "replica2")


def write_replicas_config(folder: Path, listen: str, hosts: dict[str, str]) -> Path:
    """deploy/nginx-replicas.conf listening on ``listen`` (address:port), with each host name
    (primary, replica1, replica2) replaced by its address in ``hosts``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (DEPLOY / REPLICAS_CONFIG).read_text()
    assert text.count(REPLICAS_LISTEN) == 1, "deploy/nginx-replicas.conf changed"
    text = text.replace(REPLICAS_LISTEN, f"listen {listen};")
    for name in HOST_NAMES:
        assert f"server {name}:8000" in text, f"deploy/nginx-replicas.conf names no {name}"
        text = text.replace(f"server {name}:8000", f"server {hosts[name]}:8000")
    config = folder / "nginx.conf"
    config.write_text(text)
    shutil.copy(DEPLOY / "errors.conf", folder / "errors.conf")
    return config
