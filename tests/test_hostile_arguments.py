"""Issue #11: the random generators' kernels called with hostile arguments (tests/hostile_arguments.py's kinds),
through every generated form, against Python.

Each program `f(x, y, M, s, idx)` of a generator gets `fj = jvp(f, wrt="x")` and `fv = vmap(f)` (x batched) next to
its own declarations (`f_grad`, and the view generators' grad/vjp/hessian/jvp of grad). For every argument kind:
* the NumPy backend's `f` against Python running the source on the same arguments (the same layout, sharing
  included), and every other function against itself on plain C-contiguous copies of the same values;
* the C CPU target's host module (`backend="c"`) and the CUDA target's host path (through tests/fake_pycuda.py)
  the same way;
* a refusal must be a TypeError or ValueError naming the parameter, and only for kinds allowed one; an argument
  must come back as it went in.
The default run takes a few programs whose C kernels the C tests already build; `-m slow` runs
`LIFTED_HOSTILE_PROGRAMS` programs (default 30) of each generator from `LIFTED_PROPERTY_FIRST_SEED` on, and prints
the tally (kind x outcome) for the record.
"""
from __future__ import annotations

import collections
import inspect
import os
import re
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import fake_pycuda
from gradcheck import load_source
from exact_values import same_values
from hostile_arguments import KINDS, judge, plain_copy
from lifted.transpiler import TranspileError
from test_c_backend import c_module, functions_of
from test_property import inputs_for, program_for_seed

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]  # (np.matrix)

TRANSFORMS = 'from lifted import jvp, vmap\n\n\nfj = jvp(f, wrt="x")\nfv = vmap(f, in_axes=(0, None, None, None, None))\n'
SIZE_KINDS = {kind for kind in KINDS if " = " in kind or "differ" in kind or "shorter" in kind}


def with_transforms(text: str) -> str:
    return text + "\n" + TRANSFORMS


def _python(text: str) -> Callable:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


def _plain_call(function: Callable) -> Callable:
    return lambda args: function(*[plain_copy(a) for a in args])


def _with_tangent(function: Callable) -> Callable:
    """`jvp(f, wrt="x")` with the tangent ones of x's shape (the kind's x, whatever its layout)."""
    return lambda *args: function(*args, np.ones(np.shape(args[0])))


def forms_of(module, reference_module, python_f: Callable) -> dict[str, tuple[Callable, Callable, str, Callable]]:
    """name -> (the function to call with the kind's arguments, its reference on them, which base inputs, the NumPy
    backend's same function on the same arguments)."""
    forms = {"f": (module.f, lambda args: python_f(*args), "plain", reference_module.f)}
    for name in functions_of(reference_module):
        if name == "f" or not hasattr(module, name):
            continue
        function, reference = getattr(module, name), getattr(reference_module, name)
        if name == "fj":
            forms[name] = (_with_tangent(function), lambda args, r=_with_tangent(reference): r(*map(plain_copy, args)),
                           "plain", _with_tangent(reference))
        elif name == "fv":
            forms[name] = (function, _plain_call(reference), "batched", reference)
        elif len(inspect.signature(reference).parameters) == 5:
            forms[name] = (function, _plain_call(reference), "plain", reference)
    return forms


def run_program(module, reference_module, python_f: Callable, seed: int, what: str, tally: collections.Counter,
                failures: list) -> None:
    """Every form of `module` on every kind of arguments built from `inputs_for(seed)`; outcomes into `tally`."""
    plain = inputs_for(seed)
    bases = {"plain": plain, "batched": [np.stack([plain[0], 0.5 * plain[0], -plain[0]])] + plain[1:]}
    for form, (function, reference, base, _) in forms_of(module, reference_module, python_f).items():
        for kind in KINDS:
            if base == "batched" and kind in SIZE_KINDS:
                continue
            try:
                KINDS[kind][0](bases[base])
            except Exception:  # noqa: BLE001 (the kind does not apply to a batch: `overlapping x, y`)
                continue
            try:
                outcome = judge(function, kind, bases[base], reference, f"{what} {form}")
            except AssertionError as exc:
                outcome = "failed"
                failures.append(str(exc)[:400])
            tally[kind, outcome] += 1


def numpy_modules(text: str, name: str):
    return load_source(text, f"{name}.py"), _python(text)


