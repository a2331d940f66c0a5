"""Facts about an index: documents, batches, last update, size, settings."""

from whoosh import query as wq
from whoosh import sorting

from .schema import column_text
from .store import IndexStore
from .whoosh_internals import segment_count


def index_stats(index):
    """A dict describing the live index (raises IndexMissingError if none)."""
    store = IndexStore(index)
    gen = store.require_current()
    meta = store.meta(gen)
    ix = store.open(gen)
    with ix.searcher() as searcher:
        results = searcher.search(
            wq.Every(),
            limit=1,
            groupedby={"batch": sorting.FieldFacet("batch", maptype=sorting.Count)},
        )
        batches = {
            column_text(k): v
            for k, v in results.groups("batch").items()
            if column_text(k) is not None
        }
        segments = segment_count(ix)
        documents = searcher.doc_count()
    size = sum(f.stat().st_size for f in gen.iterdir() if f.is_file())
    return {
        "index": str(store.root),
        "generation": gen.name,
        "documents": documents,
        "batches": dict(sorted(batches.items())),
        "created": meta.get("created"),
        "updated": meta.get("updated"),
        "size_bytes": size,
        "segments": segments,
        "settings": meta.get("settings", {}),
    }
