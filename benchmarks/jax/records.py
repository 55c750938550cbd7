"""JAX's NumPy op and reducer records, read from a JAX checkout, as the kernels a user would write.

`records(path)` parses a test file with `ast` and evaluates only its top-level assignments (shape lists, dtype
lists, `op_record(...)` lists) in a namespace of stand-ins: `jtu.dtypes.*` are NumPy dtypes or named markers for
the dtypes NumPy or Lifted lack (bfloat16, float8), `jtu.rand_*` are `Sampler`s, `op_record` makes a dict. No JAX
module is imported and nothing of JAX is copied here. `cases(record)` expands a record into the test's
parameter combinations (shapes x dtypes, reducers' axes, keepdims, dtype=, initial=, where=), `kernel_text`
writes one as `@kernel def f(x0: "f64[3,4]", ...): return np.<name>(x0, ..., axis=1)`, and `Sampler` draws
inputs as JAX's samplers describe them (normal times 3, positive, small, some NaN/inf/zero/equal ...).
"""
from __future__ import annotations

import ast
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
LIFTED_DTYPES = {np.dtype(np.float64): "f64", np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
                 np.dtype(np.int32): "i32", np.dtype(np.bool_): "bool"}
OPERATORS = {"__add__": "+", "__sub__": "-", "__mul__": "*", "__eq__": "==", "__ne__": "!=", "__lt__": "<",
             "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__pow__": "**", "__mod__": "%", "__floordiv__": "//",
             "__truediv__": "/", "__lshift__": "<<", "__rshift__": ">>"}
UNARY_OPERATORS = {"__pos__": "+{}", "__neg__": "-{}", "__abs__": "abs({})", "__invert__": "~{}"}


class Marker:
    """A name the stand-in namespace cannot give a NumPy meaning (bfloat16, float8, lax ...)."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attr: str) -> "Marker":
        return Marker(f"{self.name}.{attr}")

    def __repr__(self) -> str:
        return self.name


class ScalarShape(Marker):
    """JAX's scalar shapes: of length 0, as JAX's own are (`len(shape)` in its parameter lists)."""

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(())


NUMPY_SCALAR, PYTHON_SCALAR = ScalarShape("NUMPY_SCALAR_SHAPE"), ScalarShape("PYTHON_SCALAR_SHAPE")


@dataclass(frozen=True)
class Sampler:
    """One of JAX's input samplers, by name and keyword arguments (`partial(jtu.rand_uniform, low=0)`)."""
    name: str
    options: tuple = ()

    def __call__(self, rs: np.random.RandomState, shape, dtype: np.dtype):
        dims = () if isinstance(shape, Marker) else tuple(shape)
        values = self._draw(rs, dims, np.dtype(dtype))
        if shape is NUMPY_SCALAR:
            return np.dtype(dtype).type(values)
        if shape is PYTHON_SCALAR:
            return np.asarray(values).item()
        return values

    def _draw(self, rs, dims, dtype):
        o, kind = dict(self.options), self.name.removeprefix("rand_")
        if kind == "bool":
            return np.asarray(rs.rand(*dims) < 0.5, dtype)
        if kind in ("int", "fullrange"):
            info = np.iinfo(dtype) if dtype.kind in "iu" else np.iinfo(np.int32)
            return rs.randint(o.get("low", 0 if kind == "int" else info.min),
                              o.get("high", info.max), size=dims, dtype=np.int64).astype(dtype)
        base = {"positive": (rs.rand, 2.0), "small": (rs.randn, 1e-3), "small_positive": (rs.rand, 2e-5),
                "uniform": (rs.rand, 1.0), "some_equal": (rs.randn, 100.0)}.get(kind, (rs.randn, o.get("scale", 3)))
        raw = base[1] * base[0](*dims)
        if kind == "positive":
            raw = raw + 1
        elif kind == "uniform":
            raw = raw * (o.get("high", 1.0) - o.get("low", 0.0)) + o.get("low", 0.0)
        elif kind == "not_small":
            raw = raw + np.where(raw > 0, 10.0, -10.0)
        values = np.asarray(np.abs(raw) if dtype.kind == "u" else raw).astype(dtype)
        if kind == "nonzero":
            values = np.where(values == 0, np.array(1, dtype), values)
        elif kind == "some_equal" and values.size:
            values = np.where(rs.rand(*dims) < 0.5, values.ravel()[0], values)
        elif kind == "some_zero":
            values = np.where(rs.rand(*dims) < 0.5, np.array(0, dtype), values)
        elif kind.startswith("some_") and dtype.kind == "f":
            for special in {"some_inf": (np.inf, -np.inf), "some_nan": (np.nan, -np.nan),
                            "some_inf_and_nan": (np.inf, -np.inf, np.nan)}.get(kind, ()):
                values = np.where(rs.rand(*dims) < 0.1, np.array(special, dtype), values)
        return np.asarray(values, dtype)


