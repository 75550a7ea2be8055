"""Every setting of the service, in one table: its name, environment variable, default, type
and meaning.

The table drives the app's configuration (`search.web.create_app`), the CLI's defaults, the
README's settings table and the OpenAPI text that quotes a limit; tests/test_docs.py fails
when the README and this table disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

PREFIX = "ARABIC_SEARCH_"
try:  # the version lives in pyproject.toml alone; everything else reads it from here
    VERSION = version("arabic-search")
except PackageNotFoundError:  # a source tree that was never installed
    VERSION = "0+unknown"


@dataclass(frozen=True)
class Setting:
    name: str  # the app's config key
    default: str | int | float | bool
    type: type
    meaning: str
    shown_default: str | None = None  # how the README shows the default, when not the value

    @property
    def variable(self) -> str:
        return PREFIX + self.name

    @property
    def readme_default(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        if isinstance(self.default, bool):
            return str(self.default).lower()
        return str(self.default)

    @property
    def type_label(self) -> str:
        """The type as the README's settings table names it."""
        return {str: "text", int: "whole number", float: "number", bool: "true/false"}[self.type]

    def parse(self, raw: str) -> str | int | float | bool:
        """The variable's text as this setting's type; a clear error when it is not one."""
        text = raw.strip()
        try:
            if self.type is bool:
                if text.lower() in ("1", "true", "yes", "on"):
                    return True
                if text.lower() in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(text)
            if self.type is int:
                return int(text)
            if self.type is float:
                return float(text)
        except ValueError:
            kind = {bool: "true or false", int: "a whole number", float: "a number"}[self.type]
            raise SettingError(f"{self.variable} must be {kind}, not {raw!r}") from None
        return raw  # text settings (a token, a folder) are kept exactly as given


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot take."""


SETTINGS = (
    Setting("INDEX_DIR", "index", str, "the index folder the service and the CLI use"),
    Setting(
        "MAX_CONTENT_LENGTH",
        10 * 1024 * 1024,
        int,
        "largest request body, in bytes (413 above it)",
    ),
    Setting(
        "ADMIN_TOKEN",
        "",
        str,
        "enables the write API; the bearer token it requires",
        shown_default="unset",
    ),
    Setting(
        "WRITE_WAIT_SECONDS",
        5.0,
        float,
        "how long a write waits for another writer before a 503",
    ),
    Setting(
        "MAX_REQUESTS",
        10_000,
        int,
        "requests a gunicorn worker serves before a fresh one replaces it (plus up to 10% "
        "jitter); 0 keeps workers",
    ),
    Setting(
        "WORKER_MAX_MB",
        2048,
        int,
        "a gunicorn worker holding more memory than this after a request is replaced; 0 never",
    ),
    Setting(
        "RESULT_CACHE_MB",
        16,
        int,
        "search responses each worker keeps for repeated identical searches of the same index "
        "generation, in MB; 0 keeps none",
    ),
    Setting(
        "RATE_LIMIT",
        "",
        str,
        "requests one client address may make, e.g. 20/second or 1000/hour, several separated "
        "by ; or , (429 over any); counted across the workers",
        shown_default="off",
    ),
    Setting(
        "TRUSTED_PROXIES",
        "",
        str,
        "addresses or networks, comma-separated, whose X-Forwarded-For names the client (for "
        "the rate limit and the logs)",
        shown_default="none",
    ),
    Setting(
        "CORS_ORIGINS",
        "",
        str,
        "origins, comma-separated (* for any), whose pages may call the read API from a browser",
        shown_default="none",
    ),
    Setting(
        "DOCS_URL",
        "README.md",
        str,
        "the README's published address: each error's docs link is it with #errors",
    ),
    Setting(
        "SYNONYMS",
        "",
        str,
        "a synonyms file (Solr's format) applied at query time, reloaded when it changes; "
        "none when unset",
        shown_default="unset",
    ),
    Setting(
        "LOG_JSON",
        True,
        bool,
        "log lines as JSON (one a request, and gunicorn's own); false: plain text lines",
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict:
    """Every setting at its default."""
    return {setting.name: setting.default for setting in SETTINGS}


def from_environment(environ: Mapping[str, str] | None = None) -> dict:
    """Every setting, from its environment variable where one is set, else its default."""
    environ = os.environ if environ is None else environ
    values = defaults()
    for setting in SETTINGS:
        if setting.variable in environ:
            values[setting.name] = setting.parse(environ[setting.variable])
    return values


def default(name: str) -> str | int | float | bool:
    """One setting's value from the environment, or its default (for CLI option defaults)."""
    setting = BY_NAME[name]
    raw = os.environ.get(setting.variable)
    return setting.default if raw is None else setting.parse(raw)
