"""pymoo's problem classes as kernels: each class's `_evaluate(self, x, out, *args, **kwargs)` becomes
`f(x: "f64[P, N]")` returning `out["F"]` (and `out["G"]`, `out["H"]` where written) by mechanical rewrites only
(the rules are in benchmarks/pymoo/__init__.py; the math is never touched).

pymoo is imported at run time (the installed package, or `--pymoo PATH`); the sources are read with `inspect`.
"""
from __future__ import annotations

import math
import importlib
import inspect
import pkgutil
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import numpy as np

from ..scipy_go.convert import HEAD, Case, constant_statement
from .rewrites import OUTPUTS, _is_numpy, _locals_of, _names_read, _Rewrite, _SuperEvaluate, _unannotated

# the arguments a class needs where pymoo gives no default (its docs' and tests' sizes)
REQUIRED = {**{f"WFG{k}": {"n_var": 10, "n_obj": 3} for k in range(1, 10)},
            **{f"DASCMOP{k}": {"difficulty": 1} for k in range(1, 7)},
            **{f"DASCMOP{k}": {"difficulty_factors": 1} for k in range(7, 10)}}
FAMILY_PACKAGES = ("pymoo.problems.single", "pymoo.problems.multi", "pymoo.problems.many")


@dataclass(kw_only=True)
class PymooCase(Case):
    """A Case with what the pymoo checks need: the problem object, the population size and the outputs written."""
    problem: object = None
    pop: int = 0
    outputs: tuple = ()
    shapes: dict = field(default_factory=dict)  # output -> its shape at the sample population
    scalar_text: str = ""  # the module whose `f` is sum(F * W_F) + sum(G * W_G) ... (the gradient's kernel)


def import_pymoo(path: Path | None) -> types.ModuleType:
    """pymoo from `path` (a folder holding the package; None: the installed one)."""
    if path is not None and str(path) not in sys.path:
        sys.path.insert(0, str(path))
    return importlib.import_module("pymoo")


