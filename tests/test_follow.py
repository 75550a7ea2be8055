"""Read replicas on one host (issue 19): a copy of the primary kept with the shipped rsync
daemon config, which serves only whole commits checked against the primary's record, refuses
writes with a 503 naming the primary, and says in /healthz how far behind it is.

The same over real network hosts (namespaces, nginx, failures) is tests/test_replicas.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.documents import Article, read_paths
from search.store import (
    Follower,
    FollowError,
    SyncFailed,
    generation_marker,
    index_articles,
    live_generation,
    read_build_info,
    replica_status,
)
from search.store.generations import commit_files, file_crc
from search.web import create_app

from .conftest import ROOT, SEEDS, write_seed_corpus
from .live_server import environment, fetch, free_port, send
from .rsync_server import missing, rsync_daemon

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")
TOKEN = "replica-test-token"


@pytest.fixture
def primary(writable_index, tmp_path):
    """The primary's index behind the shipped daemon config; (folder, rsync URL)."""
    with rsync_daemon(tmp_path / "rsyncd", writable_index, free_port()) as url:
        yield writable_index, url


def client(folder: Path, **config):
    return create_app({"TESTING": True, "INDEX_DIR": str(folder), **config}).test_client()


def total(http, q: str) -> int:
    response = http.get("/api/search", query_string={"q": q})
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["total"]


def write(folder: Path, doc_id: str, word: str) -> None:
    index_articles(folder, [Article(doc_id, f"خبر {word}", f"نص الخبر عن {word} في المدينة")])


