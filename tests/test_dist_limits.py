"""The world-count guard: a step past the limit stops before allocating, naming the source line and the count."""
from __future__ import annotations

import pytest

import importlib.util

from lifted.dice import WorldLimitError, Worlds, limits, set_limits
from lifted.transpiler import transpile_source

MANY_LIVE_DICE = """from lifted import dist


@dist
def f(n):
    xs = [d(6) for i in range(n)]
    return xs
"""


@pytest.fixture
def restore_limits():
    previous = limits.current()
    yield
    limits._limits = previous


def test_too_many_worlds_names_the_line_and_the_count(restore_limits, tmp_path):
    set_limits(max_worlds=10_000)
    path = tmp_path / "many_generated.py"
    path.write_text(transpile_source(MANY_LIVE_DICE, "pkg/many.py"))
    spec = importlib.util.spec_from_file_location("many_generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    f = module.f
    assert len(f(4)) == 6 ** 4
    with pytest.raises(WorldLimitError) as error:
        f(8)
    message = str(error.value)
    assert message.startswith("pkg/many.py:6: a draw would make 46,656 worlds") and "46,656 worlds" in message and "10,000" in message


def test_too_many_bytes(restore_limits):
    set_limits(max_worlds=0, max_bytes=1 << 20)
    w = Worlds("fraction")
    with pytest.raises(WorldLimitError, match="MiB"):
        for i in range(12):
            w.draw_d(f"x{i}", 6)
    assert w.n <= (1 << 20)


def test_limits_from_the_environment(monkeypatch, restore_limits):
    monkeypatch.setattr(limits, "_limits", None)
    monkeypatch.setenv("LIFTED_DIST_MAX_WORLDS", "1e3")
    monkeypatch.setenv("LIFTED_DIST_MAX_BYTES", "0")
    assert limits.current() == {"max_worlds": 1000, "max_bytes": 0}
    monkeypatch.setattr(limits, "_limits", None)
    monkeypatch.setenv("LIFTED_DIST_MAX_WORLDS", "lots")
    with pytest.raises(ValueError, match="LIFTED_DIST_MAX_WORLDS"):
        limits.current()
    monkeypatch.setattr(limits, "_limits", None)


def test_product_and_dd_are_guarded(restore_limits):
    set_limits(max_worlds=100)
    w = Worlds("float64")
    w.draw_d("a", 10)
    other = w.fresh()
    other.draw_d("b", 20)
    with pytest.raises(WorldLimitError, match="200 worlds"):
        w.product(other)
    with pytest.raises(WorldLimitError, match="dd"):
        w.draw_dd("c", w["a"] * 5)