class _Builder:
    """The functions and constants one kernel module needs, gathered from `_evaluate` outwards."""

    def __init__(self, problem, annotation: str) -> None:
        self.problem, self.annotation = problem, annotation
        self.functions: dict[str, str] = {}
        self.constants: dict[str, str] = {}
        self.reasons: list[str] = []
        self.evaluated: dict[str, list[str]] = {}  # an _evaluate's function -> the outputs it writes

    def member(self, owner: type, attr: str, prefix: str) -> str:
        """The module name for `self.<attr>` (owner: the problem's class) or `<Class>.<attr>`."""
        name = f"{prefix}{attr}"
        static = None
        for klass in owner.__mro__:
            if attr in vars(klass):
                static = vars(klass)[attr]
                break
        if isinstance(static, staticmethod):
            self.function(static.__func__, name, owner, drop_self=False)
        elif isinstance(static, classmethod):
            self.reasons.append(f"calls the class method {attr}")
        elif inspect.isfunction(static):
            if prefix != "self_":
                self.reasons.append(f"calls {owner.__name__}.{attr} with its own `self`")
            else:
                self.function(static, name, owner, drop_self=True)
        elif isinstance(static, property):
            self.reasons.append(f"reads the property self.{attr}")
        elif prefix == "self_" and inspect.isfunction(getattr(self.problem, attr, None)) and \
                getattr(self.problem, attr).__module__.startswith("pymoo."):  # `self.calc_g = g_linear` (CTP)
            self.function(getattr(self.problem, attr), name, None, drop_self=False)
        elif name not in self.constants:
            value = getattr(self.problem, attr) if prefix == "self_" else static
            self._constant(name, value, f"{'self' if prefix == 'self_' else owner.__name__}.{attr}")
        return name

    def global_name(self, name: str, value) -> str:
        """The module name for a read of a module global `name`."""
        if _is_numpy(value):
            return "np"
        if value is math:  # `math.pi`: _Rewrite.leave_Attribute makes the constant
            return name
        if inspect.isfunction(value) and value.__module__.startswith("pymoo."):
            self.function(value, name, None, drop_self=False)
            return name
        if inspect.isclass(value):  # `WFG1.t1`: _Rewrite.leave_Attribute names the member
            return name
        if isinstance(value, types.ModuleType) or callable(value):
            self.reasons.append(f"reads {name}, a {type(value).__name__} outside NumPy")
            return name
        self._constant(f"global_{name}", value, name)
        return f"global_{name}"

    def _constant(self, name: str, value, what: str) -> None:
        statement = constant_statement(name[len("self_"):] if name.startswith("self_") else name, value)
        if statement is None:
            self.reasons.append(f"{what} is a {type(value).__name__}, not numbers")
            return
        if not name.startswith("self_"):
            statement = statement.removeprefix("self_")
        self.constants[name] = statement

    def function(self, function, new_name: str, owner: type | None, drop_self: bool, kernel: str = "",
                 defined_in: type | None = None) -> list[str]:
        """`function` as the module function `new_name`; with `kernel` ("f"), `_evaluate` as the annotated kernel
        `f`, or (another name) as a helper of `x` returning the tuple of its outputs (a `super()._evaluate(x, out,
        ...)` call: `defined_in`, the class whose `_evaluate` it is). Returns the outputs a kernel writes."""
        if new_name in self.functions:
            return self.evaluated.get(new_name, [])
        self.functions[new_name] = ""  # reserved: a recursive call stops here
        node = next(s for s in cst.parse_module(textwrap.dedent(inspect.getsource(function))).body
                    if isinstance(s, cst.FunctionDef))
        params = list(node.params.params)
        if drop_self:
            params = params[1:]
        out, outputs = None, []
        body = node.body
        if kernel:
            out = params[1].name.value if len(params) > 1 else None
            body = body.visit(_SuperEvaluate(self, owner, defined_in, params[0].name.value, outputs))
            for star in (node.params.star_arg, node.params.star_kwarg):
                if isinstance(star, cst.Param) and star.name.value in _names_read(body):
                    self.reasons.append(f"_evaluate reads *{star.name.value}")
        local = _locals_of(node.with_changes(body=body)) - {"self"}
        if out:
            local.discard(out)
        body = body.visit(_Rewrite(self, owner, function.__globals__, local, out, outputs))
        if out and out in _names_read(body):
            self.reasons.append(f"_evaluate uses `{out}` other than as out[\"F\"] = ...")
        if kernel:
            self.evaluated[new_name] = outputs
            returned = [cst.Name(f"out_{k}") for k in OUTPUTS if k in outputs]
            value = returned[0] if len(returned) == 1 and kernel == "f" else \
                cst.Tuple([cst.Element(r) for r in returned])
            statements = list(body.body) + [cst.SimpleStatementLine([cst.Return(value)])]
            annotation = cst.Annotation(cst.SimpleString(f'"{self.annotation}"')) if kernel == "f" else None
            node = node.with_changes(
                name=cst.Name(new_name), decorators=[cst.Decorator(cst.Name("kernel"))] if kernel == "f" else [],
                params=cst.Parameters(params=[params[0].with_changes(
                    annotation=annotation, default=None, equal=cst.MaybeSentinel.DEFAULT,
                    comma=cst.MaybeSentinel.DEFAULT)]),
                returns=None, body=body.with_changes(body=statements))
        else:
            node = node.with_changes(name=cst.Name(new_name), decorators=[],
                                     params=node.params.with_changes(params=params), body=body)
        self.functions[new_name] = cst.Module(body=[_unannotated(node)]).code
        return outputs


def _evaluate_of(cls: type):
    for klass in cls.__mro__:
        if "_evaluate" in vars(klass):
            return klass, vars(klass)["_evaluate"]
    return None, None