def _partial(sampler, **options):
    return type(sampler)(sampler.name, tuple(sorted({**dict(sampler.options), **options}.items())))


class _Samplers:
    def __getattr__(self, name: str):
        return Sampler(name) if name.startswith("rand_") else Marker(f"jtu.{name}")


class _Dtypes:
    floating, integer, unsigned = [np.float32, np.float64], [np.int32, np.int64], [np.uint32, np.uint64]
    all_floating = [Marker("bfloat16"), np.float16, np.float32, np.float64]
    all_integer, all_unsigned = [np.int8, np.int16, np.int32, np.int64], [np.uint8, np.uint16, np.uint32, np.uint64]
    complex, boolean, custom_floats = [np.complex64, np.complex128], [np.bool_], [Marker("bfloat16")]
    inexact, all_inexact = floating + complex, all_floating + complex


def _op_record(name, nargs, dtypes, shapes, rng_factory, diff_modes, test_name=None, check_dtypes=True,
               tolerance=None, inexact=False, kwargs=None, alias=None):
    return {"name": name, "nargs": nargs, "dtypes": dtypes, "shapes": shapes, "sampler": rng_factory,
            "diff": list(diff_modes), "test_name": test_name or name, "kwargs": kwargs or {}, "alias": alias}


def namespace() -> dict:
    jtu = _Samplers()
    jtu.NUMPY_SCALAR_SHAPE, jtu.PYTHON_SCALAR_SHAPE, jtu.dtypes = NUMPY_SCALAR, PYTHON_SCALAR, _Dtypes()
    jnp = Marker("jnp")
    jnp.bool_, jnp.int_, jnp.float_, jnp.complex_, jnp.bfloat16 = (np.bool_, np.int64, np.float64, np.complex128,
                                                                   Marker("bfloat16"))
    return {"np": np, "jtu": jtu, "jnp": jnp, "dtypes": Marker("dtypes"), "partial": _partial,
            "op_record": _op_record, "lax": Marker("lax"), "jax": Marker("jax")}


def records(path: Path) -> dict[str, list[dict]]:
    """Every top-level list of op records in the test file at `path`: list name -> records."""
    env, found = namespace(), {}
    env["dtypes"].bfloat16 = Marker("bfloat16")
    for node in ast.parse(path.read_text()).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        try:
            value = eval(compile(ast.Expression(node.value), str(path), "eval"), env)  # noqa: S307  stand-ins only
        except Exception:  # noqa: BLE001  an assignment outside the records' vocabulary: not needed
            continue
        env[node.targets[0].id] = value
        if isinstance(value, list) and value and all(isinstance(r, dict) and "nargs" in r for r in value):
            found[node.targets[0].id] = value
    return found


