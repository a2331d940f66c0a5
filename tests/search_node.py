"""A real OpenSearch node for tests, started once per test session.

Import the fixture into a test module (this is a plain module, not a
conftest, so only the tests that ask for a cluster pay for one)::

    from .search_node import opensearch_url  # noqa: F401  (a fixture)

    @pytest.mark.cluster
    def test_something(opensearch_url): ...

The node is started by ``scripts/search-node`` in a folder of its own under
/var/tmp, on a free port, and stopped (and its folder removed) when the
session ends. Which engine: OpenSearch, or Elasticsearch 8 when
``ZHEN_TEST_ENGINE=elasticsearch`` (the same tests run on both; .ci/run
runs the cluster tests once with each). Setting ``ZHEN_TEST_OPENSEARCH_URL``
uses that cluster instead and leaves it alone (``ZHEN_TEST_ENGINE`` then
says which engine it is). Without Java, without Maven (and no cached
distribution) or without opensearch-py, the tests are skipped with the
reason.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "search-node"
# engine -> (Maven group path, version): as in scripts/search-node.
DISTRIBUTIONS = {
    "opensearch": ("org/opensearch/distribution/integ-test-zip", "2.19.6"),
    "elasticsearch": ("org/elasticsearch/distribution/integ-test-zip", "8.19.21"),
}
ENGINE = os.environ.get("ZHEN_TEST_ENGINE", "opensearch")
if ENGINE not in DISTRIBUTIONS:
    raise RuntimeError(f"ZHEN_TEST_ENGINE={ENGINE!r}: use one of {sorted(DISTRIBUTIONS)}")


def cached_zip(engine=ENGINE):
    """Where mvn keeps the engine's distribution once fetched."""
    group, version = DISTRIBUTIONS[engine]
    return Path.home() / ".m2/repository" / group / engine / version / f"{engine}-{version}.zip"


TRANSPORT_OFFSET = 100  # as in scripts/search-node
START_TIMEOUT = 240


def missing_requirement(engine=ENGINE):
    """Why a node of ``engine`` cannot be started here, or None when it can."""
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return "Java is missing (apt-get install -y openjdk-17-jre-headless)"
    if not shutil.which("mvn") and not cached_zip(engine).exists():
        return f"Maven is missing (apt-get install -y maven) and {engine} is not cached"
    try:
        import opensearchpy  # noqa: F401
    except ImportError:
        return "opensearch-py is missing (pip install -e '.[cluster]')"
    return None


def free_port():
    """A port free for HTTP whose transport twin (+100) is free too."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + TRANSPORT_OFFSET < 65536 and _free(port + TRANSPORT_OFFSET):
            return port
    raise RuntimeError("no free port pair found")


def _free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _node_command(folder, *args):
    return [sys.executable, str(SCRIPT), "--dir", str(folder), *args]


# One node per session, however many test modules import the fixture (each
# import is a fixture of its own to pytest): started by the first, stopped
# when the last one is torn down.
_NODE = {"users": 0, "url": None, "folder": None}


@pytest.fixture(scope="session")
def opensearch_url():
    """URL of a running single-node cluster, OpenSearch or
    Elasticsearch as ``ZHEN_TEST_ENGINE`` says (started once)."""
    given = os.environ.get("ZHEN_TEST_OPENSEARCH_URL")
    if given:
        yield given.rstrip("/")
        return
    if not _NODE["users"]:
        _start_node()
    _NODE["users"] += 1
    try:
        yield _NODE["url"]
    finally:
        _NODE["users"] -= 1
        if not _NODE["users"]:
            _stop_node()


def _start_node():
    reason = missing_requirement()
    if reason:
        pytest.skip(f"no {ENGINE} node: {reason}")
    folder = Path(f"/var/tmp/zhen-nodes-pytest-{os.getuid()}-{os.getpid()}")
    _NODE["folder"] = folder
    started = subprocess.run(
        _node_command(
            folder,
            "start",
            ENGINE,
            "--port",
            str(free_port()),
            "--timeout",
            str(START_TIMEOUT),
        ),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT + 300,
    )
    if started.returncode:
        _stop_node()
        pytest.fail(
            f"scripts/search-node could not start {ENGINE}:\n{started.stderr[-4000:]}",
            pytrace=False,
        )
    _NODE["url"] = started.stdout.strip()


def _stop_node():
    folder = _NODE["folder"]
    if folder is not None:
        subprocess.run(_node_command(folder, "stop"), capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
    _NODE.update(url=None, folder=None)


@pytest.fixture
def opensearch_client(opensearch_url):
    """An opensearch-py client on the session's node."""
    from opensearchpy import OpenSearch

    client = OpenSearch(opensearch_url, timeout=30)
    yield client
    client.close()


@pytest.fixture
def cluster_url(opensearch_url, request):
    """A fresh alias of its own for one test (its indexes deleted after)."""
    from opensearchpy import OpenSearch

    name = "zhen-t-" + request.node.name.lower().replace("_", "-")[:40]
    client = OpenSearch(opensearch_url)
    yield f"{opensearch_url}/{name}"
    # by name: Elasticsearch 8 refuses wildcard deletes by default
    for concrete in client.indices.get(index=f"{name}-*", ignore_unavailable=True):
        client.indices.delete(index=concrete)
    client.delete(index="zhen-locks", id=name, ignore=404)
    client.close()
