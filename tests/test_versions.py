"""The per-process cache of figures kept while an area's data version holds."""

from __future__ import annotations

import threading
import time

from safetynet.versions import Recent


def test_a_value_is_reused_under_its_key_and_computed_again_under_a_new_one():
    cache: Recent[int] = Recent(keep=2)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert cache.get(("a", 1), lambda: compute("a1")) == (1, False)
    assert cache.get(("a", 1), lambda: compute("a1")) == (1, True)
    assert cache.get(("a", 2), lambda: compute("a2")) == (2, False)  # a new version
    assert cache.get(("b", 1), lambda: compute("b1")) == (3, False)
    assert cache.get(("a", 1), lambda: compute("a1")) == (4, False)  # the oldest was dropped
    assert calls == ["a1", "a2", "b1", "a1"]


def test_a_value_older_than_max_age_is_computed_again(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache: Recent[str] = Recent(keep=4, max_age=60)
    assert cache.get("k", lambda: "first") == ("first", False)
    now[0] += 59
    assert cache.get("k", lambda: "second") == ("first", True)
    now[0] += 2
    assert cache.get("k", lambda: "third") == ("third", False)


def test_callers_asking_meanwhile_wait_and_reuse_one_computation():
    cache: Recent[int] = Recent(keep=4)
    started, release, calls = threading.Event(), threading.Event(), []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    results: list[tuple[int, bool]] = []
    first = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert sorted(results) == [(42, False), (42, True)] and calls == [1]
