"""What a release ships (issue 18): the Dockerfile's invariants (two stages, dependencies in a
layer of their own, no compiler in the final image, a pinned base, the index on a volume), a
complete .dockerignore, a compose.yaml that runs that image, and a CHANGELOG whose newest
release is the version in pyproject.toml. Docker itself is not run here; these are read from
the files."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import tomllib

import pytest
import yaml

from search.settings import BY_NAME, PREFIX, VERSION

from .conftest import ROOT

PINNED = re.compile(
    r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$|[\w./:-]+@sha256:[0-9a-f]{64}$"
)
COMPILERS = ("gcc", "g++", "clang", "build-essential", "libc6-dev", "make ")


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


DOCKERFILE = instructions((ROOT / "Dockerfile").read_text())


def stages() -> list[list[tuple[str, str]]]:
    parts: list[list[tuple[str, str]]] = []
    for keyword, rest in DOCKERFILE:
        if keyword == "FROM":
            parts.append([])
        if parts:
            parts[-1].append((keyword, rest))
    return parts


def arguments() -> dict[str, str]:
    return dict(
        rest.split("=", 1) for keyword, rest in DOCKERFILE if keyword == "ARG" and "=" in rest
    )


def test_two_stages_the_final_one_copying_the_build():
    build, final = stages()
    assert build[0][1].endswith(" AS build")
    assert any(k == "COPY" and rest.startswith("--from=build ") for k, rest in final)


def test_every_base_is_pinned_to_an_exact_version_or_digest():
    values = arguments()
    for stage in stages():
        image = stage[0][1].split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], image)
        assert PINNED.match(image), image


def test_no_compiler_in_the_final_image():
    build, final = stages()
    assert any("gcc" in rest for k, rest in build if k == "RUN")  # where PyStemmer may build
    for keyword, rest in final:
        if keyword == "RUN":
            assert not [name for name in COMPILERS if name in rest + " "], rest


def test_the_dependencies_are_a_layer_before_the_code():
    build, _ = stages()
    steps = [f"{k} {rest}" for k, rest in build]
    installs = next(i for i, step in enumerate(steps) if "-r requirements.txt" in step)
    code = next(i for i, step in enumerate(steps) if step.startswith("COPY search"))
    assert installs < code
    copied_before = [s for s in steps[:installs] if s.startswith("COPY")]
    assert copied_before == ["COPY pyproject.toml ./"]  # nothing that changes with the code


def test_the_requirements_line_lists_pyproject_s_dependencies(tmp_path):
    (build, _) = stages()
    run = next(rest for k, rest in build if k == "RUN" and "tomllib" in rest)
    command = run.split(" > requirements.txt")[0]
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert done.stdout.split("\n")[:-1] == project["dependencies"]


def test_the_index_is_on_a_volume_and_the_service_runs_as_a_user():
    _, final = stages()
    env = " ".join(rest for k, rest in final if k == "ENV")
    index = re.search(r"ARABIC_SEARCH_INDEX_DIR=(\S+)", env)[1]
    (volume,) = [rest for k, rest in final if k == "VOLUME"]
    assert yaml.safe_load(volume) == [index]
    users = [i for i, (k, _) in enumerate(final) if k == "USER"]
    assert users and final[users[-1]][1] not in ("root", "0")
    assert all(k != "RUN" for k, _ in final[users[-1] :])
    for name in re.findall(rf"{PREFIX}(\w+)=", env):
        assert name in BY_NAME, name


def copied_paths() -> set[str]:
    paths = set()
    for keyword, rest in DOCKERFILE:
        if keyword == "COPY" and not rest.startswith("--from"):
            paths.update(part.rstrip("/") for part in rest.split()[:-1])
    return paths


def test_dockerignore_leaves_out_all_but_what_the_image_copies():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern.removeprefix("**/")) for pattern in patterns)

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    top = {path.split("/")[0] for path in tracked}
    copied = copied_paths()
    assert copied <= top
    assert not [name for name in copied if ignored(name)]
    assert sorted(name for name in top - copied if not ignored(name)) == []
    for generated in (".venv", "index", "__pycache__", "arabic_search.egg-info", ".pytest_cache"):
        assert ignored(generated), generated


def test_compose_runs_the_image_with_the_index_on_a_volume():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    (service,) = compose["services"].values()
    assert service["build"] == "."
    _, final = stages()
    (volume,) = [yaml.safe_load(rest)[0] for k, rest in final if k == "VOLUME"]
    name, target = service["volumes"][0].split(":")
    assert (target, name in compose["volumes"]) == (volume, True)
    exposed = {rest for k, rest in final if k == "EXPOSE"}
    listen = re.search(r"listen (\d+);", (ROOT / "deploy/nginx.conf").read_text())[1]
    (port,) = service["ports"]
    assert port.rsplit(":", 1)[1] == listen and exposed == {listen}
    for variable in service["environment"]:
        if variable.startswith(PREFIX):
            assert variable.removeprefix(PREFIX) in BY_NAME, variable


def test_the_start_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(ROOT / "deploy/start.sh")], check=True)


def test_the_changelog_s_newest_release_is_the_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert headings[0] == "Unreleased"
    assert headings[1] == VERSION
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == VERSION
