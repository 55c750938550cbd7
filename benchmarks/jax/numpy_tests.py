"""JAX's `tests/lax_numpy_test.py` (test methods with bodies of their own) as the kernels a user would write.

Each test method is `@jtu.sample_product(...)` (or `@parameterized.parameters(...)`) over the file's top-level
shape and dtype lists, and a body that binds `np_fun` (a lambda, a `partial` of a NumPy function, a NumPy function,
or a local `def`) and `args_maker = lambda: [rng(shape, dtype), ...]`. `tests(path)` reads the file with `ast`:
the top-level assignments and helper functions are evaluated in benchmarks/jax/records.py's namespace of
stand-ins (nothing of JAX is imported or copied here), each decorator's product is expanded, and for a
combination the method body is walked statement by statement (assignments evaluated, `if` branches taken on the
combination's values) up to its `self._CheckAgainstNumpy(np_fun, jnp_fun, args_maker)` call: the function there (a
name bound to a lambda, a `partial`, a NumPy function or a local `def`) and args_maker (a lambda, a one-line
`def`, `self._GetArgsMaker(rng, shapes, dtypes)`), whose body is evaluated with samplers that record their
`rng(shape, dtype)` draws. The kernel (benchmarks/jax/numpy_kernels.py) is that function's body with the method's
names written as literals and its array arguments as annotated parameters of the combination's shapes and dtypes.

What cannot become a kernel is counted by reason (`Skip`): a `jnp`/`jax`/`lax` name in the NumPy reference, a
name the walk cannot know, `*args`, arguments that are not samples, the test skipping the combination.
`jtu.with_jax_dtype_defaults(g)` and `jtu.promote_like_jnp(g)` are read as `g`: they change JAX's default dtypes
when 64-bit types are off, and NumPy with 64-bit types is `g` itself.
"""
from __future__ import annotations

import ast
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .numpy_kernels import ApiCase, Skip, _evaluate, _stored_names, _unwrap, kernel_body
from .records import Marker, Sampler, namespace

MAX_COMBINATIONS = 800  # combinations looked at per test (drawn deterministically when the product is larger)
CLASS = "LaxBackedNumpyTests"


class _JaxNumpy(Marker):
    """`jnp`: its dtype names are NumPy's dtypes (`jnp.float32`), the rest markers."""

    def __getattr__(self, attr: str):
        value = getattr(np, attr, None)
        if isinstance(value, type) and issubclass(value, np.generic):
            return value
        return Marker(f"jnp.{attr}")


class _Lax(Marker):
    """`lax`: its `broadcast_shapes` is NumPy's (both raise ValueError), the rest markers."""
    broadcast_shapes = staticmethod(np.broadcast_shapes)


class _Self:
    """The test case: `self.rng()` gives a marker the samplers take as their random state."""

    def rng(self):
        return Marker("rng")

    def __getattr__(self, attr: str):
        return Marker(f"self.{attr}")


def _sampler_call(factory, *args, **kwargs):
    """`jtu.rand_int(self.rng(), low, high)`: a Sampler with its options."""
    names = ("low", "high") if factory.name in ("rand_int", "rand_uniform") else ()
    options = {**dict(factory.options), **dict(zip(names, args[1:])), **kwargs}
    return Sampler(factory.name, tuple(sorted(options.items())))


def module_namespace(path: Path) -> tuple[dict, ast.ClassDef | None]:
    """The file's top-level names evaluated with stand-ins, and the test class."""
    env = namespace()
    env.update({"jnp": _JaxNumpy("jnp"), "itertools": itertools, "math": __import__("math"), "Union": Marker("Union"),
                "lax": _Lax("lax"),
                "collections": __import__("collections"), "cast": lambda kind, value: value,
                "config": Marker("config")})
    tree = ast.parse(path.read_text())
    found = None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == CLASS:
            found = node
        elif isinstance(node, (ast.Assign, ast.FunctionDef)):
            try:  # noqa: S102  stand-ins only: shape and dtype lists, the file's pure helpers
                exec(compile(ast.Module([node], []), str(path), "exec"), env)
            except Exception:  # noqa: BLE001  outside the tests' vocabulary: left out
                pass
    return env, found


