"""The block machinery under the profile: walking misaligned blocks together, strided samples and
gathers agreeing with plain numpy indexing."""

from __future__ import annotations

import numpy as np

from advisor.readers.columns import Block, ColumnData, every, gather, segments


def _column(name: str, values: np.ndarray, cuts: list[int], missing: list[int] = ()) -> ColumnData:
    valid = np.ones(len(values), dtype=bool)
    valid[list(missing)] = False
    bounds = [0, *cuts, len(values)]
    blocks = [Block(a, values[a:b], None if valid[a:b].all() else valid[a:b]) for a, b in zip(bounds, bounds[1:])]
    return ColumnData(name, "float", len(values), blocks)


def test_segments_walk_misaligned_blocks_together():
    values = np.arange(100, dtype=np.float64)
    a = _column("a", values, [30, 70])
    b = _column("b", values * 2, [50])
    seen = []
    for start, stop, (block_a, block_b) in segments([a, b], 100, rows=25):
        assert stop - start <= 25
        assert np.array_equal(block_a.values, values[start:stop])
        assert np.array_equal(block_b.values, 2 * values[start:stop])
        seen.append((start, stop))
    assert seen[0][0] == 0 and seen[-1][1] == 100
    assert all(left[1] == right[0] for left, right in zip(seen, seen[1:]))
    assert {30, 50, 70} <= {start for start, _ in seen}


def test_strided_sample_and_gather_agree_with_indexing():
    rng = np.random.default_rng(0)
    values = rng.normal(size=1000)
    values[[5, 400]] = np.nan
    column = _column("x", values, [123, 517, 518, 900], missing=[7, 600])
    for step in (1, 3, 25, 999):
        rows = np.arange(0, 1000, step)
        sampled, sampled_valid = every(column, step)
        gathered, gathered_valid = gather(column, rows)
        expected_valid = ~np.isnan(values[rows]) & ~np.isin(rows, [7, 600])
        assert np.array_equal(sampled_valid, expected_valid) and np.array_equal(gathered_valid, expected_valid)
        assert np.array_equal(sampled[expected_valid], values[rows][expected_valid])
        assert np.array_equal(gathered[expected_valid], values[rows][expected_valid])
    shuffled = rng.permutation(1000)[:50]
    gathered, valid = gather(column, shuffled)
    keep = ~np.isnan(values[shuffled]) & ~np.isin(shuffled, [7, 600])
    assert np.array_equal(valid, keep) and np.array_equal(gathered[keep], values[shuffled][keep])
