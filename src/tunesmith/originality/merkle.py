"""A Merkle tree over an ordered log, as Certificate Transparency logs build it (RFC 6962 / 9162):
leaf hash = sha256(0x00 ‖ data), node = sha256(0x01 ‖ left ‖ right), the tree of n leaves split at
the largest power of two below n. An inclusion proof (audit path) shows that a leaf sits at index m
of the tree whose root is r, with log2(n) hashes; anyone can check it with :func:`verify_inclusion`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash of the leaf hashes ``leaves`` (the empty tree hashes the empty string)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def roots_of_prefixes(leaves: Sequence[bytes]) -> list[bytes]:
    """root(leaves[:m]) for every m = 1..n in O(n log n): the perfect subtrees of a prefix, folded
    from the right, give exactly the RFC 6962 split."""
    out: list[bytes] = []
    stack: list[tuple[int, bytes]] = []  # perfect subtrees (size, hash), sizes decreasing
    for leaf in leaves:
        stack.append((1, leaf))
        while len(stack) >= 2 and stack[-1][0] == stack[-2][0]:
            (size, right), (_, left) = stack.pop(), stack.pop()
            stack.append((2 * size, node_hash(left, right)))
        acc = stack[-1][1]
        for _size, h in reversed(stack[:-1]):
            acc = node_hash(h, acc)
        out.append(acc)
    return out


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaves`` (RFC 6962 PATH)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is outside a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """True when ``proof`` shows ``leaf`` at ``index`` of a tree of ``size`` leaves with root
    ``expected_root`` (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root
