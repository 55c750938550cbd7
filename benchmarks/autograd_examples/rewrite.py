"""The mechanical rewrites that turn a function autograd differentiates in one of its examples into a kernel `f`.

Nothing here changes the math: the body of the differentiated function, and of every function it calls, is the
example's text (through `ast.unparse`). The rewrites, all of them:

* imports: `autograd.numpy` -> `numpy`, `autograd.scipy.X` -> `scipy.X` (`import autograd.scipy.stats.norm as
  norm` -> `from scipy.stats import norm`); autograd's transforms and optimizers, plotting, data loading and
  scipy.optimize are dropped (the kernel never calls them); `autograd.misc.flatten` is kept (Lifted reads it);
  `from rnn import f, g` (a sibling example) copies those functions' definitions beside the kernel;
* the differentiated function (a `def`, or a `lambda` bound to a name) is renamed `f`, marked `@kernel`, and its
  parameters are annotated from the example's own data at a small size (the dtypes and shapes of the inputs);
* a closure's captured names become, as the example's table says, extra parameters appended after the function's
  own (data: `train_images`), module constants (`L2_reg = 1.0`, at a small size where it is a size), or the
  statements of the enclosing scope that bind them, in source order: a nested `def` stays nested, at the top of
  `f` (a closure over `f`'s parameters, as it was over the scope's names), an assignment moves to module level
  (a factory call `num_weights, sample, logprob, unpack = make_ica_funs(D, K)`), with the `def`s it reads;
* module-level statements of the example other than definitions, assignments and autograd's `defvjp(...)` (loops,
  prints, other calls) are left out, as are assignments that call a transform or a dropped import;
* a function with defaulted parameters keeps them as parameters, given their defaults as inputs (the example calls
  it without them); `grad(np.sqrt)` differentiates `def f(x): return np.sqrt(x)`.
"""
from __future__ import annotations

import ast
import builtins
from pathlib import Path
from typing import Callable

import numpy as np

TRANSFORMS = {"grad", "value_and_grad", "elementwise_grad", "hessian", "jacobian", "hessian_vector_product",
              "hessian_tensor_product", "make_hvp", "vector_jacobian_product", "make_vjp", "make_jvp",
              "tensor_jacobian_product", "holomorphic_grad", "grad_named", "multigrad_dict", "deriv",
              "checkpoint", "make_ggnvp"}
KEPT_MODULES = ("itertools", "functools", "math", "string", "autograd.misc.flatten", "autograd.misc")
HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"


class NotConverted(Exception):
    """What the driver cannot turn into a kernel (the reason is reported, never counted as a Lifted refusal)."""


