"""Errors of the cluster engine that zhen.errors has no class for."""

from ...errors import ZhenError


class EngineUnavailableError(ZhenError):
    """The index URL cannot be used: it is malformed, nothing answers there,
    or what answers is not OpenSearch or Elasticsearch. Raised instead of a
    client library's traceback, with a hint saying what to check."""
