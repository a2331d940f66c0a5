"""Where an index's bytes go, field by field: the term table (keys, term
infos, postings inlined there) and the postings file.

    python bench/field_sizes.py INDEX_DIR

INDEX_DIR is a Whoosh index folder (a zhen generation, ``gen-000001``, or a
textbook index). Each segment is read through Whoosh's own term reader; the
numbers are what the files hold, before the hash table Whoosh adds to each
term table (the difference between the ``.trm`` files and keys + term infos).
"""

import sys
from collections import Counter, defaultdict

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermInfo


def field_sizes(path):
    """{field: Counter(terms, inlined, key, info, inlined_bytes, postings)}."""
    stats = defaultdict(Counter)
    ix = whoosh_index.open_dir(path)
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms = leaf._terms
            for key, value in terms._tindex.items():
                field, _ = terms._keydecoder(key)
                found = stats[field]
                found["terms"] += 1
                found["key"] += len(key)
                found["info"] += len(value)
                info = W3TermInfo.from_bytes(value)
                if info.is_inlined():
                    found["inlined"] += 1
                    found["inlined_bytes"] += len(value) - W3TermInfo._struct.size
                else:
                    length = info._length
                    found["postings"] += length[0] if isinstance(length, tuple) else length
    return stats


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    stats = field_sizes(sys.argv[1])
    print(
        f"{'field':12} {'terms':>9} {'inlined':>9} "
        f"{'keys MB':>8} {'infos MB':>8} {'postings MB':>11}"
    )
    total = Counter()
    for field, found in sorted(stats.items(), key=lambda kv: -(kv[1]["info"] + kv[1]["postings"])):
        total.update(found)
        print(
            f"{field:12} {found['terms']:9} {found['inlined']:9} {found['key'] / 1e6:8.2f} "
            f"{found['info'] / 1e6:8.2f} {found['postings'] / 1e6:11.2f}"
        )
    print(
        f"{'total':12} {total['terms']:9} {total['inlined']:9} {total['key'] / 1e6:8.2f} "
        f"{total['info'] / 1e6:8.2f} {total['postings'] / 1e6:11.2f}"
    )


if __name__ == "__main__":
    main()