# -- the test's parameter combinations ---------------------------------------------------------------------------
@dataclass
class Case:
    """One parameter combination of one record: the kernel a user would write, its arguments' shapes/dtypes."""
    family: str
    record: dict
    shapes: tuple
    dtypes: tuple
    options: dict = field(default_factory=dict)  # axis, keepdims, dtype, initial, where (a shape)

    @property
    def supported(self) -> bool:
        wanted = [np.dtype(d) for d in self.dtypes if not isinstance(d, Marker)]
        out = self.options.get("dtype")
        return len(wanted) == len(self.dtypes) and all(d in LIFTED_DTYPES for d in wanted) and \
            (out is None or (not isinstance(out, Marker) and np.dtype(out) in LIFTED_DTYPES))

    @property
    def differentiable(self) -> bool:
        floats = all(np.dtype(d) == np.float64 for d in self.dtypes)
        return floats and ("rev" in self.record["diff"] or self.family == "reducers")

    def label(self) -> str:
        shapes = ",".join("py" if s is PYTHON_SCALAR else "np" if s is NUMPY_SCALAR else str(tuple(s)).replace(" ", "")
                          for s in self.shapes)
        dts = ",".join(getattr(d, "__name__", str(d)) for d in self.dtypes)
        extra = "".join(f" {k}={v}" for k, v in self.options.items())
        return f"{self.record['test_name']}[{shapes}|{dts}{extra}]"


def _broadcastable(shapes) -> bool:
    try:
        np.broadcast_shapes(*(() if isinstance(s, Marker) else tuple(s) for s in shapes))
        return True
    except ValueError:
        return False


def _valid_dtypes(shape, dtypes: list) -> list:
    if shape is PYTHON_SCALAR:
        return [d for d in dtypes if d in (np.bool_, np.int64, np.float64, np.complex128)]
    return list(dtypes)


def cases(family: str, record: dict, test: str) -> list[Case]:
    """The test's combinations for `record` (test: the list's name, which says which test method reads it)."""
    found = []
    if family != "reducers":
        for shapes in itertools.combinations_with_replacement(record["shapes"], record["nargs"]):
            if _broadcastable(shapes):
                for dtypes in itertools.product(*(_valid_dtypes(s, record["dtypes"]) for s in shapes)):
                    found.append(Case(family, record, shapes, dtypes))
        return found
    for shape in record["shapes"]:
        rank = 0 if isinstance(shape, Marker) else len(shape)
        suffixes = [()] if rank == 0 else [tuple(shape[n:]) for n in range(rank + 1)]
        for dtype, axis, keepdims in itertools.product(_valid_dtypes(shape, record["dtypes"]),
                                                       list(range(-rank, rank)) + [None], (False, True)):
            base = {"axis": axis, "keepdims": keepdims}
            if test == "JAX_REDUCER_RECORDS":
                variants = [{"dtype": out} for out in [None] + record["dtypes"] if out not in _Dtypes.all_unsigned]
            elif test == "JAX_REDUCER_INITIAL_RECORDS":
                variants = [{"initial": i} for i in (0, 1)] + [
                    {"initial": i, "where": w} for i in (0, 1) for w in suffixes]
            elif test == "JAX_REDUCER_WHERE_NO_INITIAL_RECORDS":
                variants = [{"where": w} for w in suffixes]
            elif test == "JAX_REDUCER_NO_DTYPE_RECORDS":
                variants = [{}]
            else:
                return []  # promote_integers= is JAX's own keyword
            for variant in variants:
                options = {**base, **{k: v for k, v in variant.items() if v is not None}}
                found.append(Case(family, record, (shape,), (dtype,), options))
    return found


def sample(found: list[Case], per_record: int, seed: str) -> list[Case]:
    """A deterministic sample of a record's supported cases: a float64 one first (the derivative checks), then
    others spread over dtypes and shapes."""
    usable = [c for c in found if c.supported]
    chooser = random.Random(seed)
    chooser.shuffle(usable)
    lead = next((c for c in usable if c.differentiable), None)
    usable = ([lead] if lead else []) + [c for c in usable if c is not lead]  # one differentiable case leads
    picked, seen = usable[:1], set()
    for case in usable[1:]:
        key = (tuple(str(d) for d in case.dtypes), tuple(str(s) for s in case.shapes))
        if len(picked) < per_record and key not in seen:
            picked.append(case)
            seen.add(key)
    return picked


