"""The README stays true: its settings table is the code's, and its command transcripts are
run on the seeds (the stable parts of their output compared: times, rates, dates and folder
names vary from run to run)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from search.settings import SETTINGS

from .conftest import ROOT, SEEDS
from .live_server import environment, gunicorn_command

README = (ROOT / "README.md").read_text("utf-8")
BIN = Path(sys.executable).parent  # arabic-search lives beside the interpreter
PLACEHOLDERS = [
    (re.compile(r"in [\d.]+ s \([\d,]+ docs/s\)"), "in # s (# docs/s)"),
    (re.compile(r"in [\d.]+ s$"), "in # s"),
    (re.compile(r"results in [\d.]+ ms"), "results in # ms"),
    (re.compile(r"g-\d{8}T\d+"), "g-#"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"), "#time"),
    (re.compile(r"[\d.]+ MB in"), "# MB in"),
]


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_the_settings_table_is_the_code_s():
    rows = [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for line in section("Settings").splitlines()
        if line.startswith("| `ARABIC_SEARCH_")
    ]
    expected = [
        [setting.variable, setting.readme_default, setting.type_label, setting.meaning]
        for setting in SETTINGS
    ]
    assert rows == expected


def transcripts() -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of the README's indented blocks with the output lines below it."""
    found: list[tuple[str, list[str]]] = []
    for line in README.splitlines():
        if line.startswith("    $ "):
            found.append((line[6:], []))
        elif found and line.startswith("    ") and line.strip():
            found[-1][1].append(line[4:])
        elif found and found[-1][1] and not line.strip():
            found.append(("", []))  # a blank line ends the output shown
    return [(command, output) for command, output in found if command]


def stable(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        line = line.rstrip()
        for pattern, placeholder in PLACEHOLDERS:
            line = pattern.sub(placeholder, line)
        out.append(line)
    return out


def assert_shown_in(shown: list[str], actual: list[str], command: str) -> None:
    """Every line the README shows appears in the real output, in the same order."""
    remaining = iter(stable(actual))
    for line in stable(shown):
        assert any(line == got for got in remaining), f"{command!r}: {line!r} not in output"


def matches(shown, actual) -> bool:
    """JSON values equal, but a README string ending in … abbreviates a longer one."""
    if isinstance(shown, str) and isinstance(actual, str) and shown.endswith("…"):
        return actual.startswith(shown[:-1].rstrip())
    if isinstance(shown, dict) and isinstance(actual, dict):
        return shown.keys() == actual.keys() and all(
            key == "took_ms" or matches(value, actual[key]) for key, value in shown.items()
        )
    if isinstance(shown, list) and isinstance(actual, list):
        return len(shown) == len(actual) and all(map(matches, shown, actual))
    return shown == actual


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(SEEDS, folder / "seeds")
    return folder


def run(command: str, cwd: Path, env: dict) -> list[str]:
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{command!r} failed: {done.stdout}"
    return done.stdout.splitlines()


def test_the_command_transcripts_hold(workdir, serve):
    env = environment(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", NO_COLOR="1")
    commands = transcripts()
    assert sum(c.startswith("arabic-search") for c, _ in commands) >= 5
    curls = [(c, output) for c, output in commands if c.startswith("curl ")]
    for command, shown in commands:
        if command.startswith(("curl ", "arabic-search serve")):
            continue
        assert_shown_in(shown, run(command, workdir, env), command)
    if not curls:
        return
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed: the README's curl lines were not run")
    index = str(workdir / "index")
    base = serve(gunicorn_command(), environment(ARABIC_SEARCH_INDEX_DIR=index))
    for command, shown in curls:
        words = shlex.split(command)
        assert "-s" in words, "the README's curl lines are silent (-s): their output is JSON"
        actual = "\n".join(run(command.replace("http://127.0.0.1:8000", base), workdir, env))
        assert matches(json.loads("\n".join(shown)), json.loads(actual)), command