# -- finding what autograd differentiates --------------------------------------------------------------------------
def transform_aliases(tree: ast.Module) -> set[str]:
    """The local names under which the example imports autograd's transforms (`value_and_grad as vgrad`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "autograd":
            names |= {alias.asname or alias.name for alias in node.names if alias.name in TRANSFORMS}
    return names


def differentiated(tree: ast.Module) -> list[tuple[str, ast.Call, str]]:
    """(transform, call, what its first argument is, as source) for every call of an autograd transform, outermost
    first; `grad(grad(f))` gives both calls."""
    aliases = transform_aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in aliases and node.args:
            found.append((node.func.id, node, ast.unparse(node.args[0])))
    return sorted(found, key=lambda item: (item[1].lineno, item[1].col_offset))


def main_block(tree: ast.Module) -> list[ast.stmt]:
    for node in tree.body:
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            return node.body
    return []


def scopes(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """Statement lists a differentiated function may be defined in: the module, its `__main__` block, and the body
    of every module-level function (a factory)."""
    result = {"module": [s for s in tree.body if not (isinstance(s, ast.If) and "__main__" in ast.unparse(s.test))],
              "__main__": main_block(tree)}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            result[node.name] = node.body
    return result


def binding(body: list[ast.stmt], name: str, before: int | None = None) -> ast.stmt | None:
    """The last statement of `body` (before line `before`) that binds `name` by `def`, assignment or import."""
    found = None
    for statement in body:
        if before is not None and statement.lineno >= before:
            break
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)) and statement.name == name:
            found = statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
                found = statement
    return found


# -- free names ------------------------------------------------------------------------------------------------------
def free_names(node: ast.AST) -> list[str]:
    """Names a function (or statement) reads that it does not bind itself, in order of first use, builtins left out."""
    bound, read = set(), []
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.Lambda)):
            arguments = sub.args
            bound |= {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
            bound |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
            if isinstance(sub, ast.FunctionDef) and sub is not node:
                bound.add(sub.name)
        elif isinstance(sub, ast.Name):
            if isinstance(sub.ctx, (ast.Store, ast.Del)):
                bound.add(sub.id)
            elif sub.id not in read:
                read.append(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
    if isinstance(node, ast.FunctionDef):
        bound.discard(node.name)  # a recursive function reads its own module-level name
    return [name for name in read if name not in bound and not hasattr(builtins, name)]


# -- imports -----------------------------------------------------------------------------------------------------
def rewritten_import(statement: ast.stmt, siblings: dict[str, Path]) -> list[str]:
    """The import as the kernel module writes it (one or more lines), or [] where it is dropped."""
    if isinstance(statement, ast.Import):
        lines = []
        for alias in statement.names:
            name = alias.name
            if name.startswith("autograd.numpy") or name.startswith("autograd.scipy"):
                plain = name.removeprefix("autograd.")
                parent, _, last = plain.rpartition(".")
                if plain in ("numpy", "numpy.random", "numpy.linalg") or last in ("special", "stats", "linalg"):
                    lines.append(f"import {plain}" + (f" as {alias.asname}" if alias.asname else ""))
                else:  # `import autograd.scipy.stats.norm as norm`: a distribution object, not a module
                    lines.append(f"from {parent} import {last}" + (f" as {alias.asname}" if alias.asname else ""))
            elif name in KEPT_MODULES:
                lines.append(ast.unparse(ast.Import([alias])))
        return lines
    if isinstance(statement, ast.ImportFrom):
        module = statement.module or ""
        if module.startswith(("autograd.numpy", "autograd.scipy")):
            return [ast.unparse(ast.ImportFrom(module.removeprefix("autograd."), statement.names, 0))]
        if module in KEPT_MODULES or module.startswith("autograd.misc.flatten"):
            return [ast.unparse(statement)]
        if module.startswith("autograd.misc.fixed_points") or module.startswith("autograd.extend"):
            return [ast.unparse(statement)]  # autograd's own API: kept, so Lifted says what it makes of it
    return []


def sibling_definitions(statement: ast.stmt, siblings: dict[str, Path]) -> list[ast.stmt]:
    """`from rnn import sigmoid, concat_and_multiply` (a sibling example): that module's imports and those
    definitions, copied."""
    if not (isinstance(statement, ast.ImportFrom) and statement.module in siblings):
        return []
    tree = ast.parse(siblings[statement.module].read_text())
    wanted = {alias.name for alias in statement.names}
    return [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)) and rewritten_import(node, {})
            or isinstance(node, ast.FunctionDef) and node.name in wanted]


# -- the kernel module -------------------------------------------------------------------------------------------
def annotation(value) -> str:
    """The annotation of an input: its dtype and shape (literal dims), or the tree of them."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {annotation(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(annotation(item) for item in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(annotation(item) for item in value) + ("," if len(value) == 1 else "") + ")"
    array = np.asarray(value)
    kind = {"f": "f", "i": "i", "u": "i", "b": "bool"}[array.dtype.kind]
    dtype = "bool" if kind == "bool" else f"{kind}{array.dtype.itemsize * 8}"
    if isinstance(value, bool):
        dtype = "bool"
    elif isinstance(value, int):
        dtype = "i64"
    elif isinstance(value, float):
        dtype = "f64"
    return f"{dtype}[{','.join(str(d) for d in array.shape)}]"


def as_function(statement: ast.stmt, name: str) -> ast.FunctionDef:
    """A `def`, or `name = lambda ...: body` as the `def` it means."""
    if isinstance(statement, ast.FunctionDef):
        return statement
    value = statement.value
    if isinstance(value, ast.Lambda):
        return ast.FunctionDef(name=name, args=value.args, body=[ast.Return(value.body)], decorator_list=[],
                               returns=None, type_params=[], lineno=statement.lineno)
    raise NotConverted(f"{name} is bound to `{ast.unparse(value)[:80]}`, not a function the driver can read")