# -- the kernel and its inputs -----------------------------------------------------------------------------------
def annotation(shape, dtype) -> str:
    dims = "" if isinstance(shape, Marker) else ",".join(str(n) for n in shape)
    return f"{LIFTED_DTYPES[np.dtype(dtype)]}[{dims}]"


def _literal(value) -> str:
    if isinstance(value, type) and issubclass(value, np.generic):
        return f"np.{np.dtype(value).name}"
    return repr(value)


def kernel_text(case: Case) -> tuple[str, list[str]]:
    """The module holding the case as kernel `f`, and its parameter names."""
    record = case.record
    params = [f"x{k}" for k in range(len(case.shapes))]
    if "where" in case.options:
        params.append("where")
    notes = [annotation(s, d) for s, d in zip(case.shapes, case.dtypes)]
    if "where" in case.options:
        notes.append(annotation(case.options["where"], np.bool_))
    signature = ", ".join(f'{p}: "{a}"' for p, a in zip(params, notes))
    name = record["name"]
    if name in OPERATORS:
        body = f"x0 {OPERATORS[name]} x1"
    elif name in UNARY_OPERATORS:
        body = UNARY_OPERATORS[name].format("x0")
    else:
        function = name if hasattr(np, name) else record["alias"]
        keywords = {**record["kwargs"], **{k: v for k, v in case.options.items() if k != "where"}}
        if "where" in case.options:
            keywords["where"] = "where"
        arguments = [f"x{k}" for k in range(len(case.shapes))] + [
            f"{k}={'where' if k == 'where' else _literal(v)}" for k, v in keywords.items()]
        body = f"np.{function}({', '.join(arguments)})"
    return f"{HEAD}\n\n@kernel\ndef f({signature}):\n    return {body}\n", params


HOSTILE = {"f": [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 1e308, 5e-324],
           "i": [0, -1, 1, 2, -7, 3], "b": [True, False]}


def hostile_sets(arguments) -> list[list]:
    """Two hostile sets for arguments of these (shape, dtype) pairs: zeros of both signs, NaN, infinities and
    extremes (0, -1, -7 for integers), each argument starting at another place of the pool."""
    sets = []
    for offset in (0, 3):
        hostile = []
        for k, (shape, dtype) in enumerate(arguments):
            pool = HOSTILE[np.dtype(dtype).kind]
            dims = () if isinstance(shape, Marker) else tuple(shape)
            size = int(np.prod(dims))
            flat = np.array([pool[(offset + k + j) % len(pool)] for j in range(max(size, 1))])[:size or 1]
            with np.errstate(over="ignore"):
                values = np.asarray(flat).astype(dtype).reshape(dims) if size or not dims else np.zeros(dims, dtype)
            hostile.append(np.dtype(dtype).type(values) if shape is NUMPY_SCALAR else
                           values.item() if shape is PYTHON_SCALAR else values)
        sets.append(hostile)
    return sets


def inputs(case: Case, seed: int = 0) -> list[list]:
    """JAX's sampler's draw, then two hostile sets (`hostile_sets`), and for `rand_small` (values near 1e-3, where
    finite differences mean nothing) a draw of scale 0.5."""
    rs = np.random.RandomState(seed)
    drawn = [case.record["sampler"](rs, s, d) for s, d in zip(case.shapes, case.dtypes)]
    if "where" in case.options:
        drawn.append(Sampler("rand_bool")(rs, case.options["where"], np.bool_))
    sets = [drawn] + [hostile + drawn[len(case.shapes):] for hostile in hostile_sets(zip(case.shapes, case.dtypes))]
    if case.record["sampler"].name == "rand_small" and case.differentiable:  # steps of 1e-4 are 10% of 1e-3
        sets.append([Sampler("rand_default", (("scale", 0.5),))(rs, s, d) for s, d in zip(case.shapes, case.dtypes)])
    return sets
