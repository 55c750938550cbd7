"""pymoo's problem classes as kernels: each class's `_evaluate(self, x, out, *args, **kwargs)` becomes
`f(x: "f64[P, N]")` returning `out["F"]` (and `out["G"]`, `out["H"]` where written) by mechanical rewrites only
(the rules are in benchmarks/pymoo/__init__.py; the math is never touched).

pymoo is imported at run time (the installed package, or `--pymoo PATH`); the sources are read with `inspect`.
"""
from __future__ import annotations

import builtins
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

from ..scipy_go.convert import HEAD, Case, _is_self, constant_statement

OUTPUTS = ("F", "G", "H")  # pymoo's objectives, inequality and equality constraints, in the order returned
# the arguments a class needs where pymoo gives no default (its docs' and tests' sizes)
REQUIRED = {**{f"WFG{k}": {"n_var": 10, "n_obj": 3} for k in range(1, 10)},
            **{f"DASCMOP{k}": {"difficulty": 1} for k in range(1, 7)},
            **{f"DASCMOP{k}": {"difficulty_factors": 1} for k in range(7, 10)}}
FAMILY_PACKAGES = ("pymoo.problems.single", "pymoo.problems.multi", "pymoo.problems.many")


@dataclass
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


def _is_numpy(value) -> bool:
    """numpy itself, or `pymoo.gradient.toolbox` (the lazy module that is NumPy under pymoo's default backend)."""
    return value is np or type(value).__name__ == "LazyBackend" or getattr(value, "__name__", "") == "autograd.numpy"


