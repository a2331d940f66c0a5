"""Many packed posting blocks decoded at once, into numpy arrays.

:func:`.blocks.decode_block` decodes one block (up to 128 postings) with a
few Python calls; a question on a million documents reads about ten
thousand blocks, and those calls were a third of its time. A block's layout
(:func:`.blocks.encode_block`: a 7-byte header, the id deltas, the weights,
at widths the header names) is regular, so the blocks of a term are joined
and each part is gathered for every block of the same width in one numpy
operation; ids are the running sum of the deltas restarted at each block's
first id.
"""

import numpy as np

from .blocks import _WIDTHS, HEADER, WEIGHTS_FLOAT, WEIGHTS_ONE, decode_block

_ID_TYPES = tuple(np.dtype("<u" + str(np.dtype(code).itemsize)) for code in _WIDTHS)
_FLOAT = np.dtype("<f4")
# Up to this many blocks, decoding them one by one costs less than the
# fixed cost of the gathering numpy calls (measured on the 1M index:
# most of a question's terms have a block or two per segment).
FEW_BLOCKS = 6


def decode_ids_weights(blocks, counts):
    """(ids as int64, weights as float64) of every posting of ``blocks``
    (each block's bytes after decompression, as :func:`.blocks.decode_block`
    reads them) holding ``counts`` postings each, in order."""
    if len(blocks) <= FEW_BLOCKS:
        return _one_by_one(blocks, counts)
    counts = np.asarray(counts, dtype=np.int64)
    data = np.frombuffer(b"".join(blocks), dtype=np.uint8)
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum([len(block) for block in blocks[:-1]], out=starts[1:])
    head = data[starts[:, None] + np.arange(HEADER.size)]
    first = head[:, 3:7].copy().view("<u4").ravel().astype(np.int64)
    firsts = np.zeros(len(counts), dtype=np.int64)  # each block's first posting
    np.cumsum(counts[:-1], out=firsts[1:])
    id_widths = np.array([t.itemsize for t in _ID_TYPES])[head[:, 0]]
    steps = np.zeros(int(counts.sum()), dtype=np.int64)
    for code, kind in enumerate(_ID_TYPES):
        chosen = np.flatnonzero(head[:, 0] == code)
        if len(chosen):
            sizes = (counts[chosen] - 1) * kind.itemsize
            deltas = _gather(data, starts[chosen] + HEADER.size, sizes)
            steps[_spans(firsts[chosen] + 1, counts[chosen] - 1)] = deltas.view(kind)
    steps[firsts] = first
    ids = np.cumsum(steps)
    ids -= np.repeat(ids[firsts] - first, counts)
    weights_at = starts + HEADER.size + (counts - 1) * id_widths
    return ids, _weights(data, head[:, 1], weights_at, counts, firsts, len(steps))


def _one_by_one(blocks, counts):
    ids, weights = [], []
    for block, count in zip(blocks, counts):
        block_ids, block_weights, _ = decode_block(block, count, values=False)
        ids.append(np.frombuffer(block_ids, dtype=np.uint64))
        weights.append(np.ones(count) if block_weights is None else np.asarray(block_weights))
    if len(blocks) == 1:
        return ids[0].astype(np.int64), weights[0].astype(np.float64)
    return np.concatenate(ids).astype(np.int64), np.concatenate(weights).astype(np.float64)


def _weights(data, kinds, starts, counts, firsts, total):
    """Every posting's weight as float64, by each block's weight kind."""
    weights = np.ones(total, dtype=np.float64)
    for kind in np.unique(kinds).tolist():
        if kind == WEIGHTS_ONE:
            continue
        dtype = _FLOAT if kind == WEIGHTS_FLOAT else _ID_TYPES[kind]
        chosen = np.flatnonzero(kinds == kind)
        raw = _gather(data, starts[chosen], counts[chosen] * dtype.itemsize)
        weights[_spans(firsts[chosen], counts[chosen])] = raw.view(dtype)
    return weights


def _spans(starts, lengths):
    """The indexes ``start, start + 1, ... start + length - 1`` of each
    span, joined."""
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total)


def _gather(data, starts, lengths):
    """The bytes of each span of ``data``, joined (a contiguous copy)."""
    return np.ascontiguousarray(data[_spans(starts, lengths)])
