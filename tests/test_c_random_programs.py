"""Long runs (`-m slow`) of the random generators that had no C run, through the CPU target, and the CUDA text
of every random program the C target accepts through nvcc.

The semantics and edges generators run in tests/test_c_backend.py (`test_many_random_programs_on_the_cpu_target`),
the dtype generator in tests/test_property_dtypes.py (`test_many_mixed_dtype_programs`, tests/hostile.py's oracle)
and the hostile corpus in tests/test_hostile_programs.py (`test_hostile_program_on_the_cpu_target`). Here: the view
generators (reads of views, and writes through them), the property generator's `more_functions=` and `rows=`
programs, the user-forms generator's (tests/user_forms_programs.py), the rank-3 generator's (tests/rank3_programs.py)
and the dtype generator's (tests/dtype_programs.py, with `g = grad(f)` where the target takes it, on the program's
own arguments). Every function of each program (its transforms included) runs through the CPU target against the
NumPy backend (`run_on_the_cpu_target`); a program either side refuses with a TranspileError is counted as refused,
never failed. `LIFTED_C_PROGRAMS` programs (default 200) from seed `LIFTED_PROPERTY_FIRST_SEED` on.

The same programs run on `hostile_inputs` too (NaN, infinities, signed zeros, huge and subnormal values, another
size). nvcc: a CUDA compile error is the emitter's bug (the GPU never sees a program CI did not compile); the text for
`target="cuda"` of each accepted program goes through `nvcc -ptx` for sm_80.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from benchmarks.corpus.spread import SPREAD_FACTOR, measurable, nudged, reference_spread
from lifted.transpiler import TranspileError
from lifted.transpiler.pipeline import transpile_c
from gradcheck import load_source
from exact_values import exact_parts
from test_c_backend import assert_agree, c_module, functions_of
from test_property import inputs_for, program_for_seed

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _views(seed: int) -> str:
    from test_property_views import view_program
    return view_program(seed)[0]


def _view_writes(seed: int) -> str:
    from test_property_views import view_write_program
    return view_write_program(seed)[0]


def _user_forms(seed: int) -> str:
    from user_forms_programs import user_forms_program
    return user_forms_program(seed)[0]


def _user_forms_add_at(seed: int) -> str:
    from user_forms_programs import user_forms_program
    return user_forms_program(seed, add_at=True)[0]


def _user_forms_windows(seed: int) -> str:
    from user_forms_programs import user_forms_program
    return user_forms_program(seed, windows=True)[0]


def _user_forms_corpora26(seed: int) -> str:
    from user_forms_programs import user_forms_program
    return user_forms_program(seed, corpora26=True)[0]


def _rank3(seed: int) -> str:
    from rank3_programs import rank3_program
    return rank3_program(seed)[0]


def _rank3_inputs(seed: int) -> list:
    from rank3_programs import rank3_inputs
    return rank3_inputs(seed)


def _semantics(seed: int) -> str:
    from test_property_semantics import semantics_program
    return semantics_program(seed)[0]


def _with_gradient(source: str, wrt: int = 0) -> str:
    """A hostile or dtype kernel `f` (no imports) as a module, with `g = grad(f)` where the `cuda` target takes
    it (it refuses `grad` of a non-scalar or non-float `f`, as the NumPy backend does)."""
    from hostile import HEAD

    text = HEAD + source
    try:
        transpile_c(text + f"\n\ng = grad(f, wrt={wrt})\n", "gradient.py", target="cuda")
    except TranspileError:
        return text
    return text + f"\n\ng = grad(f, wrt={wrt})\n"


def _dtypes(seed: int) -> str:
    from dtype_programs import program_for_seed as dtype_program
    return _with_gradient(dtype_program(seed).source)


def _dtype_inputs(seed: int) -> list:
    """A dtype program's own arguments (float32, int32, bool, Python numbers: not the property generators' x, y, M)."""
    from dtype_programs import program_for_seed as dtype_program
    return dtype_program(seed).args


GENERATORS: dict[str, Callable[[int], str]] = {
    "views": _views,
    "view_writes": _view_writes,
    "more_functions": lambda seed: program_for_seed(seed, edges=True, more_functions=True)[0],
    "rows": lambda seed: program_for_seed(seed, rows=True)[0],
    # the builtin pow, a range index, math's constants and its functions of build-time and run-time numbers
    "names": lambda seed: program_for_seed(seed, edges=True, names_forms=True)[0],
    "user_forms": _user_forms,
    "user_forms_add_at": _user_forms_add_at,  # (np.add.at statements: the user-forms generator's `add_at` flag)
    "user_forms_windows": _user_forms_windows,  # (sliding_window_view, reduceat: the `windows` flag)
    "user_forms_corpora26": _user_forms_corpora26,  # (np.gradient, np.fill_diagonal of named lengths)
    "rank3": _rank3,  # (with a rank-3 parameter after the others: INPUTS)
    "dtypes": _dtypes,  # (its own parameters and dtypes: INPUTS)
}
INPUTS: dict[str, Callable[[int], list]] = {"rank3": _rank3_inputs, "dtypes": _dtype_inputs}


# every generator whose programs the nvcc run compiles
CUDA_GENERATORS = {**GENERATORS, "semantics": _semantics, "edges": lambda seed: program_for_seed(seed, edges=True)[0]}


def _seeds() -> range:
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    return range(first, first + int(os.environ.get("LIFTED_C_PROGRAMS", "200")))


def _assert_close_to(got, expected, atol: float, what: str) -> None:
    got_all = got if isinstance(got, tuple) else (got,)
    for g, e in zip(got_all, expected if isinstance(expected, tuple) else (expected,)):
        assert np.shape(g) == np.shape(e), f"{what}: shape {np.shape(g)} != {np.shape(e)}"
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(e, dtype=float), rtol=1e-10,
                                   atol=max(atol, 1e-12), err_msg=f"{what}: beyond 10x the reference's spread")


def run_on_the_cpu_target(name: str, text: str, folder: Path, args: list) -> str:
    """'checked', 'refused' (a TranspileError on either side), 'refused at entry' (a function of the C module
    refuses a Python number the dtype programs pass for a scalar, naming the cast), 'ill-conditioned' (the C value
    differs from NumPy's, but by no more than SPREAD_FACTOR (10) times the NumPy value moves under a few ulps of
    input: see benchmarks/corpus/spread.py's `reference_spread`), or raises what went wrong. Dtypes, integers, NaN
    and infinity positions and the signs of
    zeros are compared exactly whatever the spread (`exact_values.exact_parts`)."""
    try:
        reference = load_source(text, f"{name}.py")
        compiled, _ = c_module(text, folder, name)
    except TranspileError:
        return "refused"
    outcome = "checked"
    with np.errstate(all="ignore"):
        for fn_name in functions_of(reference):
            try:
                expected = getattr(reference, fn_name)(*args)
            except Exception:  # noqa: BLE001  (these inputs do not suit this function: NumPy itself fails)
                continue
            try:
                got = getattr(compiled, fn_name)(*args)
            except TypeError as exc:  # a Python int for a scalar the compiled loop computes with as np.int64:
                if "promotes as a weak scalar" not in str(exc):  # refused at entry, located (tests/hostile.py)
                    raise
                outcome = "refused at entry"
                continue
            exact_parts(got, expected, f"{name}.{fn_name}")
            try:
                assert_agree(got, expected, f"{name}.{fn_name}")
            except AssertionError:
                spread = reference_spread(getattr(reference, fn_name), args, expected)
                if not measurable(spread):  # (benchmarks/corpus/spread.py: 0 or inf excuses nothing)
                    raise
                _assert_close_to(got, expected, SPREAD_FACTOR * spread, f"{name}.{fn_name}")
                outcome = "ill-conditioned"
    return outcome


@pytest.mark.slow
@pytest.mark.parametrize("generator", sorted(GENERATORS))
def test_many_generated_programs_on_the_cpu_target(generator, tmp_path):
    tally: dict[str, int] = {}
    failures = []
    for seed in _seeds():
        text = GENERATORS[generator](seed)
        try:
            outcome = run_on_the_cpu_target(f"{generator}_{seed}", text, tmp_path,
                                            INPUTS.get(generator, inputs_for)(seed))
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "failed"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:600]))
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{generator} programs on the CPU target, seeds {_seeds().start}-{_seeds().stop - 1}: {tally}")
    assert not failures, failures[:10]


def hostile_inputs(seed: int, n: int) -> list:
    """The generators' parameters (x, y, M, s, idx) at another size `n`, with NaN, infinities, signed zeros, a huge
    value and the smallest subnormal in place of some elements of x, y and M."""
    rng = np.random.default_rng(seed + 7)
    x, y, M = rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, (n, 3))
    special = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e300, 5e-324]
    for v in (x, y):
        for p in rng.choice(n, size=min(2, n), replace=False):
            v[p] = special[rng.integers(len(special))]
    M[rng.integers(n), rng.integers(3)] = special[rng.integers(len(special))]
    return [x, y, M, float(rng.uniform(-1.5, 1.5)), rng.integers(-n, n, size=4)]


@pytest.mark.slow
@pytest.mark.parametrize("n", [5, 7])
@pytest.mark.parametrize("generator", sorted(CUDA_GENERATORS.keys() - {"dtypes", "rank3"}))
def test_generated_programs_on_hostile_inputs_on_the_cpu_target(generator, n, tmp_path):
    """The same programs (their kernels already built, in the cache) on `hostile_inputs`: NaN, inf, -0.0, 1e300
    and subnormals through every function, and a size the generators never use."""
    tally: dict[str, int] = {}
    failures = []
    for seed in _seeds():
        try:
            outcome = run_on_the_cpu_target(f"{generator}_{seed}", CUDA_GENERATORS[generator](seed), tmp_path,
                                            hostile_inputs(seed, n))
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "failed"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:600]))
        tally[outcome] = tally.get(outcome, 0) + 1
    print(f"\n{generator} programs on hostile inputs (n = {n}): {tally}")
    assert not failures, failures[:10]


def cuda_errors(folder: Path, sources: dict[str, str], arch: str = "sm_80") -> dict[str, str]:
    """nvcc's complaint for each `.cu` text that does not compile to PTX (one nvcc call for all; each file on its
    own only when that call fails)."""
    from lifted.transpiler.backends.c.compile import nvcc, nvcc_errors

    paths = []
    for name, text in sources.items():
        paths.append(folder / f"{name}.cu")
        paths[-1].write_text(text)
    if not paths:
        return {}
    result = subprocess.run([nvcc(), "-ptx", f"-arch={arch}", "-std=c++14", *map(str, paths), "-odir",
                             str(folder)], capture_output=True, text=True)
    if result.returncode == 0:
        return {}
    return {p.stem: error for p in paths if (error := nvcc_errors(p, arch)) is not None}


@pytest.mark.slow
@pytest.mark.parametrize("generator", sorted(CUDA_GENERATORS))
def test_cuda_text_of_generated_programs_compiles_with_nvcc(generator, tmp_path):
    """Every random program the `cuda` target accepts: its kernels compile with nvcc (no GPU needed)."""
    from lifted.transpiler.backends.c.compile import nvcc

    if nvcc() is None:
        pytest.skip("nvcc is not installed")
    sources, refused = {}, 0
    for seed in _seeds():
        try:
            out = transpile_c(CUDA_GENERATORS[generator](seed), f"{generator}_{seed}.py", target="cuda")
        except TranspileError:
            refused += 1
            continue
        if out.kernel_count:
            sources[f"{generator}_{seed}"] = out.kernels
    errors = cuda_errors(tmp_path, sources)
    print(f"\n{generator} programs through nvcc, seeds {_seeds().start}-{_seeds().stop - 1}: "
          f"{len(sources) - len(errors)} compiled, {len(errors)} failed, {refused} refused, "
          f"{len(_seeds()) - refused - len(sources)} without kernels")
    assert not errors, list(errors.items())[:5]


def test_reference_spread_tells_amplified_round_off_from_a_wrong_number():
    """`edges` seed 30045 (a loop iterating `v = 0.9 * v + v / (2 + cos(v)) + x`, 1933.0 by NumPy, 2010.8 by the
    C target, whose libmvec `cos` differs from libm's in the last bit): a few ulps of input move NumPy's own value
    by thousands, so the C value is counted ill-conditioned, not failed. A well-conditioned function moves by
    round-off only, and a value off by more than ten times that spread still fails."""
    def chaotic(v, x):
        for _ in range(15):
            v = v * 0.9 + ((v / (2.0 + np.cos(v))) + x)
        return np.sum(v * x)

    def smooth(v, x):
        return np.sum(np.sin(v) * x)

    rng = np.random.default_rng(30045)
    args = [rng.uniform(-1.5, 1.5, 5), rng.uniform(-1.5, 1.5, 5)]
    chaotic_spread = reference_spread(chaotic, args, chaotic(*args))
    smooth_spread = reference_spread(smooth, args, smooth(*args))
    assert smooth_spread < 1e-14 < 1e-6 < chaotic_spread
    with pytest.raises(AssertionError, match="spread"):
        _assert_close_to(smooth(*args) + 1e-9, smooth(*args), 10.0 * smooth_spread, "smooth")


def test_reference_spread_measures_float32_programs():
    """The nudge keeps each argument's dtype: a float32 array moved by float64 ulps became float64, the compiled
    call (like this one) refused the dtype, every try was skipped and a float32 program's spread was 0 whatever
    its conditioning. Now the chaotic loop in float32 moves by float32 round-off amplified, a smooth one by a few
    float32 ulps, and Python floats stay floats."""
    def chaotic32(v, x):
        if v.dtype != np.float32 or x.dtype != np.float32:
            raise TypeError("f32 arguments only (the compiled module's check)")
        for _ in range(15):
            v = v * np.float32(0.9) + ((v / (np.float32(2.0) + np.cos(v))) + x)
        return np.sum(v * x)

    rng = np.random.default_rng(30045)
    args = [rng.uniform(-1.5, 1.5, 5).astype(np.float32), rng.uniform(-1.5, 1.5, 5).astype(np.float32)]
    moved = nudged(args + [0.5, 3], np.random.default_rng(0))
    assert [np.asarray(a).dtype for a in moved[:2]] == [np.float32, np.float32]
    assert type(moved[2]) is float and moved[2] != 0.5 and moved[3] == 3
    assert reference_spread(chaotic32, args, chaotic32(*args)) > 1e-3
    def smooth32(v, x):
        if v.dtype != np.float32 or x.dtype != np.float32:
            raise TypeError("f32 arguments only")
        return np.sum(v * x)

    assert 0.0 < reference_spread(smooth32, args, smooth32(*args)) < 1e-5


@pytest.mark.slow
def test_cuda_text_of_the_hostile_corpus_compiles_with_nvcc(tmp_path):
    """tests/hostile_corpus.py's kernels (and their gradients where taken) for the `cuda` target, through nvcc."""
    from hostile_corpus import CASES
    from lifted.transpiler.backends.c.compile import nvcc

    if nvcc() is None:
        pytest.skip("nvcc is not installed")
    sources, refused = {}, 0
    for name, (source, _args, wrt) in sorted(CASES.items()):
        try:
            out = transpile_c(_with_gradient(source, wrt), f"hostile_{name}.py", target="cuda")
        except TranspileError:
            refused += 1
            continue
        if out.kernel_count:
            sources[f"hostile_{name}"] = out.kernels
    errors = cuda_errors(tmp_path, sources)
    print(f"\nhostile corpus through nvcc: {len(sources) - len(errors)} compiled, {len(errors)} failed, {refused} "
          f"refused, {len(CASES) - refused - len(sources)} without kernels")
    assert not errors, list(errors.items())[:5]


def test_views_seed_40011_second_derivative_on_the_cpu_target(tmp_path):
    """Found by the seventeenth session's run of seeds 40010-40029 (h-cwide2): `f_ss` (reverse over reverse in `s`)
    on the C target was 30 % off (0.1872 against 0.2682), where `f_hess_s` and `vjp(f_s)` agreed with NumPy. Cause:
    a value merged by two nested branches (test_nested_branches_merge_one_value) was declared again in the inner
    one, which hid the outer one."""
    assert run_on_the_cpu_target("views_40011", GENERATORS["views"](40011), tmp_path, inputs_for(40011)) \
        in ("checked", "ill-conditioned")


NESTED_MERGE = """
import numpy as np
from lifted import grad, kernel


@kernel
def f(M: "f64[n,d]", s: "f64[]"):
    acc = M[0] * 1.0
    if M[2, 2] < 1.0:
        return 0.0
    elif M[2, 0] <= 0.5:
        acc = acc + 1.0
    else:
        acc[2:] -= s
        acc = acc - acc * acc * M[2, 0]
    return np.sum(np.sin(acc))


f_s = grad(f, wrt="s")
f_ss = grad(f_s, wrt="s")
"""


@pytest.mark.parametrize("corner", [(1.2, 0.54), (1.2, 0.3), (0.5, 0.54)])
def test_nested_branches_merge_one_value(tmp_path, corner):
    """The reduction of views seed 40011: the reverse sweep's `t = dacc * M[2, 0]` is merged by the `elif` and again
    by the `if` around it (one value, None on the other paths). The C kernel declared it in both blocks, so the
    inner declaration hid the outer lane array, which the next sweep read unset: f_ss was 0.258 where NumPy and
    central differences of f_s give -0.799."""
    M = np.linspace(-0.7, 0.9, 15).reshape(5, 3)
    M[2, 2], M[2, 0] = corner
    assert run_on_the_cpu_target("nested_merge", NESTED_MERGE, tmp_path, [M, 0.0934]) in ("checked", "ill-conditioned")


WEAK_INT = '''import numpy as np
from lifted import kernel


@kernel
def f(a: "f32[n]", c: "i64[]"):
    return np.mean(c + a)
'''


def test_a_python_int_the_c_module_refuses_at_entry_is_a_refusal(tmp_path):
    """The dtype programs pass Python ints for `"i64[]"` scalars (dtypes scan, seeds 21 and 27): `c + a` is float32
    in NumPy (a weak int), and the C module, which computes with `c` as np.int64, refuses it at entry with a
    TypeError naming the cast (as tests/hostile.py counts it): a refusal, not a failure."""
    args = [np.array([1.05, 1.72, -1.02], dtype=np.float32), 2]
    assert run_on_the_cpu_target("weak_int", WEAK_INT, tmp_path, args) == "refused at entry"


KEPT_INT = '''import numpy as np
from lifted import kernel


@kernel
def f(a: "f32[n]", b: "f64[n]"):
    v0 = np.min(b) == a ** 0.5
    v1 = 0
    for i in range(np.sum(a > 0), -1):
        v1 = v1 + np.sum(b) * i
    return v1, v0


@kernel
def h(a: "f32[n]", c: "i64[]"):
    w = a * 2.0
    v = 0
    for i in range(c, 3):
        v = v + np.float64(c) * i
    return v, w
'''


@pytest.mark.parametrize("c", [3, 0])  # the loop of `h` runs no trip, three trips
def test_a_loop_that_may_keep_its_python_int_stays_on_the_host(c, tmp_path):
    """dtypes on C seed 162: a scalar loop that may run no trip and starts from the Python int 0 (one trip makes it
    float64) joined the kernel of the element work beside it, which stored it as a double: np.float64(0.0) where
    Python keeps the int 0. Such loops stay host code (backends/c/fusion.py, `keeping_other_numbers`)."""
    from gradcheck import load_source
    from exact_values import same_values

    a, b = np.array([0.0, 1.0, 2.0], np.float32), np.array([1.0, -2.0, 0.5])
    python = {}
    exec(compile(KEPT_INT, "kept_int", "exec"), python)
    compiled, _ = c_module(KEPT_INT, tmp_path, "kept_int")
    numpy_module = load_source(KEPT_INT, "kept_int.py")
    for name, args in (("f", [a, b]), ("h", [a, np.int64(c)])):
        expected = python[name](*args)
        for got in (getattr(numpy_module, name)(*args), getattr(compiled, name)(*args)):
            same_values(got, expected, name)
            assert type(got[0]) is type(expected[0]), (name, got, expected)


ROUNDED_START = '''import numpy as np
from lifted import kernel


@kernel
def f(b: "f64[n]", a: "f32[n]", c: "i64[]"):
    v1 = {start}
    for i in range(c, -1):
        v1 = v1 + np.sum(a) * i
    return np.sum(v1 * {other})
'''


def test_a_python_float_float32_cannot_hold_meeting_float64_is_refused_on_c():
    """dtypes on C seed 539: `v1 = 0.1` before a loop that may run no trip and makes it float32; `np.sum(v1 * b)`
    is float64 either way, but Python multiplies all of 0.1's bits where the kernel held the float32 slot (0.1
    rounded: 0.30000000447 for 0.3). Refused, located (analysis/python_numbers.py `rounded_numbers`)."""
    with pytest.raises(TranspileError, match=r"the Python number 0.1 .* all of the number's bits") as caught:
        transpile_c(ROUNDED_START.format(start="0.1", other="b"), "rounded.py")
    assert caught.value.loc is not None and caught.value.loc.line == 8


@pytest.mark.parametrize("start, other", [("0.5", "b"), ("0.1", "a")])
def test_a_start_float32_holds_or_a_float32_computation_is_compiled(start, other, tmp_path):
    """0.5 is a float32 exactly; `v1 * a` (float32) rounds the Python float as the slot does: both compile, with
    Python's values on both paths of the loop."""
    from exact_values import same_values

    source = ROUNDED_START.format(start=start, other=other)
    python = {}
    exec(compile(source, "rounded", "exec"), python)
    compiled, _ = c_module(source, tmp_path, "rounded")
    b, a = np.ones(3), np.full(3, 0.3, np.float32)
    for c in (3, -3):
        same_values(compiled.f(b, a, np.int64(c)), python["f"](b, a, np.int64(c)), (start, other, c))
