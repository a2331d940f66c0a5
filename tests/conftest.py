"""Fixtures: small real corpora on disk, real indexes, the app and clients."""

import pytest
from click.testing import CliRunner

from zhen import settings
from zhen.indexer import update_index
from zhen.web import create_app

from .helpers import DOCS, SAMPLE, SHARED, write_corpus, write_record  # noqa: F401


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def small_index(small_corpus, tmp_path_factory):
    """A real on-disk index of DOCS, shared by read-only tests."""
    index = tmp_path_factory.mktemp("index")
    update_index([small_corpus], index=index, jobs=1)
    return index


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """A real index of the bundled sample corpus (268 documents)."""
    index = tmp_path_factory.mktemp("sample_index")
    update_index([SAMPLE], index=index, jobs=2)
    return index


@pytest.fixture
def app(small_index):
    return create_app({"TESTING": True, "INDEX": str(small_index)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    return CliRunner()


def _clear_settings(patch):
    for setting in settings.SETTINGS.values():
        patch.delenv(setting.env, raising=False)


@pytest.fixture(scope="session", autouse=True)
def _hermetic_session():
    """No ZHEN_* variable of the environment reaches any test, not even the
    session's shared indexes (built before any function-level fixture)."""
    with pytest.MonkeyPatch.context() as patch:
        _clear_settings(patch)
        yield


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch, tmp_path):
    """Tests never touch the user's index or settings."""
    _clear_settings(monkeypatch)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def make_index(tmp_path):
    """Build a real index: ``make_index(docs)`` from a DOCS-shaped dict, or
    ``make_index(paths=[...])`` from record paths; returns its directory."""
    counter = iter(range(1000))

    def build(docs=DOCS, paths=None, jobs=1, **kwargs):
        n = next(counter)
        if paths is None:
            paths = [write_corpus(tmp_path / f"corpus{n}", docs)]
        index = tmp_path / f"index{n}"
        update_index(paths, index=index, jobs=jobs, **kwargs)
        return index

    return build
