"""The kernel a user would write for one combination of one of JAX's lax_numpy_test.py methods
(benchmarks/jax/numpy_tests.py walks the method): `np_fun`'s body with the method's names written as literals, its
array arguments as annotated parameters, and the inputs the test's sampler draws plus two hostile sets.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

import numpy as np

from .records import HEAD, LIFTED_DTYPES, NUMPY_SCALAR, PYTHON_SCALAR, Marker, annotation, hostile_sets

UNWRAPPED = ("with_jax_dtype_defaults", "promote_like_jnp", "ignore_warning")
FOREIGN = {"jnp", "jax", "lax", "jtu", "dtypes", "self", "lax_internal", "config", "core"}


class Skip(Exception):
    """A combination the driver cannot turn into a kernel, with the reason counted."""


def _stored_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _evaluate(node: ast.AST, env: dict):
    return eval(compile(ast.Expression(node), "test_body", "eval"), env)  # noqa: S307  stand-ins only


# -- the kernel --------------------------------------------------------------------------------------------------
def literal(value) -> ast.expr:
    """`value` as the source a user would write, or Skip."""
    if isinstance(value, type) and issubclass(value, np.generic):
        return ast.parse(f"np.{np.dtype(value).name}", mode="eval").body
    if isinstance(value, np.dtype):
        return ast.parse(f"np.{value.name}", mode="eval").body
    if callable(value) and getattr(np, getattr(value, "__name__", ""), None) is value:
        return ast.parse(f"np.{value.__name__}", mode="eval").body
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not np.isfinite(value):
            raise Skip("a non-finite literal")
        return ast.parse(repr(value), mode="eval").body
    if isinstance(value, tuple):
        return ast.Tuple([literal(v) for v in value], ast.Load())
    if isinstance(value, list):
        return ast.List([literal(v) for v in value], ast.Load())
    if isinstance(value, slice):
        return ast.Call(ast.Name("slice", ast.Load()), [literal(value.start), literal(value.stop),
                                                        literal(value.step)], [])
    raise Skip(f"a parameter value Lifted's source cannot spell ({type(value).__name__})")


class _Literals(ast.NodeTransformer):
    def __init__(self, env: dict, local: set[str], unknown: set[str], varargs: tuple[str, list[str]] | None = None):
        self.env, self.local, self.unknown, self.varargs = env, local, unknown, varargs

    def visit_Call(self, node: ast.Call):
        if self.varargs:  # f(*args) -> f(x0, x1)
            spread = []
            for argument in node.args:
                if isinstance(argument, ast.Starred) and isinstance(argument.value, ast.Name) and \
                        argument.value.id == self.varargs[0]:
                    spread += [ast.Name(p, ast.Load()) for p in self.varargs[1]]
                else:
                    spread.append(argument)
            node.args = spread
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name):
        if self.varargs and node.id == self.varargs[0] and isinstance(node.ctx, ast.Load):
            return ast.Tuple([ast.Name(p, ast.Load()) for p in self.varargs[1]], ast.Load())
        if not isinstance(node.ctx, ast.Load) or node.id in self.local or node.id == "np":
            return node
        if node.id in FOREIGN:
            raise Skip(f"`{node.id}` in the NumPy reference")
        if node.id in self.unknown or node.id not in self.env:
            if hasattr(builtins, node.id) and node.id not in self.env:
                return node
            raise Skip("a name the walk cannot know")
        return ast.copy_location(literal(self.env[node.id]), node)


def _unwrap(node: ast.AST, env: dict) -> ast.AST:
    while isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        if any(name.endswith(w) for w in UNWRAPPED) and node.args:
            node = node.args[-1] if not name.endswith("ignore_warning") else node.args[0]
        elif isinstance(node.func, ast.Call) and ast.unparse(node.func.func).endswith("ignore_warning"):
            node = node.args[0]
        else:
            return node
    return node


def _numpy_function(node: ast.AST, env: dict) -> str:
    """`np.X` (or a name bound to NumPy's function): its source spelling."""
    if isinstance(node, ast.Attribute) and ast.unparse(node).startswith("np."):
        return ast.unparse(node)
    try:
        value = _evaluate(node, env)
    except Exception:  # noqa: BLE001
        raise Skip("np_fun is not a NumPy function the walk knows") from None
    name = getattr(value, "__name__", None)
    if name and getattr(np, name, None) is value:
        return f"np.{name}"
    raise Skip("np_fun is not a NumPy function the walk knows")


def kernel_body(np_fun: ast.AST, env: dict, unknown: set[str], nargs: int) -> tuple[list[str], list[ast.stmt]]:
    """(parameter names, the kernel's statements) for np_fun with the method's names as literals."""
    np_fun, varargs = _unwrap(np_fun, env), None
    if isinstance(np_fun, ast.Lambda):
        if np_fun.args.kwarg or np_fun.args.defaults or np_fun.args.kwonlyargs or \
                (np_fun.args.vararg and np_fun.args.args):
            raise Skip("*args in np_fun")
        params = [a.arg for a in np_fun.args.args]
        if np_fun.args.vararg:
            params = [f"x{k}" for k in range(nargs)]
            varargs = (np_fun.args.vararg.arg, params)
        body = [ast.Return(np_fun.body)]
        defaults = {}
    elif isinstance(np_fun, ast.FunctionDef):
        if np_fun.args.vararg or np_fun.args.kwarg or np_fun.args.kwonlyargs:
            raise Skip("*args in np_fun")
        names = [a.arg for a in np_fun.args.args]
        defaults = dict(zip(names[len(names) - len(np_fun.args.defaults):], np_fun.args.defaults))
        params = [n for n in names if n not in defaults]
        body = np_fun.body
    else:
        if isinstance(np_fun, ast.Call) and ast.unparse(np_fun.func) in ("partial", "functools.partial"):
            function, bound, keywords = _numpy_function(np_fun.args[0], env), np_fun.args[1:], np_fun.keywords
        else:
            function, bound, keywords = _numpy_function(np_fun, env), [], []
        params = [f"x{k}" for k in range(nargs)]
        call = ast.Call(ast.parse(function, mode="eval").body, [ast.Name(p, ast.Load()) for p in params] + bound,
                        keywords)
        body, defaults = [ast.Return(call)], {}
    local = set(params) | set(defaults) | {n for s in body for n in _stored_names(s)} | {
        a.arg for s in body for n in ast.walk(s) if isinstance(n, ast.Lambda) for a in n.args.args}
    values = dict(env)
    for name, default in defaults.items():
        values[name] = _evaluate(default, env)
    fixed = [ast.Assign([ast.Name(n, ast.Store())], literal(values[n])) for n in defaults]
    rewriter = _Literals(values, local, unknown, varargs)
    return params, fixed + [rewriter.visit(ast.fix_missing_locations(ast.parse(ast.unparse(s)).body[0]))
                            for s in body]


@dataclass
class ApiCase:
    """One combination of one test method as a kernel."""
    test: str
    params: list[str]
    statements: list[ast.stmt]
    arguments: list[tuple]  # (sampler, shape, dtype)
    options: dict
    family: str = "api"

    @property
    def record(self) -> dict:
        return {"name": self.test, "test_name": self.test}

    @property
    def dtypes(self) -> tuple:
        return tuple(d for _, _, d in self.arguments)

    @property
    def shapes(self) -> tuple:
        return tuple(s for _, s, _ in self.arguments)

    @property
    def supported(self) -> bool:
        try:
            return all(not isinstance(d, Marker) and np.dtype(d) in LIFTED_DTYPES for d in self.dtypes) and \
                all(isinstance(s, Marker) or all(isinstance(n, int) for n in s) for s in self.shapes)
        except TypeError:
            return False

    @property
    def differentiable(self) -> bool:
        return bool(self.arguments) and all(np.dtype(d) == np.float64 for d in self.dtypes)

    def label(self) -> str:
        shapes = ",".join("py" if s is PYTHON_SCALAR else "np" if s is NUMPY_SCALAR else str(tuple(s)).replace(" ", "")
                          for s in self.shapes)
        dts = ",".join(np.dtype(d).name for d in self.dtypes)
        extra = "".join(f" {k}={v!r}" for k, v in self.options.items() if k not in ("dtype", "shape"))
        return f"{self.test}[{shapes}|{dts}{extra}]"[:160]

    def kernel_text(self) -> tuple[str, list[str]]:
        signature = ", ".join(f"{p}: {annotation(s, d)!r}" for p, (_, s, d) in zip(self.params, self.arguments))
        function = ast.FunctionDef("f", ast.arguments([], [ast.arg(p) for p in self.params], None, [], [], None, []),
                                   self.statements, [ast.Name("kernel", ast.Load())], None)
        text = ast.unparse(ast.fix_missing_locations(ast.Module([function], [])))
        text = text.replace(f"def f({', '.join(self.params)}):", f"def f({signature}):", 1)
        return f"{HEAD}\n\n{text}\n", self.params

    def inputs(self, seed: int = 0) -> list[list]:
        """The test's sampler's draw, then two hostile sets (benchmarks/jax/records.py's `hostile_sets`)."""
        rs = np.random.RandomState(seed)
        drawn = [sampler(rs, shape, dtype) for sampler, shape, dtype in self.arguments]
        return [drawn] + hostile_sets([(shape, dtype) for _, shape, dtype in self.arguments])
