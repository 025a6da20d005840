"""The garbage collector pause around loading: collection resumes afterwards, whatever happens."""

from __future__ import annotations

import gc
import weakref

import pytest

from reference_trainer.runner import collector_paused


def test_collector_paused_during_block_then_resumed_and_survivors_frozen():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        survivor = [object()]
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    assert survivor


def test_collector_resumes_when_loading_fails():
    with pytest.raises(ValueError):
        with collector_paused():
            raise ValueError("the record cannot be run")
    assert gc.isenabled()


def test_cyclic_garbage_of_the_block_is_collected_not_frozen():
    class Node:
        pass

    with collector_paused():
        cycle = Node()
        cycle.self = cycle
        alive = weakref.ref(cycle)
        del cycle
        assert alive() is not None  # no collection while paused
    assert alive() is None