# -- the decorators' parameter products -------------------------------------------------------------------------
def _decorator_product(method: ast.FunctionDef, env: dict) -> tuple[list[list[dict]], str] | None:
    """The decorator's factors (each a list of dicts of parameters), or None when there is none to read."""
    params = [a.arg for a in method.args.args[1:]]
    for decorator in method.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        name = ast.unparse(decorator.func)
        if name not in ("jtu.sample_product", "parameterized.parameters", "parameterized.named_parameters"):
            continue
        try:
            positional = [_evaluate(a, env) for a in decorator.args]
            keywords = {k.arg: _evaluate(k.value, env) for k in decorator.keywords}
        except Exception as exc:  # noqa: BLE001
            return [], f"decorator not readable ({type(exc).__name__})"
        if name == "jtu.sample_product":
            try:
                factors = [list(p) for p in positional] + [[{k: v} for v in values] for k, values in keywords.items()]
            except Exception as exc:  # noqa: BLE001  a generator over JAX's values
                return [], f"decorator not readable ({type(exc).__name__})"
            return factors, ""
        items = positional[0] if len(positional) == 1 and isinstance(positional[0], (list, tuple)) and \
            not isinstance(positional[0], dict) and positional[0] and \
            isinstance(positional[0][0], (dict, tuple)) else positional
        rows = []
        for item in items:
            if isinstance(item, dict):
                rows.append({k: v for k, v in item.items() if k != "testcase_name"})
            else:
                values = tuple(item) if isinstance(item, (tuple, list)) else (item,)
                if name.endswith("named_parameters"):
                    values = values[1:]
                rows.append(dict(zip(params, values)))
        return [rows], ""
    return None


def combinations(factors: list[list[dict]], seed: str) -> tuple[int, list[dict]]:
    """(how many, a deterministic selection of at most MAX_COMBINATIONS merged parameter dicts)."""
    total = int(np.prod([len(f) for f in factors])) if factors else 0
    if total <= MAX_COMBINATIONS:
        picks = itertools.product(*factors)
    else:
        chooser = random.Random(seed)
        picks = (tuple(f[chooser.randrange(len(f))] for f in factors) for _ in range(MAX_COMBINATIONS))
    return total, [{k: v for part in pick for k, v in part.items()} for pick in picks]


# -- the method body, walked for one combination ----------------------------------------------------------------
@dataclass
class Walk:
    env: dict
    functions: dict = field(default_factory=dict)  # name -> (the lambda, partial or def, the names then)
    np_fun: tuple | None = None
    args_maker: ast.AST | None = None
    unknown: set = field(default_factory=set)


def _args_maker_of(node: ast.AST, state: Walk) -> ast.AST:
    """args_maker's lambda, or `self._GetArgsMaker(rng, shapes, dtypes)` as one."""
    if isinstance(node, ast.Name) and node.id in state.functions:
        node = state.functions[node.id][0]
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "self._GetArgsMaker" and len(node.args) >= 3:
        shapes, dtypes = (_evaluate(n, state.env) for n in node.args[1:3])
        state.env["__shapes__"], state.env["__dtypes__"] = list(shapes), list(dtypes)
        elements = [ast.Call(node.args[0], [ast.parse(f"__shapes__[{k}]", mode="eval").body,
                                            ast.parse(f"__dtypes__[{k}]", mode="eval").body], [])
                    for k in range(len(state.env["__shapes__"]))]
        return ast.fix_missing_locations(ast.Lambda(ast.arguments([], [], None, [], [], None, []),
                                                    ast.List(elements, ast.Load())))
    if isinstance(node, ast.FunctionDef) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
        return ast.Lambda(node.args, node.body[0].value)  # def args_maker(): return [...]
    return node


def _bind(target: ast.expr, value: ast.expr, state: Walk) -> None:
    inner = _unwrap(value, state.env)
    if isinstance(target, ast.Name) and isinstance(inner, ast.Name) and inner.id in state.functions:
        state.functions[target.id] = state.functions[inner.id]  # np_fun = jtu.promote_like_jnp(np_fun)
    elif isinstance(target, ast.Name) and isinstance(value, (ast.Lambda, ast.Call, ast.Attribute)):
        state.functions[target.id] = (value, dict(state.env))
    if isinstance(target, ast.Name) and target.id in ("np_fun", "args_maker", "jnp_fun"):
        return
    try:
        result = _evaluate(value, state.env)
        if isinstance(target, ast.Name):
            state.env[target.id] = result
        elif isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
            for element, item in zip(target.elts, result, strict=True):
                state.env[element.id] = item
        else:
            raise Skip("an assignment to a part")
        state.unknown -= _stored_names(target)
    except Exception:  # noqa: BLE001  a value of JAX's (jnp.result_type ...): unknown from here
        state.unknown |= _stored_names(target)
        for name in _stored_names(target):
            state.env.pop(name, None)