def test_a_replica_serves_the_primarys_commit_and_refuses_writes(primary, tmp_path):
    folder, url = primary
    replica = tmp_path / "replica"
    result = Follower(url, replica, writes_to="http://primary.example:8000").sync()
    assert result.changed and result.generation == generation_marker(folder)
    http = client(replica, ADMIN_TOKEN=TOKEN)
    hits = http.get("/api/search", query_string={"q": "بلينكن"}).get_json()
    assert hits["results"][0]["id"].startswith("002_")
    health = http.get("/healthz").get_json()
    assert health["status"] == "ok" and health["documents"] == 5
    assert health["replica"]["primary"] == url
    assert health["replica"]["generation"] == health["replica"]["primary_generation"]
    assert health["replica"]["commits_behind"] == 0 and health["replica"]["error"] is None
    metrics = http.get("/metrics").get_data(as_text=True).splitlines()
    assert "arabic_search_replica_commits_behind 0.0" in metrics
    assert any(line.startswith("arabic_search_replica_seconds_behind ") for line in metrics)
    primary_metrics = client(folder).get("/metrics").get_data(as_text=True)
    assert "arabic_search_replica_seconds_behind " not in primary_metrics
    response = http.put(
        "/api/documents/x1",
        json={"title": "عنوان", "body": "نص"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "read_only_replica"
    assert error["primary"] == "http://primary.example:8000"
    assert "send writes to the primary, http://primary.example:8000" in error["message"]
    no_token = http.delete("/api/documents/x1")  # said before any token is asked for
    assert no_token.get_json()["error"]["code"] == "read_only_replica"
    refused = CliRunner().invoke(main, ["index", str(SEEDS), "--index", str(replica)])
    assert refused.exit_code == 1 and "read-only replica" in refused.output
    assert total(http, "بلينكن") == 2  # nothing was written


def test_a_write_on_the_primary_is_served_after_the_next_sync(primary, tmp_path):
    folder, url = primary
    replica = tmp_path / "replica"
    follower = Follower(url, replica, prune_after=0)
    follower.sync()
    http = client(replica)  # one app, one reader, reopened when the copy changes
    assert total(http, "زلزال") == 0
    write(folder, "quake-1", "زلزال")
    assert total(http, "زلزال") == 0
    result = follower.sync()
    assert result.changed and result.generation == generation_marker(folder)
    assert total(http, "زلزال") == 1
    assert follower.sync().changed is False
    # The copy holds the primary's commit and nothing else once the old files are pruned.
    live = live_generation(replica)
    record = read_build_info(folder)
    assert sorted(p.name for p in live.iterdir()) == sorted([*record["files"], "build.json"])


def test_a_rebuild_on_the_primary_switches_the_replica_and_prunes_the_old_one(primary, tmp_path):
    folder, url = primary
    replica = tmp_path / "replica"
    follower = Follower(url, replica, prune_after=0)
    follower.sync()
    old = live_generation(replica)
    index_articles(folder, [Article("only", "عنوان وحيد", "نص المقال الوحيد")], rebuild=True)
    follower.sync()
    assert live_generation(replica).name == live_generation(folder).name != old.name
    assert not old.exists()
    assert client(replica).get("/healthz").get_json()["documents"] == 1


def test_a_file_that_differs_from_the_record_is_never_served(primary, tmp_path):
    folder, url = primary
    replica = tmp_path / "replica"
    follower = Follower(url, replica)
    follower.sync()
    before, copied = generation_marker(replica), set(read_build_info(folder)["files"])
    write(folder, "quake-1", "زلزال")
    record = read_build_info(folder)
    segment = next(name for name in record["files"] if name.endswith(".seg") and name not in copied)
    damaged = live_generation(folder) / segment
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes: only the CRC tells
    damaged.write_bytes(bytes(data))
    with pytest.raises(SyncFailed, match="differ from the primary's record"):
        follower.sync()
    assert generation_marker(replica) == before
    http = client(replica)
    assert total(http, "بلينكن") == 2 and total(http, "زلزال") == 0
    health = http.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert "differ from the primary's record" in health["replica"]["error"]


def test_rsync_killed_mid_copy_leaves_the_previous_commit_serving(primary, tmp_path):
    folder, url = primary
    replica = tmp_path / "replica"
    Follower(url, replica).sync()
    before = generation_marker(replica)
    corpus = tmp_path / "more.jsonl"
    write_seed_corpus(corpus, 400, "more")
    index_articles(folder, read_paths([corpus]), rebuild=True)  # a new generation to copy
    slow = Follower(url, replica, bwlimit=100)  # KB/s: its files take seconds
    failures = []

    def copy():
        try:
            slow.sync()
        except SyncFailed as failure:
            failures.append(str(failure))

    copying = threading.Thread(target=copy)
    copying.start()
    time.sleep(1.0)
    slow.cancel()  # SIGKILL to the rsync under way
    copying.join(timeout=30)
    assert failures and "killed" in failures[0]
    assert generation_marker(replica) == before
    assert client(replica).get("/healthz").get_json()["documents"] == 5
    Follower(url, replica, prune_after=0).sync()
    assert client(replica).get("/healthz").get_json()["documents"] == 400
    leftovers = [p.name for p in live_generation(replica).iterdir() if p.name.startswith(".")]
    assert leftovers == []  # rsync's temporary files of the killed copy are gone


def test_an_unreachable_primary_is_reported_while_the_copy_keeps_serving(tmp_path, seed_index):
    replica = tmp_path / "replica"
    port = free_port()
    with rsync_daemon(tmp_path / "rsyncd", seed_index, port) as url:
        Follower(url, replica).sync()
    with pytest.raises(SyncFailed, match="cannot reach the rsync daemon"):
        Follower(url, replica).sync()
    health = client(replica).get("/healthz").get_json()
    assert health["status"] == "ok" and health["documents"] == 5
    assert "cannot reach the rsync daemon" in health["replica"]["error"]
    assert health["replica"]["seconds_behind"] is not None


def test_a_primary_without_a_file_list_is_refused_with_the_fix(primary, tmp_path):
    folder, url = primary
    record_path = live_generation(folder) / "build.json"
    record = json.loads(record_path.read_text())
    del record["files"]
    record_path.write_text(json.dumps(record))
    with pytest.raises(SyncFailed, match="any write or a rebuild on the primary"):
        Follower(url, tmp_path / "replica").sync()


def test_the_primarys_record_lists_every_file_of_its_commit(writable_index):
    write(writable_index, "quake-1", "زلزال")
    write(writable_index, "quake-2", "بركان")
    live = live_generation(writable_index)
    record = read_build_info(writable_index)
    assert record["toc"] == generation_marker(writable_index).split("/")[1]
    on_disk = {p.name for p in live.iterdir()} - {"build.json", "MAIN_WRITELOCK"}
    assert set(record["files"]) == on_disk
    for name, (size, crc) in record["files"].items():
        assert (live / name).stat().st_size == size and file_crc(live / name) == crc
    assert commit_files(live, record["files"]) == (record["toc"], record["files"])


def test_the_newest_commit_is_the_highest_number_not_the_last_name(tmp_path):
    generation = tmp_path / "g-1"
    generation.mkdir()
    (tmp_path / "CURRENT").write_text("g-1")
    for name in ("_MAIN_9.toc", "_MAIN_10.toc"):
        (generation / name).write_bytes(b"")
    assert generation_marker(tmp_path) == "g-1/_MAIN_10.toc"


def test_the_follow_command(primary, tmp_path):
    folder, url = primary
    replica = str(tmp_path / "replica")
    runner = CliRunner()
    first = runner.invoke(main, ["follow", url, "--index", replica, "--once"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"copied {generation_marker(folder)}: 1 file, ")
    again = runner.invoke(main, ["follow", url, "--index", replica, "--once"])
    assert again.output == f"in sync at {generation_marker(folder)}\n"
    bad = runner.invoke(main, ["follow", "primary:/srv/index", "--index", replica, "--once"])
    assert bad.exit_code == 1 and "is not an rsync source" in bad.output
    gone = url.replace("/index", "/nothing")
    failed = runner.invoke(main, ["follow", gone, "--index", replica, "--once"])
    assert failed.exit_code == 1  # and the copy stays as it was
    assert "sync failed: the rsync daemon refused the module" in failed.output
    assert client(Path(replica)).get("/healthz").get_json()["documents"] == 5


def test_one_follower_per_copy_and_never_over_an_index_of_its_own(primary, tmp_path):
    folder, url = primary
    first = Follower(url, tmp_path / "replica")
    with first.exclusive(), pytest.raises(FollowError, match="another follower"):
        Follower(url, tmp_path / "replica").run(1.0, once=True)
    with pytest.raises(FollowError, match="holds an index of its own"):
        Follower(url, folder).run(1.0, once=True)
    assert read_build_info(folder)["documents"] == 5


def test_the_replica_script_serves_a_copy_and_stops_whole(primary, tmp_path):
    """deploy/replica.sh, the replicas' command in compose.replicas.yaml: follower and
    gunicorn together, both stopped by one SIGTERM."""
    _, url = primary
    port = free_port()
    env = environment(
        PRIMARY=url,
        ARABIC_SEARCH_INDEX_DIR=str(tmp_path / "replica"),
        WRITES_TO="http://primary.example:8000",
        BIND=f"127.0.0.1:{port}",
        WORKERS="1",
        INTERVAL="0.2",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    with (tmp_path / "replica.log").open("wb") as log:
        script = subprocess.Popen(
            ["bash", str(ROOT / "deploy" / "replica.sh")], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        health = None
        while health is None or health[0] != 200:
            running = script.poll() is None and time.monotonic() < deadline
            assert running, (tmp_path / "replica.log").read_text()
            time.sleep(0.1)
            with contextlib.suppress(OSError):
                health = fetch(f"http://127.0.0.1:{port}/healthz")
        assert health[2]["documents"] == 5
        assert health[2]["replica"]["following"] is True
        status, _, body = send("DELETE", f"http://127.0.0.1:{port}/api/documents/x")
        assert (status, body["error"]["primary"]) == (503, "http://primary.example:8000")
        script.terminate()
        assert script.wait(timeout=15) == 0
        assert replica_status(tmp_path / "replica")["following"] is False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(script.pid, 9)
        script.wait()


def test_the_compose_file_wires_the_shipped_configs_together():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.replicas.yaml").read_text())
    services = compose["services"]
    nginx = (ROOT / "deploy" / "nginx-replicas.conf").read_text()
    for host in ("primary", "replica1", "replica2"):  # the names nginx's upstreams use
        assert f"server {host}:8000" in nginx and host in services
    assert services["primary-rsync"]["network_mode"] == "service:primary"
    shared = "primary-index:/srv/arabic-search/index"
    assert services["primary"]["volumes"] == [shared]
    assert services["primary-rsync"]["volumes"] == [shared + ":ro"]
    assert "/srv/arabic-search/deploy/rsyncd.conf" in " ".join(services["primary-rsync"]["command"])
    assert "path = /srv/arabic-search/index" in (ROOT / "deploy" / "rsyncd.conf").read_text()
    for replica in ("replica1", "replica2"):
        assert services[replica]["command"] == ["bash", "deploy/replica.sh"]
        assert services[replica]["environment"]["PRIMARY"] == "rsync://primary/index"
    assert "deploy/nginx-replicas.conf" in services["nginx"]["command"][-1]
