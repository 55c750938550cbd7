"""One NPBench benchmark as a case: the `_numpy.py` module untouched, and a wrapper kernel `f` annotated from the
arguments `initialize` gives at the small size (benchmarks/npbench/__init__.py has the rules)."""
from __future__ import annotations

import copy
import importlib.util
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import numpy as np

from ..limits import time_limit
from ..scipy_go.convert import Case
from . import sizes

HEAD = "import lifted\nfrom lifted import grad, jvp, value_and_grad, vjp, vmap\n"
INIT_SECONDS = 5
DTYPES = {"float64": "f64", "float32": "f32", "int64": "i64", "int32": "i32", "bool": "bool"}


@dataclass(kw_only=True)
class NPBenchCase(Case):
    """A Case with what the NPBench checks need: the wrapper's parameters and its inputs at each size."""
    hostile: list = field(default_factory=list)  # [args] at each hostile size initialize and the annotations allow
    hostile_dropped: dict = field(default_factory=dict)  # hostile size -> why it is not run

    @property
    def label(self) -> str:
        return self.name


def benchmarks(npbench: Path) -> list[dict]:
    """Every bench_info/*.json's "benchmark" entry, by name."""
    found = [json.loads(p.read_text())["benchmark"] for p in sorted((npbench / "bench_info").glob("*.json"))]
    return sorted(found, key=lambda b: b["module_name"])


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(f"npbench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class InitializeTooLong(Exception):
    """`initialize` ran past INIT_SECONDS (gramschmidt's draws until full rank never end where M < N)."""


def arguments(info: dict, folder: Path, parameters: dict) -> dict:
    """name -> value of every argument the kernel takes: `initialize`'s outputs at `parameters`, and the
    parameters themselves (NumPy ints as Python ints)."""
    values = dict(parameters)
    init = info.get("init")
    if init:
        module = _load(folder / f"{info['module_name']}.py", info["module_name"])
        with warnings.catch_warnings(), np.errstate(all="ignore"), time_limit(INIT_SECONDS, InitializeTooLong, "initialize"):
            warnings.simplefilter("ignore")
            made = getattr(module, init["func_name"])(*[parameters[k] for k in init["input_args"]])
        outputs = init["output_args"]
        values.update(zip(outputs, made if len(outputs) > 1 else (made,)))
    return {k: (int(v) if isinstance(v, (np.integer, int)) and not isinstance(v, bool) else
                float(v) if isinstance(v, np.floating) and np.ndim(v) == 0 else v) for k, v in values.items()}


def annotation(value, dims: list[str] | None) -> str:
    """The annotation of one argument (`dims`: its axes' names). Raises ValueError with the reason where the
    value has none (a complex array, a uint8 one)."""
    if type(value) is bool:
        return "bool[]"
    if type(value) is int:
        return "i64[]"
    if type(value) is float:
        return "f64[]"
    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            raise ValueError(f"an argument of dtype {value.dtype.name} (annotations: f32 f64 i32 i64 bool)")
        return f"{DTYPES[value.dtype.name]}[{', '.join(dims)}]"
    raise ValueError(f"an argument of type {type(value).__name__}")


def axis_names(info: dict, folder: Path, parameters: dict, values: dict, given: list[str]) -> dict[str, list[str]]:
    """argument -> the names of its axes: each length as an affine function of the size parameters
    (`I+4`, `2*N`), found by running `initialize` at moved sizes; else the int `initialize` made holding that
    length (lenet's C_before_fc1), else the literal length. A parameter of the wrapper is never a dimension's
    name (the annotation's name and the argument would be two things): it is written with a trailing underscore
    (adi's N).

    The sizes move together, each parameter k one step further than the others (base + 2 + [k], base + 4 +
    [k]), which keeps their order where `initialize` needs it (gramschmidt draws until its M x N matrix has rank
    N, forever where N > M): a length L = sum a_j p_j + c moves by 2 S + a_k at the first (S = sum a_j), by
    4 S + a_k at the second, which checks it."""
    size_names = [k for k in (info.get("init") or {}).get("input_args", []) if type(parameters.get(k)) is int]
    moved: dict[str, tuple[dict, dict]] = {}
    try:
        for k in size_names:
            moved[k] = tuple(arguments(info, folder, {**parameters, **{j: parameters[j] + 2 * d + (j == k)
                                                                       for j in size_names}}) for d in (1, 2))
    except Exception:  # noqa: BLE001  initialize cannot take the larger sizes: no slopes
        moved = {}
    made = [k for k in (info.get("init") or {}).get("output_args", []) if type(values.get(k)) is int]
    by_value: dict[int, list[str]] = {}
    for k in made:
        by_value.setdefault(values[k], []).append(k)
    spelled = lambda k: k + "_" if k in given else k  # noqa: E731
    names: dict[str, list[str]] = {}
    for arg, value in values.items():
        if not isinstance(value, np.ndarray) or arg not in given:
            continue
        names[arg] = [_axis(arg, axis, n, moved, parameters, spelled) or
                      (spelled(by_value[n][0]) if len(by_value.get(n, [])) == 1 else str(n))
                      for axis, n in enumerate(value.shape)]
    return names


def _axis(arg: str, axis: int, n: int, moved: dict, parameters: dict, spelled) -> str:
    """The affine name of one axis (axis_names), or "" where its length is no affine function of the sizes
    with positive slopes, or constant."""
    if not moved:
        return ""
    steps = {}
    for k, pair in moved.items():
        got = [p.get(arg) for p in pair]
        if not all(isinstance(g, np.ndarray) and g.ndim > axis for g in got):
            return ""
        steps[k] = [g.shape[axis] - n for g in got]
    total = sum(first for first, _ in steps.values())
    if total % (2 * len(steps) + 1):
        return ""
    whole = total // (2 * len(steps) + 1)  # S, the sum of the slopes
    slopes = {k: first - 2 * whole for k, (first, _) in steps.items()}
    if any(second != 4 * whole + slopes[k] for k, (_, second) in steps.items()) or \
            any(a < 0 for a in slopes.values()) or not any(slopes.values()):
        return ""
    constant = n - sum(a * parameters[k] for k, a in slopes.items())
    terms = [(f"{a}*" if a != 1 else "") + spelled(k) for k, a in slopes.items() if a]
    return "+".join(terms) + (f"+{constant}" if constant > 0 else f"-{-constant}" if constant < 0 else "")


def wrapper(info: dict, values: dict, dims: dict[str, list[str]], returned) -> tuple[str, list[str]]:
    """The kernel `f` calling NPBench's function and returning its return value (`returned`: Python's, at the
    small size; a tuple unpacked into its items, so the results are one flat tuple), then its output_args; and
    the order of its parameters (float arrays first)."""
    given = info["input_args"]
    floats = [k for k in given if isinstance(values[k], np.ndarray) and values[k].dtype.kind == "f"]
    order = floats + [k for k in given if k not in floats]
    signature = ", ".join(f'{k}: "{annotation(values[k], dims.get(k))}"' for k in order)
    call = cst.Call(cst.Name(info["func_name"]), [cst.Arg(cst.Name(k)) for k in given])
    # a kernel returning nothing whose bench_info lists no output_args (doitgen, which writes `A[:] = ...`) returns
    # its array_args: what it can have changed
    returns = returned is not None
    outputs = list(info["output_args"]) or ([] if returns else list(info.get("array_args", [])))
    got = [f"result{k}_" for k in range(len(returned))] if isinstance(returned, tuple) else ["result_"]
    results = (got if returns else []) + outputs
    target = cst.Name(got[0]) if len(got) == 1 else cst.Tuple([cst.Element(cst.Name(r)) for r in got])
    body = [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], call) if returns else cst.Expr(call)])]
    if results:
        value = cst.Name(results[0]) if len(results) == 1 else \
            cst.Tuple([cst.Element(cst.Name(r)) for r in results])
        body.append(cst.SimpleStatementLine([cst.Return(value)]))
    function = cst.FunctionDef(cst.Name("f"), cst.Parameters([cst.Param(cst.Name(k)) for k in order]),
                               cst.IndentedBlock(body),
                               decorators=[cst.Decorator(cst.Attribute(cst.Name("lifted"), cst.Name("kernel")))])
    text = cst.Module([function]).code
    # the signature's annotations, written as the strings they are
    text = text.replace("def f(" + ", ".join(order) + ")", f"def f({signature})", 1)
    return text, order


