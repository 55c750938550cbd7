"""The oracle for `vmap`: a Python loop over the examples, calling the unbatched function once per example."""
from __future__ import annotations

import types
import warnings

import numpy as np

from lifted.transpiler import transpile_source


def build(source: str, name: str = "vmap_case") -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(transpile_source(source, f"{name}.py"), f"<{name}>", "exec"), module.__dict__)
    return module


def example(args: list, in_axes, b: int) -> list:
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    return [a if ax is None else np.take(np.asarray(a), b, axis=ax) for a, ax in zip(args, axes)]


def batch_size(args: list, in_axes) -> int:
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    return next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)


def loop(fn, args: list, in_axes, out_axes=0):
    """`vmap(fn)` by definition: one call per example, results stacked at `out_axes`."""
    outputs = [fn(*example(args, in_axes, b)) for b in range(batch_size(args, in_axes))]

    def stack(items, axes):
        if isinstance(items[0], tuple):
            axes = axes if isinstance(axes, tuple) else (axes,) * len(items[0])
            return tuple(stack([it[i] for it in items], axes[i]) for i in range(len(items[0])))
        if axes is None:
            return items[0]
        return np.stack([np.asarray(it) for it in items], axis=axes)

    return stack(outputs, out_axes)


def run_quietly(fn, *args):
    """Call `fn` with every floating-point warning an error: a masked branch must not leak any."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            return fn(*args)


def assert_same(got, expected, rtol=1e-12, atol=1e-12):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, rtol, atol)
        return
    assert np.shape(got) == np.shape(expected), (np.shape(got), np.shape(expected))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