def _locals_of(node: cst.FunctionDef) -> set[str]:
    """Parameters and every name the function assigns (targets, loop and comprehension variables)."""
    found = {p.name.value for p in node.params.params + node.params.kwonly_params}
    for star in (node.params.star_arg, node.params.star_kwarg):
        if isinstance(star, cst.Param):
            found.add(star.name.value)

    def names(target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            found.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                names(element.value)
        elif isinstance(target, cst.StarredElement):
            names(target.value)

    class Stores(cst.CSTVisitor):
        def visit_AssignTarget(self, n: cst.AssignTarget) -> None:
            names(n.target)

        def visit_AugAssign(self, n: cst.AugAssign) -> None:
            names(n.target)

        def visit_AnnAssign(self, n: cst.AnnAssign) -> None:
            names(n.target)

        def visit_For(self, n: cst.For) -> None:
            names(n.target)

        def visit_CompFor(self, n: cst.CompFor) -> None:
            names(n.target)

        def visit_NamedExpr(self, n: cst.NamedExpr) -> None:
            names(n.target)

    node.body.visit(Stores())
    return found


def _output_key(node: cst.BaseExpression, out: str) -> str | None:
    """"F" for `out["F"]`."""
    if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == out and \
            len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and \
            isinstance(node.slice[0].slice.value, cst.SimpleString):
        return node.slice[0].slice.value.evaluated_value
    return None


class _Rewrite(cst.CSTTransformer):
    """The renames one function needs: `self.<name>`/`<Class>.<name>` to a module function or constant,
    `anp`/`np` to `np`, a module global to its function or constant, `out["F"]` to `out_F`."""

    def __init__(self, builder: "_Builder", owner: type | None, globals_: dict, local: set[str], out: str | None,
                 outputs: list[str]):
        self.builder, self.owner, self.globals, self.local, self.out = builder, owner, globals_, local, out
        self.outputs = outputs
        self.not_reads: set[int] = set()  # the Name nodes that name, not read: attributes, keywords, parameters

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_reads.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_reads.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self.not_reads.add(id(node.name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.not_reads.add(id(node.name))

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        key = _output_key(original, self.out) if self.out else None
        if key is None:
            return updated
        if key not in OUTPUTS:
            self.builder.reasons.append(f'writes out["{key}"]')
        elif key not in self.outputs:
            self.outputs.append(key)
        return cst.Name(f"out_{key}")

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        inner, attr = original.value, original.attr.value
        if _is_self(inner) and self.owner is not None:
            return cst.Name(self.builder.member(self.owner, attr, "self_"))
        if isinstance(inner, cst.Name) and inner.value not in self.local:
            value = self.globals.get(inner.value)
            if inspect.isclass(value) and not _is_numpy(value):  # `WFG1.t1(...)`: the class's static method
                return cst.Name(self.builder.member(value, attr, f"{value.__name__}_"))
            if _is_numpy(value):
                return updated.with_changes(value=cst.Name("np"), attr=original.attr)
            if value is math:  # `math.pi` (a number): the constant `global_math_pi`
                number = getattr(math, attr, None)
                if not isinstance(number, float):
                    self.builder.reasons.append(f"reads math.{attr}, not a number")
                    return updated
                self.builder._constant(f"global_math_{attr}", number, f"math.{attr}")
                return cst.Name(f"global_math_{attr}")
        return updated.with_changes(attr=original.attr)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        name = original.value
        if id(original) in self.not_reads or name in self.local or name in ("self", self.out):
            return updated
        if name not in self.globals:
            if not hasattr(builtins, name) and name not in self.builder.functions:  # (a parent's _evaluate)
                self.builder.reasons.append(f"reads the name `{name}`")
            return updated
        return cst.Name(self.builder.global_name(name, self.globals[name]))

    # names that are not reads: an attribute's name, a keyword, a parameter, the function's own name
    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(name=original.name)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        return updated.with_changes(name=original.name)


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


class _SuperEvaluate(cst.CSTTransformer):
    """`super()._evaluate(x, out, *args, **kwargs)` (a statement) -> `out_F, out_G, = <Parent>__evaluate(x)`: the
    parent class's `_evaluate` as a helper returning the outputs it writes."""

    def __init__(self, builder: _Builder, owner: type, defined_in: type | None, x: str, outputs: list) -> None:
        self.builder, self.owner, self.defined_in, self.x, self.outputs = builder, owner, defined_in, x, outputs

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Expr):
            return updated
        call = updated.body[0].value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and
                call.func.attr.value == "_evaluate" and isinstance(call.func.value, cst.Call) and
                isinstance(call.func.value.func, cst.Name) and call.func.value.func.value == "super"):
            return updated
        mro = self.owner.__mro__
        after = mro[mro.index(self.defined_in) + 1:] if self.defined_in in mro else ()
        parent = next((k for k in after if "_evaluate" in vars(k)), None)
        if parent is None or parent.__module__.startswith("pymoo.core.") or not call.args or \
                not isinstance(call.args[0].value, cst.Name) or call.args[0].value.value != self.x:
            self.builder.reasons.append("calls super()._evaluate on another argument or pymoo's own")
            return updated
        name = f"{parent.__name__}__evaluate"
        written = self.builder.function(vars(parent)["_evaluate"], name, self.owner, drop_self=True, kernel=name,
                                        defined_in=parent)
        for key in written:
            if key not in self.outputs:
                self.outputs.append(key)
        targets = cst.Tuple([cst.Element(cst.Name(f"out_{k}")) for k in OUTPUTS if k in written])
        return updated.with_changes(body=[cst.Assign([cst.AssignTarget(targets)],
                                                     cst.Call(cst.Name(name), [cst.Arg(cst.Name(self.x))]))])


def _unannotated(node: cst.FunctionDef) -> cst.FunctionDef:
    """pymoo's type hints (`X: np.ndarray`, `-> Any`) dropped: the kernel's own annotation says the shapes."""
    params = node.params
    keep = lambda p: p if p.annotation is None or isinstance(p.annotation.annotation, cst.SimpleString) and \
        p.annotation.annotation.value.startswith('"f64') else p.with_changes(annotation=None)  # noqa: E731
    params = params.with_changes(params=[keep(p) for p in params.params],
                                 kwonly_params=[keep(p) for p in params.kwonly_params])
    if isinstance(params.star_arg, cst.Param):
        params = params.with_changes(star_arg=params.star_arg.with_changes(annotation=None))
    if isinstance(params.star_kwarg, cst.Param):
        params = params.with_changes(star_kwarg=params.star_kwarg.with_changes(annotation=None))
    return node.with_changes(params=params, returns=None)


def _names_read(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

        def visit_Param(self, n: cst.Param) -> bool:
            return False

    node.visit(Names())
    return found


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
        return PymooCase(name, 0, family, not_converted=f"__init__ raises {type(exc).__name__}: {exc}"[:200])
    case = PymooCase(name, int(problem.n_var), family, problem=problem, pop=pop)
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