def walk(statements: list[ast.stmt], state: Walk) -> bool:
    """Walk the body to its `_CheckAgainstNumpy` call; False where the walk must stop (the check, a return)."""
    for statement in statements:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            _bind(statement.targets[0], statement.value, state)
        elif isinstance(statement, ast.FunctionDef):
            state.functions[statement.name] = (statement, dict(state.env))
            state.unknown.add(statement.name)
        elif isinstance(statement, ast.If):
            try:
                taken = bool(_evaluate(statement.test, state.env))
            except Exception:  # noqa: BLE001
                if _mentions_skip(statement):
                    raise Skip("a skip on a condition of JAX's") from None
                if {"np_fun", "args_maker"} & _stored_names(statement):
                    raise Skip("np_fun chosen on a condition of JAX's") from None
                state.unknown |= _stored_names(statement)
                continue
            if not walk(statement.body if taken else statement.orelse, state):
                return False
        elif isinstance(statement, ast.With):
            if not walk(statement.body, state):
                return False
        elif isinstance(statement, (ast.Return, ast.Raise)):
            raise Skip("the test skips or stops before its check")
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = ast.unparse(statement.value.func)
            if call in ("self.skipTest", "unittest.skip", "self.skip"):
                raise Skip("the test skips the combination")
            if call.endswith("_CheckAgainstNumpy") and len(statement.value.args) >= 3:
                first, maker = statement.value.args[0], statement.value.args[2]
                state.np_fun = state.functions[first.id] if isinstance(first, ast.Name) and \
                    first.id in state.functions else (first, dict(state.env))
                state.args_maker = _args_maker_of(maker, state)
                return False
        else:
            state.unknown |= _stored_names(statement)
    return True


def _mentions_skip(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in ("skipTest",) or isinstance(n, ast.Raise)
               for n in ast.walk(node))


def samples(args_maker: ast.AST, env: dict) -> list[tuple]:
    """args_maker's (sampler, shape, dtype) per argument: its body evaluated with samplers that record."""
    if not (isinstance(args_maker, ast.Lambda) and not args_maker.args.args):
        raise Skip("args_maker is not a lambda")
    recording = {name: _Recording(value) if isinstance(value, Sampler) else value for name, value in env.items()}
    try:
        drawn = _evaluate(args_maker.body, recording)
    except Exception:  # noqa: BLE001
        raise Skip("args_maker's shapes or dtypes are JAX's values") from None
    if not isinstance(drawn, (list, tuple)) or not all(isinstance(a, _Argument) for a in drawn):
        raise Skip("args_maker gives a list of arrays or a value as one argument")
    found = []
    for argument in drawn:
        shape, dtype = argument.shape, np.float64 if argument.dtype is None else argument.dtype
        if dtype in (bool, int, float):
            dtype = {bool: np.bool_, int: np.int64, float: np.float64}[dtype]
        if isinstance(dtype, str):
            dtype = np.dtype(dtype).type
        found.append((argument.sampler, (shape,) if isinstance(shape, int) else shape, dtype))
    return found


def case_of(test: str, method: ast.FunctionDef, env: dict, options: dict) -> ApiCase:
    """The combination `options` of `method` as a kernel, or Skip."""
    state = Walk({**env, "self": _Self(), **options})
    for name, value in list(state.env.items()):
        if isinstance(value, Sampler) and not isinstance(value, _Factory):
            state.env[name] = _Factory(value.name, value.options)
    walk(method.body, state)
    if state.np_fun is None:
        raise Skip("no check against NumPy")
    arguments = samples(state.args_maker, state.env)
    np_fun, np_env = state.np_fun
    params, statements = kernel_body(np_fun, np_env, state.unknown - set(np_env), len(arguments))
    if len(params) != len(arguments):
        raise Skip("np_fun's parameters are not args_maker's arguments")
    return ApiCase(test, params, statements, arguments, options)


