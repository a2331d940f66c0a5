"""What makes a cluster's answer usable: whole (every shard answered), not
an error; and which failures are worth another try."""


def raise_item_error(item):
    """Raise an ``_msearch`` answer's error as the client raises a request's."""
    if "error" not in item:
        return
    from opensearchpy.exceptions import HTTP_EXCEPTIONS, TransportError

    status = item.get("status", 500)
    error = item["error"]
    kind = error.get("type", str(error)) if isinstance(error, dict) else str(error)
    raise HTTP_EXCEPTIONS.get(status, TransportError)(status, kind, item)


class PartialAnswer(Exception):
    """Some shards of the index did not answer: totals, facets and the
    ranking would silently leave out their documents."""

    status_code = None


def check_complete(response):
    """Raise :class:`PartialAnswer` unless every shard answered.

    ``_shards.failed`` alone is not enough: a shard with no live copy (an
    unassigned primary, the index red) is counted in ``total`` but neither
    in ``successful`` nor in ``failed`` on OpenSearch 2.19 (Elasticsearch
    8.19 counts it as failed). ``successful`` includes the ``skipped`` shards
    (those that showed they hold no match). Responses without ``_shards``
    (a get, a mapping) pass.
    """
    shards = response.get("_shards")
    if not shards:
        return
    answered = shards.get("successful", 0)
    if answered >= shards.get("total", 0) and not shards.get("failed", 0):
        return
    reasons = sorted({_failure_reason(f) for f in shards.get("failures") or []})
    detail = f" ({'; '.join(reasons)})" if reasons else " (the others have no live copy)"
    raise PartialAnswer(f"{answered} of {shards.get('total', 0)} shards{detail}")


def _failure_reason(failure):
    """``shard N: reason`` of one entry of ``_shards.failures``."""
    why = failure.get("reason")
    if isinstance(why, dict):
        why = why.get("reason") or why.get("type")
    return f"shard {failure.get('shard', '?')}: {why}"


def retryable(exc):
    """An alias that moved (the old index deleted mid-request), a lost or
    busy node, incomplete shards, a search whose shards all failed on the
    server's side (a node lost mid-search answers 500; a bad query is a
    400): worth another try."""
    status = getattr(exc, "status_code", None)
    if isinstance(exc, PartialAnswer) or status in (429, 502, 503, 504) or status == "N/A":
        return True
    if status == 500:
        return getattr(exc, "error", "") == "search_phase_execution_exception"
    if status == 404:
        return getattr(exc, "error", "") == "index_not_found_exception"
    from opensearchpy.exceptions import ConnectionError as Unreachable

    return isinstance(exc, Unreachable)