def convert(info: dict, npbench: Path) -> NPBenchCase:
    """The case of one benchmark, or one whose `not_converted` says why there is none."""
    name = info["module_name"]
    folder = npbench / "npbench" / "benchmarks" / info["relative_path"]
    relative = info["relative_path"]
    case = NPBenchCase(name=name, dimension=0, family=relative.split("/")[0] if "/" in relative else "other")
    source = (folder / f"{name}_numpy.py").read_text()
    size_names = list((info.get("init") or {}).get("input_args", []))
    parameters = sizes.small(name, info["parameters"]["S"], size_names)
    try:
        values = arguments(info, folder, parameters)
        python: dict = {}
        exec(compile(source, "npbench_reference", "exec", dont_inherit=True), python)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            returned = python[info["func_name"]](*copy.deepcopy([values[k] for k in info["input_args"]]))
        dims = axis_names(info, folder, parameters, values, info["input_args"])
        text, order = wrapper(info, values, dims, returned)
    except Exception as exc:  # noqa: BLE001  a dtype no annotation has, or initialize failing at the size
        case.not_converted = f"{type(exc).__name__}: {exc}"[:200]
        return case
    case.text = source.rstrip() + "\n\n" + HEAD + "\n\n" + text
    case.params = order
    case.inputs = [[values[k] for k in order]]
    signature = _signature(case.text)
    for h, at in sizes.hostile(parameters, size_names):
        try:
            hostile_values = arguments(info, folder, at)
        except Exception as exc:  # noqa: BLE001
            case.hostile_dropped[h] = f"initialize raises {type(exc).__name__}"
            continue
        args = [hostile_values[k] for k in order]
        why = _misfit(signature, order, args, hostile_values)
        if why:
            case.hostile_dropped[h] = why
        else:
            case.hostile.append(args)
    return case