def convert(cls: type, n_var: str | None, pop: int, family: str) -> PymooCase:
    """The class (at pymoo's default size, or `n_var`: a number, or `+k` for the default plus k) as kernel
    modules, or a case saying why not."""
    from pymoo.core.problem import ElementwiseProblem

    name = cls.__name__
    try:
        given = REQUIRED.get(name, {})
        problem = cls(**given)
        if n_var is not None:
            size = int(problem.n_var) + int(n_var[1:]) if n_var.startswith("+") else int(n_var)
            problem = cls(**{**given, "n_var": size})
    except Exception as exc:  # noqa: BLE001  the class's own check of its sizes
        return PymooCase(name=name, dimension=0, family=family,
                         not_converted=f"__init__ raises {type(exc).__name__}: {exc}"[:200])
    case = PymooCase(name=name, dimension=int(problem.n_var), family=family, problem=problem, pop=pop)
    if isinstance(problem, ElementwiseProblem):
        case.not_converted = "an ElementwiseProblem (one x at a time, not a population)"
        return case
    try:
        xl, xu = (np.broadcast_to(np.asarray(b, dtype=float), (case.dimension,)) for b in (problem.xl, problem.xu))
        case.bounds = np.stack([xl, xu], axis=1)
    except (ValueError, TypeError) as exc:
        case.not_converted = f"no bounds of n_var={problem.n_var} variables ({exc})"[:200]
        return case
    if not np.all(np.isfinite(case.bounds)):
        case.not_converted = "unbounded variables"
        return case
    owner, _ = _evaluate_of(cls)
    if owner is None or owner.__module__.startswith("pymoo.core."):
        case.not_converted = "no _evaluate of its own"
        return case
    builder = _Builder(problem, f"f64[{pop}, {case.dimension}]")
    outputs = builder.function(vars(owner)["_evaluate"], "f", cls, drop_self=True, kernel="f", defined_in=owner)
    if not outputs and not builder.reasons:
        builder.reasons.append('writes no out["F"]')
    if builder.reasons:
        case.not_converted = "; ".join(dict.fromkeys(builder.reasons))
        return case
    case.outputs = tuple(k for k in OUTPUTS if k in outputs)
    helpers = [text for key, text in builder.functions.items() if key != "f"]
    constants = "".join(builder.constants.values())
    case.text = "import numpy as np\n" + HEAD + "\n" + constants + "\n\n" + "\n\n".join(helpers + [builder.functions["f"]])
    return case


def with_scalar(case: PymooCase, sample: dict) -> None:
    """`case.scalar_text`: `_evaluate` as the helper `evaluate` and the kernel `f(x) = sum(F * W_F) + ...` with
    seeded weights of each output's shape at `sample` (output -> pymoo's value; a list, `out["G"] = [g1, g2]`, is
    stacked with np.array first: autograd's np.asarray has no derivative)."""
    rng = np.random.default_rng(len(case.name) * 7919 + case.dimension)
    weights = "".join(constant_statement(f"W_{k}", rng.uniform(0.5, 1.5, np.shape(sample[k]))) for k in case.outputs)
    evaluate = case.text[case.text.index("@kernel\ndef f("):].replace("@kernel\ndef f(", "def evaluate(", 1)
    head = case.text[:case.text.index("@kernel\ndef f(")]
    outs = ", ".join(f"out_{k}" for k in case.outputs)
    total = " + ".join(f"np.sum({f'np.array(out_{k})' if isinstance(sample[k], list) else f'out_{k}'} * self_W_{k})"
                       for k in case.outputs)
    annotation = f"f64[{case.pop}, {case.dimension}]"
    case.scalar_text = (head + weights + "\n\n" + evaluate + "\n\n@kernel\ndef f(x: \"" + annotation + "\"):\n"
                        f"    {outs} = evaluate(x)\n    return {total}\n")


def problem_classes(pymoo: types.ModuleType, only: set[str] | None = None) -> list[tuple[str, type]]:
    """(family: the module's name, class) for every Problem class of pymoo.problems.{single,multi,many}."""
    from pymoo.core.problem import Problem

    found, seen = [], set()
    for package_name in FAMILY_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            try:
                module = importlib.import_module(f"{package_name}.{info.name}")
            except Exception:  # noqa: BLE001  an optional dependency of that module
                continue
            for name, cls in vars(module).items():
                if inspect.isclass(cls) and cls.__module__ == module.__name__ and issubclass(cls, Problem) and \
                        cls not in seen and (not only or name in only):
                    seen.add(cls)
                    found.append((info.name, cls))
    return found


def cases(pymoo: types.ModuleType, n_var: str | None, pop: int, only: set[str] | None = None) -> list[PymooCase]:
    return [convert(cls, n_var, pop, family) for family, cls in problem_classes(pymoo, only)]
