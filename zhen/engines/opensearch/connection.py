"""Index URLs and clients: ``http(s)://HOST:PORT[,HOST:PORT…]/NAME``.

NAME is the alias zhen searches and writes through; the concrete indexes
behind it are ``NAME-000001``, ``NAME-000002`` … (a rebuild makes the next
one and moves the alias). Several hosts of one cluster may be listed,
separated by commas; the client spreads requests over them and moves on
from one that stops answering.

Every failure to reach the cluster becomes an
:class:`~.errors.EngineUnavailableError` naming the URL (never a client
traceback): :func:`connect` checks the URL before any work, and
:func:`unavailable` translates errors raised later.
"""

import contextlib
import re
import urllib.error
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import EngineUnavailableError
from .mapping import NotACluster, detect_engine

# Index and alias names: lowercase, no leading -_+, none of \/*?"<>| ,#:
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")
HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
URL_HINT = "an index URL looks like http://localhost:9200/zhen"
TIMEOUT = 60
# Transport-level retries of one request on another host (or the same one).
MAX_RETRIES = 3


@dataclass(frozen=True)
class ClusterUrl:
    """A parsed index URL."""

    scheme: str
    hosts: tuple
    name: str

    @property
    def bases(self):
        """The base URL of each host (``http://host:port``)."""
        return [f"{self.scheme}://{host}" for host in self.hosts]

    def __str__(self):
        return f"{self.scheme}://{','.join(self.hosts)}/{self.name}"


def is_cluster_url(text):
    """Whether ``text`` names a cluster index rather than a folder."""
    return str(text).lower().startswith(("http://", "https://"))


def parse_url(url):
    """The :class:`ClusterUrl` of ``url``; a clear error when malformed."""
    parts = urlsplit(str(url).strip())
    hosts = tuple(h for h in parts.netloc.split(",") if h)
    name = parts.path.strip("/")
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "it does not start with http:// or https://"
    elif not hosts or not all(HOST.match(h) for h in hosts):
        problem = f"'{parts.netloc}' is not HOST:PORT (or several, comma-separated)"
    elif not NAME.match(name):
        problem = (
            f"the index name '{name}' must be lowercase letters, digits, "
            "'.', '_' or '-' (and not start with one of those signs)"
        )
    elif parts.query or parts.fragment:
        problem = "it has a query or fragment"
    if problem:
        raise EngineUnavailableError(f"bad index URL {url!r}: {problem}", hint=URL_HINT)
    return ClusterUrl(parts.scheme, hosts, name)


def connect(url, check=True):
    """(:class:`ClusterUrl`, opensearch-py client, engine name) for ``url``.

    With ``check`` the cluster is asked who it is first (one ``GET /`` per
    host until one answers), so a wrong URL fails here with a clear
    message instead of a client error later.
    """
    target = parse_url(url)
    engine = detect(target) if check else None
    from opensearchpy import OpenSearch

    client = OpenSearch(
        target.bases,
        timeout=TIMEOUT,
        max_retries=MAX_RETRIES,
        retry_on_timeout=True,
        retry_on_status=(502, 503, 504),
    )
    return target, client, engine


def detect(target):
    """``"opensearch"`` or ``"elasticsearch"``: the first host that answers
    decides. Raises :class:`EngineUnavailableError` otherwise."""
    reasons = []
    for base in target.bases:
        try:
            return detect_engine(base)
        except NotACluster as exc:
            raise EngineUnavailableError(
                f"{base} is not an OpenSearch or Elasticsearch cluster: {exc}", hint=URL_HINT
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reasons.append(f"{base}: {getattr(exc, 'reason', exc)}")
    raise EngineUnavailableError(
        f"cannot reach the cluster of {target}: {'; '.join(reasons)}",
        hint="start it (scripts/search-node start opensearch) or check the URL",
    )


@contextlib.contextmanager
def unavailable(target):
    """Turn a lost cluster (connection refused, timeouts after the client's
    retries) into :class:`EngineUnavailableError`."""
    from opensearchpy.exceptions import ConnectionError as Unreachable
    from opensearchpy.exceptions import TransportError

    try:
        yield
    except Unreachable as exc:
        raise EngineUnavailableError(
            f"lost the cluster of {target}: {exc.error if hasattr(exc, 'error') else exc}",
            hint="check that the cluster is up, then run the command again",
        ) from None
    except TransportError as exc:
        if exc.status_code in (502, 503, 504):
            raise EngineUnavailableError(
                f"the cluster of {target} cannot serve the request "
                f"(HTTP {exc.status_code}: {reason(exc)})",
                hint="wait for the cluster to recover, then try again",
            ) from None
        raise


def reason(exc):
    """The readable ``reason`` of a cluster error response, else its text."""
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        error = info.get("error")
        if isinstance(error, dict):
            root = (error.get("root_cause") or [error])[0]
            return root.get("reason") or error.get("type") or str(error)
        if error:
            return str(error)
    return str(getattr(exc, "error", exc))