def _signature(text: str) -> dict[str, str]:
    module = cst.parse_module(text)
    f = next(s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == "f")
    return {p.name.value: cst.Module([]).code_for_node(p.annotation.annotation).strip('"')
            for p in f.params.params}


def _misfit(signature: dict[str, str], order: list[str], args: list, values: dict) -> str:
    """Why `args` do not fit the annotations, their dims evaluated with the size's `values` (a length no
    affine rule named, a dtype), or ""."""
    env = {**{k: v for k, v in values.items() if type(v) is int}, **{k + "_": v for k, v in values.items()
                                                                     if type(v) is int}}
    for k, a in zip(order, args):
        ann = signature[k]
        dims = [d.strip() for d in ann[ann.index("[") + 1:-1].split(",") if d.strip()]
        if not isinstance(a, np.ndarray):
            if dims:
                return f"{k} is not an array"
            continue
        if a.dtype.name not in DTYPES or DTYPES[a.dtype.name] != ann[:ann.index("[")] or a.ndim != len(dims):
            return f"{k} has dtype {a.dtype.name} and rank {a.ndim}"
        # the dims are this module's own: sums and products of names and ints
        if tuple(eval(d, {"__builtins__": {}}, env) for d in dims) != a.shape:  # noqa: S307
            return f"{k}'s shape {a.shape} does not fit {ann}"
    return ""
