"""JAX's indexing specs (`tests/lax_numpy_indexing_test.py`: `IndexSpec(shape, indexer, out_shape)` in lists of
named groups) as the kernels a user would write: `x[1:3, i0, None]`, with each index array a parameter of its
own (`i0: "i64[2]"`) and every other part of the index written as Python writes it.

The lists are read as benchmarks/jax/records.py reads op records: top-level assignments evaluated with stand-ins
(`IndexSpec` here, `jax.ds` a marker that drops its list). The out-of-bounds specs are kept: NumPy raises
IndexError there (JAX clips), and the generated function must raise too.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .records import HEAD, HOSTILE, LIFTED_DTYPES, Marker, Sampler

LISTS = ("STATIC_INDEXING_TESTS", "STATIC_INDEXING_OUT_OF_BOUNDS_TESTS", "ADVANCED_INDEXING_TESTS",
         "MIXED_ADVANCED_INDEXING_TESTS")
DTYPES = (np.float64, np.float32, np.int32, np.int64, np.bool_)  # JAX's all_dtypes, in Lifted's dtypes


@dataclass
class IndexSpec:
    shape: tuple
    indexer: object
    out_shape: tuple | None = None


@dataclass
class IndexCase:
    """One spec in one dtype: `x[indexer]`."""
    group: str
    spec: IndexSpec
    dtype: type
    family: str = "indexing"

    @property
    def differentiable(self) -> bool:
        return self.dtype == np.float64

    @property
    def record(self) -> dict:
        return {"name": "getitem", "test_name": self.group}

    def label(self) -> str:
        return f"{self.group}[{self.spec.shape}|{np.dtype(self.dtype).name}|{_index_text(self.spec.indexer, [])}]"


def specs(path: Path) -> list[tuple[str, IndexSpec]]:
    """(group name, spec) of every list in LISTS, each distinct spec once."""
    env = {"np": np, "IndexSpec": IndexSpec, "jax": Marker("jax"), "jnp": Marker("jnp")}
    found, seen = [], set()
    for node in ast.parse(path.read_text()).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        try:
            env[node.targets[0].id] = eval(compile(ast.Expression(node.value), str(path), "eval"), env)  # noqa: S307
        except Exception:  # noqa: BLE001  outside the specs' vocabulary (jax.ds): left out
            continue
    for list_name in LISTS:
        for group, items in env.get(list_name, []):
            for spec in items:
                key = (tuple(spec.shape), _index_text(spec.indexer, []), list_name.endswith("BOUNDS_TESTS"))
                if key not in seen:
                    seen.add(key)
                    found.append((group + ("OutOfBounds" if key[2] else ""), spec))
    return found


def cases(path: Path, per_spec: int) -> tuple[list[IndexCase], int]:
    """The float64 case of every spec and `per_spec - 1` other dtypes (in turn), and how many combinations exist."""
    found = specs(path)
    picked = []
    for k, (group, spec) in enumerate(found):
        others = [d for d in DTYPES[1:]]
        chosen = [np.float64] + [others[(k + j) % len(others)] for j in range(max(per_spec - 1, 0))]
        picked += [IndexCase(group, spec, d) for d in dict.fromkeys(chosen)]
    return picked, len(found) * len(DTYPES)


def _index_text(indexer, arrays: list) -> str:
    """The index as Python source; index arrays become parameters `i0, i1, ...` (appended to `arrays`)."""
    def part(item) -> str:
        if item is Ellipsis:
            return "..."
        if item is None:
            return "None"
        if isinstance(item, slice):
            text = ":".join("" if v is None else str(v) for v in (item.start, item.stop))
            return text + ("" if item.step is None else f":{item.step}")
        if isinstance(item, np.ndarray) and item.ndim == 0 or isinstance(item, (int, np.integer)):
            return str(int(item))
        if isinstance(item, np.ndarray):
            arrays.append(item)
            return f"i{len(arrays) - 1}"
        return repr(item)  # a (nested) list of Python ints, as written
    if isinstance(indexer, tuple):
        return ", ".join(part(i) for i in indexer) + ("," if len(indexer) == 1 else "") if indexer else "()"
    return part(indexer)


def kernel_text(case: IndexCase) -> tuple[str, list[str]]:
    arrays: list = []
    index = _index_text(case.spec.indexer, arrays)
    dims = ",".join(str(n) for n in case.spec.shape)
    notes = [f'x: "{LIFTED_DTYPES[np.dtype(case.dtype)]}[{dims}]"'] + [
        f'i{k}: "{LIFTED_DTYPES[np.dtype(a.dtype)]}[{",".join(str(n) for n in a.shape)}]"' for k, a in enumerate(arrays)]
    params = ["x"] + [f"i{k}" for k in range(len(arrays))]
    return f"{HEAD}\n\n@kernel\ndef f({', '.join(notes)}):\n    return x[{index}]\n", params


def inputs(case: IndexCase, seed: int = 0) -> list[list]:
    """JAX's rand_default for `x`, then a hostile `x` (zeros of both signs, NaN, infinities); the index arrays as
    the spec gives them."""
    arrays: list = []
    _index_text(case.spec.indexer, arrays)
    rs = np.random.RandomState(seed)
    drawn = Sampler("rand_default")(rs, tuple(case.spec.shape), case.dtype)
    pool = HOSTILE[np.dtype(case.dtype).kind]
    size = int(np.prod(case.spec.shape))
    with np.errstate(over="ignore"):
        hostile = np.array([pool[j % len(pool)] for j in range(size)]).astype(case.dtype).reshape(case.spec.shape) \
            if size else np.zeros(case.spec.shape, case.dtype)
    return [[drawn] + [a.copy() for a in arrays], [hostile] + [a.copy() for a in arrays]]