def check_programs(programs: list[tuple[str, str]], folder: Path, targets: tuple[str, ...]) -> collections.Counter:
    """Each (name, source) on every target of `targets` ("numpy", "c", "cuda"); failures fail the test."""
    tally: collections.Counter = collections.Counter()
    failures: list = []
    for name, text in programs:
        try:
            reference, python_f = numpy_modules(text, name)
        except TranspileError:
            tally["program refused", "refused"] += 1
            continue
        seed = int(name.rsplit("_", 1)[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for target in targets:
                try:
                    module = reference if target == "numpy" else \
                        c_module(text, folder, name)[0] if target == "c" else _cuda_module(text, folder, name + "_cuda")
                except TranspileError:
                    tally[f"{target} refused the program", "refused"] += 1
                    continue
                run_program(module, reference, python_f, seed, f"{target} {name}", tally, failures)
    assert not failures, "\n".join(failures[:12]) + f"\n({len(failures)} failures)"
    return tally


def _cuda_module(text: str, folder: Path, name: str):
    from test_cuda_runtime import cuda_module
    return cuda_module(text, folder, name)


# -- the default run: a few programs whose C kernels tests/test_c_backend.py builds too ---------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hostile_arguments_numpy_backend(seed):
    text = with_transforms(program_for_seed(seed)[0])
    check_programs([(f"hostile_args_{seed}", text)], Path("."), ("numpy",))


@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_arguments_cpu_target(seed, tmp_path):
    check_programs([(f"property_{seed}", program_for_seed(seed)[0])], tmp_path, ("c",))


@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_arguments_cuda_host_path(seed, tmp_path, monkeypatch):
    """Seed 2's functions run on the device (`lifted.cuda.call` uploads the arguments first: an np.matrix went up as
    a plain array, past its check, before the fix), seed 1's on the host between kernels."""
    fake_pycuda.install(monkeypatch)
    check_programs([(f"property_{seed}", program_for_seed(seed)[0])], tmp_path, ("cuda",))


# -- the long run --------------------------------------------------------------------------------------------------
def _seeds() -> range:
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    return range(first, first + int(os.environ.get("LIFTED_HOSTILE_PROGRAMS", "30")))


def _generators() -> dict[str, Callable[[int], str]]:
    from test_c_random_programs import CUDA_GENERATORS
    return {name: make for name, make in CUDA_GENERATORS.items() if name != "dtypes"}  # (dtypes: other parameters)


@pytest.mark.slow
@pytest.mark.parametrize("generator", ["property", "edges", "views", "view_writes", "semantics", "more_functions"])
def test_many_programs_with_hostile_arguments(generator, tmp_path, monkeypatch):
    fake_pycuda.install(monkeypatch)
    make = (lambda seed: program_for_seed(seed)[0]) if generator == "property" else _generators()[generator]
    programs = [(f"hostile_{generator}_{seed}", with_transforms(make(seed))) for seed in _seeds()]
    tally = check_programs(programs, tmp_path, ("numpy", "c", "cuda"))
    outcomes = collections.Counter(outcome for (_kind, outcome) in tally.elements())
    print(f"\n{generator}, seeds {_seeds().start}-{_seeds().stop - 1}: {dict(outcomes)}")
    for kind in KINDS:
        print(f"  {kind}: {dict((o, n) for (k, o), n in tally.items() if k == kind)}")


# -- regressions: what the fuzzer found -----------------------------------------------------------------------------
SUBCLASSES = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(M: "f64[n,d]", x: "f64[d]") -> "f64[]":
    return np.sum(M * M) + np.sum(M[0] * x)


f_grad = grad(f)
'''


class Tagged(np.ndarray):
    """A subclass that only adds a name: NumPy's operations, accepted."""


class Doubling(np.ndarray):
    """A subclass with an operator of its own: Python's `M * M` is not NumPy's, refused."""

    def __mul__(self, other):
        return np.multiply(np.asarray(self), other) * 2.0


def _subclass_modules(tmp_path, monkeypatch) -> dict:
    fake_pycuda.install(monkeypatch)
    return {"numpy": load_source(SUBCLASSES, "subclasses.py"), "c": c_module(SUBCLASSES, tmp_path, "subclasses")[0],
            "cuda": _cuda_module(SUBCLASSES, tmp_path, "subclasses_cuda")}


def test_ndarray_subclasses_with_operations_of_their_own_are_refused(tmp_path, monkeypatch):
    """np.matrix (`*` a matrix product, rows 2-D), masked arrays (masked elements left out) and any subclass with
    its own operators, indexing or __array_ufunc__ were accepted and computed as plain arrays: a wrong number
    (Python's `np.sum(M * M)` of a matrix is the sum of M @ M). Refused at entry on every backend; a subclass that only
    adds attributes, and np.memmap, pass and give Python's numbers."""
    M, x = np.arange(6.0).reshape(2, 3) / 7, np.array([0.5, -1.0, 2.0])
    python = _python(SUBCLASSES)
    for target, module in _subclass_modules(tmp_path, monkeypatch).items():
        for name in ("f", "f_grad"):
            function = getattr(module, name)
            for hostile, shown in ((np.asmatrix(M), "numpy.matrix"), (np.ma.masked_array(M, M > 0.5), "MaskedArray"),
                                   (np.ma.masked_array(M), "MaskedArray"), (M.view(Doubling), "Doubling")):
                with pytest.raises(TypeError, match=rf"{name}\(\): argument `M` is a \S*{shown}, a subclass of "
                                                    r"np.ndarray that gives operations its own meaning.*pass np\.asarray\(M\)"):
                    function(hostile, x)
            for plain in (M.view(Tagged), _memmap_of(M)):
                expected = python(plain, x) if name == "f" else getattr(load_source(SUBCLASSES, "s.py"), name)(M, x)
                same_values(function(plain, x), expected, f"{target} {name} {type(plain).__name__}")


def _memmap_of(a):
    from hostile_arguments import _memmap
    return _memmap(a)


DEAD_GATHER = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", idx: "i64[k]", s: "f64[]") -> "f64[]":
    unused = x[idx] * s
    later = x * s
    picked = np.sin(later[idx[::-1]])
    return np.sum(later)


f_grad = grad(f, wrt="x")
'''


@pytest.mark.parametrize("target", ["numpy", "c", "cuda"])
def test_a_gather_nobody_uses_still_raises_pythons_index_error(target, tmp_path, monkeypatch):
    """`unused = x[idx]` was dropped as dead code, so an index out of range gave a number where Python raises
    IndexError (the property program of seed 0 with `idx = [1, 2**62, -3, 0]`). A dead gather now leaves NumPy's
    index check behind (transpiler/analysis/dead_reads.py), of a parameter or of an array needed later."""
    fake_pycuda.install(monkeypatch)
    module = load_source(DEAD_GATHER, "dead.py") if target == "numpy" else \
        c_module(DEAD_GATHER, tmp_path, "dead")[0] if target == "c" else _cuda_module(DEAD_GATHER, tmp_path, "dead_cuda")
    python = _python(DEAD_GATHER)
    x = np.linspace(-1.0, 1.0, 5)
    for idx in (np.array([1, 2**62, -3, 0]), np.array([-6]), np.array([0, 5])):
        with pytest.raises(IndexError) as raised:
            python(x, idx, 0.5)
        for name in ("f", "f_grad"):
            with pytest.raises(IndexError, match=re.escape(str(raised.value))):
                getattr(module, name)(x, idx, 0.5)
    idx = np.array([4, -5, 0])
    same_values(module.f(x, idx, 0.5), python(x, idx, 0.5), f"{target} f")
    same_values(module.f_grad(x, idx, 0.5), np.full(5, 0.5), f"{target} f_grad")


EMPTY_LOOP = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(M: "f64[n,d]", s: "f64[]") -> "f64[]":
    acc = s
    for row in M:
        acc = acc * np.cos(row[0]) + np.max(np.square(M), axis=(-1, -2))
    return acc * s


f_grad = grad(f, wrt="s")
'''


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_a_reduction_without_identity_stays_in_a_loop_that_may_not_run(target, tmp_path):
    """`np.max(M)` in a loop over M's rows was hoisted before the loop as loop-invariant, so M with no rows raised
    ValueError (zero-size array to reduction operation maximum) where Python never runs the body and returns s * s
    (the more_functions generator's seed 1 with n = 0). Reductions without an identity stay in their loop."""
    module = load_source(EMPTY_LOOP, "empty_loop.py") if target == "numpy" else c_module(EMPTY_LOOP, tmp_path, "empty_loop")[0]
    python = _python(EMPTY_LOOP)
    for M in (np.zeros((0, 3)), np.linspace(-1.0, 1.0, 6).reshape(2, 3)):
        same_values(module.f(M, 0.75), python(M, 0.75), f"{target} f, {M.shape}")
    same_values(module.f_grad(np.zeros((0, 3)), 0.75), 1.5, f"{target} f_grad with no rows")


DEAD_ELEMENT = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]", M: "f64[n,d]", i: "i64[]") -> "f64[]":
    corner = M[0, 2] * x[i]
    return np.sum(x)
'''


def test_an_element_of_a_parameter_nobody_uses_still_raises(tmp_path):
    """`corner = M[0, 2] * x[i]` nobody uses: Python raises IndexError where d < 3, n = 0 or i is out of range, and
    so does the generated function (a parameter's element read through integers keeps its check; the edges and
    views generators' programs with d = 1 returned a number)."""
    python = _python(DEAD_ELEMENT)
    for module in (load_source(DEAD_ELEMENT, "dead_element.py"), c_module(DEAD_ELEMENT, tmp_path, "dead_element")[0]):
        for x, M, i in ((np.ones(2), np.ones((2, 2)), 0), (np.ones(0), np.ones((0, 3)), 0), (np.ones(2), np.ones((2, 3)), 2)):
            with pytest.raises(IndexError) as raised:
                python(x, M, i)
            with pytest.raises(IndexError, match=re.escape(str(raised.value))):
                module.f(x, M, i)
        same_values(module.f(np.ones(2), np.ones((2, 3)), -2), 2.0, "in range")