class _Factory(Sampler):
    """A sampler factory (`jtu.rand_default`, `rng_factory`): called with `self.rng()` it is the sampler."""

    def __call__(self, *args, **kwargs):
        if args and isinstance(args[0], Marker):
            return _sampler_call(Sampler(self.name, self.options), *args, **kwargs)
        return super().__call__(*args, **kwargs)


@dataclass(frozen=True)
class _Argument:
    """What `rng(shape, dtype)` gives while args_maker is read: the sample it stands for."""
    sampler: Sampler
    shape: object
    dtype: object


class _Recording:
    """A sampler that records its draws (args_maker evaluated with these instead of JAX's samplers)."""

    def __init__(self, sampler: Sampler):
        self.sampler = sampler

    def __call__(self, shape, dtype=None):
        return _Argument(self.sampler, shape, dtype)


class _Samplers:
    def __getattr__(self, name: str):
        if name == "numpy_version":
            return lambda: tuple(int(p) for p in np.__version__.split(".")[:3] if p.isdigit())
        return _Factory(name) if name.startswith("rand_") else Marker(f"jtu.{name}")


def tests(path: Path, per_test: int, only: set[str] | None = None) -> tuple[list[ApiCase], dict]:
    """The sampled cases of every test method, and per test: combinations, kernels, skip reasons."""
    env, test_class = module_namespace(path)
    env["jtu"] = _Jtu(env["jtu"], _Samplers())
    summary, picked = {}, []
    if test_class is None:
        return picked, summary
    for method in test_class.body:
        if not (isinstance(method, ast.FunctionDef) and method.name.startswith("test")):
            continue
        if only and method.name not in only:
            continue
        read = _decorator_product(method, env)
        factors, reason = read if read else ([[{}]], "")
        total, chosen = combinations(factors, method.name)
        row = {"combinations": total, "kernels": 0, "lifted dtypes": 0, "skipped": {}}
        summary[method.name] = row
        if reason:
            row["skipped"][reason] = total
            continue
        found = []
        for options in chosen:
            try:
                case = case_of(method.name, method, env, options)
            except Skip as exc:
                row["skipped"][str(exc)] = row["skipped"].get(str(exc), 0) + 1
                continue
            except Exception as exc:  # noqa: BLE001  a body outside the walk's vocabulary
                key = f"a body the walk cannot read ({type(exc).__name__})"
                row["skipped"][key] = row["skipped"].get(key, 0) + 1
                continue
            row["kernels"] += 1
            row["lifted dtypes"] += case.supported
            found.append(case)
        picked += sample(found, per_test, method.name)
    return picked, summary


class _Jtu:
    """`jtu` with sampler factories that take `self.rng()`."""

    def __init__(self, base, samplers):
        self._base, self._samplers = base, samplers

    def __getattr__(self, name: str):
        if name.startswith("rand_") or name == "numpy_version":
            return getattr(self._samplers, name)
        return getattr(self._base, name)


def sample(found: list[ApiCase], per_test: int, seed: str) -> list[ApiCase]:
    """A deterministic sample of a test's runnable cases: a float64 one first, then distinct texts and dtypes."""
    usable = [c for c in found if c.supported]
    chooser = random.Random(seed)
    chooser.shuffle(usable)
    lead = next((c for c in usable if c.differentiable), None)
    usable = ([lead] if lead else []) + [c for c in usable if c is not lead]
    picked, seen = [], set()
    for case in usable:
        key = (case.kernel_text()[0], tuple(np.dtype(d).name for d in case.dtypes))
        if len(picked) < per_test and key not in seen:
            picked.append(case)
            seen.add(key)
    return picked


def skip_table(summary: dict) -> str:
    """Tests read, tests with kernels, and the tests without one by their most common reason."""
    with_kernels = [name for name, row in summary.items() if row["kernels"]]
    reasons: dict = {}
    for name, row in summary.items():
        if not row["kernels"] and row["skipped"]:
            reasons.setdefault(max(row["skipped"].items(), key=lambda kv: kv[1])[0], []).append(name)
    lines = [f"{len(summary)} test methods read, {len(with_kernels)} with kernels; the others by reason:",
             "| reason | tests | examples |", "| --- | --- | --- |"]
    for reason, names in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"| {reason} | {len(names)} | {', '.join(names[:4])} |")
    return "\n".join(lines)
