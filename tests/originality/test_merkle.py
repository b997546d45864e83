from __future__ import annotations

import os

import pytest

from tunesmith.originality import merkle


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_inclusion_proofs_verify_and_catch_swaps(size: int) -> None:
    leaves = [merkle.leaf_hash(os.urandom(8)) for _ in range(size)]
    root = merkle.root(leaves)
    assert merkle.roots_of_prefixes(leaves) == [merkle.root(leaves[:m]) for m in range(1, size + 1)]
    for i in range(size):
        proof = merkle.inclusion_proof(leaves, i)
        assert merkle.verify_inclusion(leaves[i], i, size, proof, root)
        if size > 1:
            assert not merkle.verify_inclusion(leaves[(i + 1) % size], i, size, proof, root)
            assert not merkle.verify_inclusion(leaves[i], (i + 1) % size, size, proof, root)


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.root([a, b]) == merkle.node_hash(a, b) != merkle.leaf_hash(a + b)