def kernel_module(source: Path, target: str, make_inputs: Callable, captured: dict, scope: str | None = None,
                  line: int | None = None, siblings: dict[str, Path] | None = None) -> tuple[str, str, list[str], list]:
    """(the module holding the kernel `f`, the same with the example's autograd imports (the oracle), its parameter
    names, its input sets) for the function `target`.

    `captured` maps a closure's free names (and names the example's functions read from its `__main__` block) to
    "arg" (an extra parameter) or to a module constant: the source of its value, or a callable of the example's
    namespace giving an array (written as `np.array(...)` of its values); `make_inputs(namespace, names)` gives the
    input sets, one value per parameter name. `scope` names where `target` is defined (the module, "__main__" or a
    factory), `line` the call it is differentiated at (the last definition before it counts)."""
    siblings = siblings or {}
    tree = ast.parse(source.read_text())
    places = scopes(tree)
    order = [scope] if scope else ["__main__", "module"] + [s for s in places if s not in ("__main__", "module")]
    found = next(((where, statement) for where in order
                  if (statement := binding(places.get(where, []), target, line)) is not None), None)
    if "." in target:  # grad(np.sqrt): a NumPy function itself
        found = ("module", None)
    if found is None:
        raise NotConverted(f"no definition of {target} in {source.name}")
    where, statement = found
    function = as_function(statement, target) if "." not in target else \
        ast.parse(f"def {target.replace('.', '_')}(x):\n    return {target}(x)\n").body[0]  # grad(np.sqrt)
    module_statements = places["module"]
    module_defs = {s.name: s for s in module_statements if isinstance(s, ast.FunctionDef)}
    module_names = {n for s in module_statements for n in _bound_by(s)}
    for statement in module_statements:
        for sibling in sibling_definitions(statement, siblings):
            if isinstance(sibling, ast.FunctionDef):
                module_defs.setdefault(sibling.name, sibling)
            module_names |= _bound_by(sibling)
    overridden = {n for n, v in captured.items() if v != "arg"}

    lifted, constants, arguments, reached, unbound = [], [], [], [], []
    todo, seen = [(function, where)], {target}
    while todo:
        node, home = todo.pop()
        for name in free_names(node):
            if name in seen:
                continue
            seen.add(name)
            if name in captured:
                if captured[name] == "arg":
                    arguments.append(name)
                else:
                    constants.append(name)
                continue
            if name in module_defs:  # a module function the kernel reaches: the globals it reads from __main__
                reached.append(module_defs[name])
                todo.append((module_defs[name], "__main__"))
                continue
            if name in module_names or home == "module":
                continue
            bound = binding(places[home], name, line) or binding(places[home], name)
            if bound is None:
                unbound.append(f"{target} reads {name}, which the driver cannot bind (a parameter of {home}?)")
                continue
            if isinstance(bound, ast.ClassDef):
                unbound.append(f"{target} reads the class {name} (a user class)")
                continue
            if bound not in lifted:
                lifted.append(bound)
                todo.append((bound, home))
    _no_random_draws(function, lifted, target)
    if unbound:
        raise NotConverted(unbound[0])

    lines, original = [HEAD], [HEAD]
    definitions: list[str] = []
    for statement in module_statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for node in [statement] + [d for d in sibling_definitions(statement, siblings)
                                       if not isinstance(d, ast.FunctionDef)]:
                lines += rewritten_import(node, siblings)
                if rewritten_import(node, {}) or any(a.name.startswith("autograd") for a in node.names) or \
                        (getattr(node, "module", None) or "").startswith("autograd"):
                    original.append(ast.unparse(node))
            definitions += [ast.unparse(d) for d in sibling_definitions(statement, siblings)
                            if isinstance(d, ast.FunctionDef)]
        elif isinstance(statement, ast.FunctionDef):  # (the target too: it may call itself by its name)
            definitions.append(ast.unparse(statement))
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and \
                ast.unparse(statement.value.func) in ("defvjp", "defjvp", "defvjp_argnum"):  # completes a primitive
            definitions.append(ast.unparse(statement))
        elif isinstance(statement, ast.Assign) and _keepable(statement, tree) and \
                not _bound_by(statement) <= overridden:
            definitions.append(ast.unparse(statement))
    prefix = lines + [""] + definitions
    namespace: dict = {}
    exec(compile("\n".join(prefix), source.name, "exec"), namespace)  # the example's own functions, for the inputs
    for name in [n for n, v in captured.items() if v != "arg"]:  # in the table's order (one may use another)
        value = captured[name]
        if callable(value):
            value = f"np.array({np.asarray(value(namespace)).tolist()!r})"
        prefix.append(f"{name} = {value}")
    in_order = sorted(lifted, key=lambda s: s.lineno)
    at_module = _read_at_module_level(in_order)
    prefix += [ast.unparse(s) for s in in_order if s in at_module]
    nested = [s for s in in_order if s not in at_module]  # closures stay closures, over f's parameters
    arguments_of = function.args
    given = arguments_of.args[:len(arguments_of.args) - len(arguments_of.defaults)]
    defaulted = arguments_of.args[len(given):]  # the example calls it without them: their defaults, as inputs
    defaults = [eval(compile(ast.Expression(d), source.name, "eval"), namespace) for d in arguments_of.defaults]
    params = [a.arg for a in given + defaulted] + arguments
    input_sets = [inputs[:len(given)] + defaults + inputs[len(given):]
                  for inputs in make_inputs(namespace, [a.arg for a in given] + arguments)]
    if any(len(inputs) != len(params) for inputs in input_sets):
        raise NotConverted(f"{target} takes {params}; the table gives {len(input_sets[0])} inputs")
    kernel = ast.FunctionDef(
        name="f", decorator_list=[ast.Name("kernel")], returns=None, type_params=[], body=nested + function.body,
        args=ast.arguments(posonlyargs=[], args=[ast.arg(p, ast.Constant(annotation(v)))
                                                  for p, v in zip(params, input_sets[0])],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        lineno=function.lineno)
    rest = prefix[len(lines):] + [ast.unparse(ast.fix_missing_locations(kernel))]
    text = "\n".join(lines) + "\n\n" + "\n\n".join(rest) + "\n"
    oracle = "\n".join(original) + "\n\n" + "\n\n".join(rest) + "\n"  # the example's own imports: autograd's
    return text, oracle, params, input_sets


def _read_at_module_level(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The lifted statements that go to module level: every assignment, and the `def`s an assignment reads (a
    factory given a function: `build_mog_bbsvi(log_density, ...)`), with what those read in turn."""
    defs = {s.name: s for s in statements if isinstance(s, ast.FunctionDef)}
    chosen = [s for s in statements if not isinstance(s, ast.FunctionDef)]
    todo = list(chosen)
    while todo:
        for name in free_names(todo.pop()):
            if name in defs and defs[name] not in chosen:
                chosen.append(defs[name])
                todo.append(defs[name])
    return chosen


RANDOM_DRAWS = {"RandomState", "default_rng", "seed", "randn", "rand", "randint", "normal", "uniform", "choice", "poisson", "gamma", "permutation",
                "shuffle", "multivariate_normal", "random", "binomial", "standard_normal"}


def _no_random_draws(function: ast.AST, reached: list[ast.AST], target: str) -> None:
    """Random draws inside the differentiated function or the closures it reads (a draw deeper in a module function
    shows at run time: __main__.py calls the function twice at one point)."""
    for node in [function] + reached:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in RANDOM_DRAWS:
                raise NotConverted(f"random draws inside the function: `{ast.unparse(sub)[:60]}` "
                                   f"(line {sub.lineno}), reached from {target}")


def _bound_by(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    if isinstance(statement, ast.Assign):
        return {n.id for t in statement.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _keepable(statement: ast.Assign, tree: ast.Module) -> bool:
    """A module-level assignment the kernel may read: no transform call, nothing from a dropped import."""
    aliases = transform_aliases(tree)
    dropped = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not rewritten_import(node, {}):
            dropped |= _bound_by(node)
    names = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
    return not (names & (aliases | dropped))
