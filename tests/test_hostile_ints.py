"""Hostile inputs: Python ints out of a dtype's range (NEP 50), 0-d arrays updated in place, in-place shape rules.

Each case is a kernel `f` run by Python itself (the reference), the NumPy backend, `vmap(f)` (its first parameter
batched, against a loop of Python's `f`) and the C CPU target. Every form computes Python's value or raises
Python's exception type, or refuses the kernel at build time with a located TranspileError (file:line:col and a
hint); `must_run` cases may not be refused (what Python computes without raising, or raises at run time only).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import load_source
from hostile import same_values
from lifted.transpiler import TranspileError
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, jvp, kernel, vmap\n\n\n"
I32 = np.arange(3, dtype=np.int32)
I64 = np.arange(3, dtype=np.int64)
F32 = np.ones(3, dtype=np.float32)
X3 = np.arange(3.0)

# name: (kernel source, arguments, must_run: no form may refuse it)
CASES = {
    # -- Python ints against a dtype's range ---------------------------------------------------------------------
    "literal_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    return x + 2**40\n', [I32], False),
    "literal_past_int64": ('@kernel\ndef f(x: "i64[3]"):\n    return x + 2**63\n', [I64], False),
    "subtract_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    return x - 2**31\n', [I32], False),
    "int32_minimum_fits": ('@kernel\ndef f(x: "i32[3]"):\n    return x + (-2**31)\n', [I32], True),
    "maximum_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    return np.maximum(x, 2**40)\n', [I32], False),
    "numpy_scalar_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    return x[0] * 2**40\n', [I32], False),
    "augmented_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    y = x * 2\n    y += 2**40\n    return y\n', [I32],
                             False),
    "compare_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    return (x == 2**40, x < 2**40, x >= -2**40)\n', [I32],
                           True),
    "compare_past_int64": ('@kernel\ndef f(x: "i64[3]"):\n    return x < 2**70\n', [I64], False),
    "where_wraps": ('@kernel\ndef f(x: "i32[3]"):\n    return np.where(x > 0, x, 2**40 + 5)\n', [I32], True),
    "clip_drops_wide_bounds": ('@kernel\ndef f(x: "i32[3]"):\n    return np.clip(x, -2**40, 2**40)\n', [I32], True),
    "clip_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    return np.clip(x, 2**40, 2**41)\n', [I32], False),
    "float32_times_int_past_int64": ('@kernel\ndef f(x: "f32[3]"):\n    return x * 2**70\n', [F32], True),
    "float32_overflows_to_inf": ('@kernel\ndef f(x: "f32[3]"):\n    return x * 1e300\n', [F32], True),
    "int_divided_by_int_past_int64": ('@kernel\ndef f(x: "i32[3]"):\n    return x / 2**70\n', [I32], True),
    "range_index_past_int32": ('@kernel\ndef f(x: "i32[3]"):\n    for i in range(3):\n        x = x + i * 1500000000\n'
                               '    return x\n', [I32], True),
    "range_index_in_int32": ('@kernel\ndef f(x: "i32[3]"):\n    for i in range(3):\n        x = x + i * 15\n'
                             '    return x\n', [I32], True),
    "size_past_int32": ('@kernel\ndef f(x: "i32[n]"):\n    return x + len(x) * 1000000000\n', [I32], True),
    "int_argument_past_int64": ('@kernel\ndef f(x: "i64[3]", k: "i64[]"):\n    return x + k\n', [I64, 2**64], True),
    "python_int_grows": ('@kernel\ndef f(k: "i64[]"):\n    return (k * k * k) << 3\n', [2**30], True),
    "python_int_loop_past_int64": ('@kernel\ndef f(x: "i64[3]"):\n    k = 1\n    for i in range(70):\n        k = k * 2\n'
                                   '    return x + k\n', [I64], True),
    # a run-time Python int made by an `if` or a loop (not one equation): its check goes after the statement
    "python_int_from_a_branch": ('@kernel\ndef f(x: "i32[3]"):\n    for i in range(3):\n        if i > 0:\n'
                                 '            k = 1500000000 * i\n        else:\n            k = 0\n        x = x + k\n'
                                 '    return x\n', [I32], True),
    "python_int_from_a_branch_fits": ('@kernel\ndef f(x: "i32[3]"):\n    for i in range(3):\n        if x[i] > 1:\n'
                                      '            k = 15 * i\n        else:\n            k = 2\n        x = x + k\n'
                                      '    return x\n', [I32], True),
    # nussinov's `match(seq[i], seq[j])`: a helper returning 1 or 0 under `if`, inlined
    "python_int_returned_under_if": ('def match(a, b):\n    if a + b == 3:\n        return 1\n    else:\n'
                                     '        return 0\n\n\n@kernel\ndef f(x: "i32[3]"):\n    y = x.copy()\n'
                                     '    for i in range(3):\n        for j in range(i + 1, 3):\n'
                                     '            if i < j - 1:\n                y[i] = max(y[i], y[j] + match(x[i], x[j]))\n'
                                     '    return y\n', [np.array([1, 0, 2], dtype=np.int32)], True),
    "python_int_carried_by_a_loop": ('@kernel\ndef f(x: "i32[3]"):\n    k = 0\n    for i in range(3):\n'
                                     '        k = k + 1000000000\n    return x + k\n', [I32], True),
    "python_int_carried_by_a_loop_fits": ('@kernel\ndef f(x: "i32[3]"):\n    k = 0\n    for i in range(3):\n'
                                          '        k = k + 7\n    return x + k\n', [I32], True),
    # -- in-place shape and dtype rules ----------------------------------------------------------------------------
    "parameter_grows": ('@kernel\ndef f(a: "f64[3]", b: "f64[2,3]"):\n    a += b\n    return a\n',
                        [X3, np.ones((2, 3))], False),
    "local_grows": ('@kernel\ndef f(a: "f64[3]", b: "f64[2,3]"):\n    c = a * 2.0\n    c -= b\n    return c\n',
                    [X3, np.ones((2, 3))], False),
    "grows_a_rank_of_one": ('@kernel\ndef f(a: "f64[3]", b: "f64[1,3]"):\n    c = a * 2.0\n    c *= b\n    return c\n',
                            [X3, np.ones((1, 3))], False),
    "grows_a_length_one_axis": ('@kernel\ndef f(a: "f64[1,3]", b: "f64[2,3]"):\n    c = a * 2.0\n    c /= b\n'
                                '    return c\n', [np.ones((1, 3)), np.ones((2, 3))], False),
    "indexed_grows": ('@kernel\ndef f(a: "f64[2,3]", b: "f64[2,3]"):\n    c = a * 2.0\n    c[0] += b\n    return c\n',
                      [np.ones((2, 3)), np.ones((2, 3))], False),
    "shared_grows": ('@kernel\ndef f(a: "f64[3]", b: "f64[1,3]"):\n    c = a * 2.0\n    d = c\n    c += b\n'
                     '    return d\n', [X3, np.ones((1, 3))], False),
    "broadcast_into_fits": ('@kernel\ndef f(a: "f64[2,3]", b: "f64[3]"):\n    c = a * 2.0\n    c += b\n    return c\n',
                            [np.ones((2, 3)), X3], True),
    "int32_plus_half": ('@kernel\ndef f(a: "i32[3]"):\n    c = a * 2\n    c += 0.5\n    return c\n', [I32], False),
    "int32_plus_int64_wraps": ('@kernel\ndef f(a: "i32[3]", b: "i64[3]"):\n    c = a * 2\n    c += b * 2**40\n'
                               '    return c\n', [I32, I64], True),
    # -- 0-d arrays updated in place -------------------------------------------------------------------------------
    "rank_0_parameter_alias": ('@kernel\ndef f(a: "f64[]"):\n    b = a\n    a += 1.0\n    return b\n',
                               [np.float64(2.0)], True),
    "zero_d_parameter_no_alias": ('@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    a += 1.0\n    return a * x\n',
                                  [np.array(2.0), X3], True),
    "zeros_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    b = a\n    a += 1.0\n    return b + x\n',
                    [X3], False),
    "ellipsis_view_update": ('@kernel\ndef f(x: "f64[3]"):\n    y = x * 1.0\n    v = y[0, ...]\n    v += 1.0\n'
                             '    return y\n', [X3], False),
    "reshape_view_update": ('@kernel\ndef f(x: "f64[1]"):\n    y = x * 1.0\n    v = y.reshape(())\n    v += 1.0\n'
                            '    return y\n', [np.ones(1)], False),
    "squeeze_view_update": ('@kernel\ndef f(x: "f64[1]"):\n    y = x * 1.0\n    v = np.squeeze(y)\n    v *= 3.0\n'
                            '    return y\n', [np.ones(1)], False),
    "zero_d_view_read_after_update": ('@kernel\ndef f(x: "f64[3]"):\n    y = x * 1.0\n    v = y[0, ...]\n'
                                      '    y[0] = 5.0\n    return v + 1.0\n', [X3], False),
    "zero_d_view_read_after_loop": ('@kernel\ndef f(x: "f64[3]"):\n    y = x * 1.0\n    v = y[0, ...]\n'
                                    '    for i in range(2):\n        y[i] = 5.0\n    return v + 1.0\n', [X3], False),
    "zero_d_view_read_before_update": ('@kernel\ndef f(x: "f64[3]"):\n    y = x * 1.0\n    v = y[0, ...]\n'
                                       '    w = v + 1.0\n    y[0] = 5.0\n    return w + y\n', [X3], True),
    "reduction_is_a_scalar": ('@kernel\ndef f(x: "f64[3]"):\n    s = np.sum(x)\n    t = s\n    s += 1.0\n'
                              '    return t + s\n', [X3], True),
    "element_is_a_scalar": ('@kernel\ndef f(x: "f64[3]"):\n    s = x[0]\n    t = s\n    s += 1.0\n    return t + s + x\n',
                            [X3], True),
    "alias_then_loop": ('@kernel\ndef f(a: "f64[]"):\n    b = a\n    for i in range(2):\n        a += 1.0\n'
                        '    return b\n', [2.0], True),
    "zeros_alias_then_loop": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    b = a\n    for i in range(2):\n'
                              '        a += 1.0\n    return b + x\n', [X3], False),
    "loop_accumulates_parameter": ('@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    for i in range(3):\n'
                                   '        a += x[i]\n    return a\n', [np.array(2.0), X3], True),
    "helper_updates_its_parameter": ('def g(a):\n    a += 1.0\n    return a\n\n\n@kernel\ndef f(x: "f64[3]"):\n'
                                     '    a = np.zeros(())\n    g(a)\n    return a + x\n', [X3], False),
    "helper_result_rebinds": ('def g(s, v):\n    s += v\n    return s\n\n\n@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n'
                              '    a = g(a, x[1])\n    return a\n', [np.array(2.0), X3], True),
    "alias_rebound_before_read": ('@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    b = a\n    a += 1.0\n    b = x[0]\n'
                                  '    return a + b\n', [np.array(2.0), X3], True),
    "merged_zeros_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    if x[0] > 0:\n        a = np.ones(())\n'
                           '    b = a\n    a += 1.0\n    return b + x\n', [X3 + 1.0], False),
    "loop_result_zeros_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    for i in range(2):\n'
                                '        a += x[i]\n    b = a\n    a += 1.0\n    return b + x\n', [X3], False),
    "back_edge_zeros_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = x[0] * 1.0\n    for i in range(2):\n'
                              '        b = a\n        a += 1.0\n        a = np.zeros(())\n    return b + x\n', [X3], False),
    "zeros_updated_twice": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    a += 1.0\n    b = a\n    a += 1.0\n'
                            '    return b + x\n', [X3], False),
    "view_of_zeros_updated": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    v = a.reshape(())\n    a += 1.0\n'
                              '    return v + x\n', [X3], False),
    "stop_gradient_of_zeros": ('from lifted import stop_gradient\n\n\n@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n'
                               '    b = stop_gradient(a)\n    a += 1.0\n    return b + x\n', [X3], False),
    "conditional_expression_zeros": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(()) if x[0] > 0 else np.ones(())\n'
                                     '    b = a\n    a += 1.0\n    return b + x\n', [X3 + 1.0], False),
    "zeros_float32_plus_float64": ('@kernel\ndef f(x: "f64[3]"):\n    u = np.zeros((), np.float32)\n    u += x[2] + 1e-9\n'
                                   '    return u\n', [X3], True),
    "zeros_float32_loop": ('@kernel\ndef f(x: "f64[3]"):\n    u = np.zeros((), np.float32)\n    for i in range(3):\n'
                           '        u += x[i] * 0.1\n    return u\n', [X3], True),
    "zeros_int32_wraps": ('@kernel\ndef f(x: "f64[3]"):\n    u = np.full((), 2**30, np.int32)\n    u += 2**30\n    u += 2**30\n'
                          '    return u + x\n', [X3], True),
    "zeros_int_plus_float": ('@kernel\ndef f(x: "f64[3]"):\n    u = np.zeros((), np.int64)\n    u += x[1]\n    return u\n',
                             [X3], False),
    "maybe_zeros_float32_plus_float64": ('@kernel\ndef f(x: "f64[3]", s: "f32[]"):\n'
                                         '    u = np.zeros((), np.float32) if x[0] > 0 else s * 1.0\n    u += x[2]\n'
                                         '    return u\n', [X3 + 1.0, np.float32(2.0)], False),
    "zero_d_item_assignment": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    a[...] = 1.0\n    return a + x\n',
                               [X3], False),
    # np.array, np.copy and np.asarray of a rank-0 value make a 0-d array (found by tests/rank3_programs.py's 0-d
    # forms: `b = a; b += 1.0` changed `a` in Python, not in the generated code)
    "array_of_scalar_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.array(x[0] * 2.0)\n    b = a\n    b += 1.0\n'
                              '    return a + x\n', [X3], False),
    "copy_of_scalar_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.copy(x[1])\n    b = a\n    b *= 3.0\n'
                             '    return a + x\n', [X3], False),
    "asarray_of_scalar_alias": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.asarray(x[0] + x[1])\n    b = a\n'
                                '    b += 1.0\n    return a + x\n', [X3], False),
    "asarray_of_parameter_alias": ('@kernel\ndef f(s: "f64[]", x: "f64[3]"):\n    a = np.asarray(s)\n    b = a\n'
                                   '    b += 1.0\n    return a + x\n', [2.0, X3], False),
    "array_of_scalar_updated": ('@kernel\ndef f(x: "f64[3]"):\n    a = np.array(x[0])\n    a += 1.0\n    a *= x[1]\n'
                                '    return a + x\n', [X3], True),
    "asarray_of_parameter_updated": ('@kernel\ndef f(s: "f64[]", x: "f64[3]"):\n    a = np.asarray(s)\n    a += 1.0\n'
                                     '    return a * x\n', [2.0, X3], True),
}


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _outcome(function, args):
    """The value `function` returns, or the type of the exception it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return function(*_copies(args))
        except Exception as exc:  # noqa: BLE001 (compared with Python's own exception type)
            return type(exc)


def _agrees(got, expected, what: str) -> None:
    if isinstance(expected, type):
        assert got is expected or (isinstance(got, type) and issubclass(got, expected)), \
            f"{what}: {got!r}, Python raises {expected.__name__}"
    elif type(expected) is int:  # (a Python int past int64 has no NumPy dtype)
        assert type(got) is int and got == expected, f"{what}: {got!r}, Python gives {expected!r}"
    else:
        assert not isinstance(got, type), f"{what}: raises {got.__name__}, Python gives {expected!r}"
        same_values(got, expected, what)


def _refused(exc: TranspileError, must_run: bool, what: str) -> None:
    assert not must_run, f"{what}: refused a kernel Python runs: {exc}"
    assert exc.loc is not None and exc.loc.line > 0 and exc.hint, f"{what}: a refusal without a place or hint: {exc}"


def _python(source: str):
    namespace: dict = {}
    exec(compile(HEAD + source, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace["f"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_backend_and_vmap_agree_with_python(name):
    source, args, must_run = CASES[name]
    reference = _python(source)
    expected = _outcome(reference, args)
    batched_params = ", ".join("0" if k == 0 else "None" for k in range(len(args)))
    try:
        module = load_source(HEAD + source + f"\n\nfv = vmap(f, in_axes=({batched_params},))\n", "hostile_ints.py")
    except TranspileError as exc:
        _refused(exc, must_run, name)
        return
    _agrees(_outcome(module.f, args), expected, f"{name}: NumPy backend")
    if isinstance(args[0], np.ndarray) and args[0].ndim:
        batch = [args[0], args[0][::-1].copy()]
        looped = [_outcome(reference, [example] + list(args[1:])) for example in batch]
        got = _outcome(module.fv, [np.stack(batch)] + list(args[1:]))
        if any(isinstance(r, type) for r in looped):
            _agrees(got, next(r for r in looped if isinstance(r, type)), f"{name}: vmap")
        else:
            _agrees(got, tuple(np.stack(p) for p in zip(*looped)) if isinstance(looped[0], tuple) else
                    np.stack(looped), f"{name}: vmap")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_c_target_agrees_with_python(name, tmp_path):
    source, args, must_run = CASES[name]
    expected = _outcome(_python(source), args)
    try:
        compiled, _ = c_module(HEAD + source, tmp_path, "hostile_ints")
    except TranspileError as exc:
        _refused(exc, must_run, name)
        return
    _agrees(_outcome(compiled.f, args), expected, f"{name}: C target")


def test_a_python_int_past_int32_is_checked_on_the_host_before_the_kernel(tmp_path):
    """The C target's host checks a run-time Python int's range where it meets int32 (the kernel would wrap)."""
    compiled, _ = c_module(HEAD + CASES["size_past_int32"][0], tmp_path, "hostile_ints")
    with pytest.raises(OverflowError, match="out of bounds for int32"):
        compiled.f(I32)
    small = np.arange(2, dtype=np.int32)  # len 2: 2e9 still fits int32
    np.testing.assert_array_equal(compiled.f(small), small + 2 * 1000000000)


def test_a_literal_out_of_range_is_refused_where_it_is_written():
    with pytest.raises(TranspileError) as caught:
        load_source(HEAD + CASES["literal_past_int32"][0], "hostile_ints.py")
    assert (caught.value.loc.line, caught.value.loc.col) == (7, 12)
    assert "does not fit the i32" in caught.value.message and "OverflowError" in caught.value.message


# -- a 0-d array given for a rank-0 parameter the kernel updates while another name holds it ------------------------
# Python changes that array in place (the other name sees it), the generated code updates a value: every form
# refuses the 0-d array at entry (ValueError), and computes Python's numbers for a NumPy scalar or a Python float.
ALIASED_PARAMETERS = {
    "alias": '@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    b = a\n    a += 1.0\n    return np.sum(b * x)\n',
    "tuple": '@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    t = (a, x)\n    a *= 2.0\n    return np.sum(t[0] * t[1])\n',
    "loop": ('@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    b = a\n    for i in range(3):\n        a += x[i]\n'
             '    return np.sum(b * x) + a\n'),
    "branch_merge": ('@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    if x[0] > 0:\n        c = a\n    else:\n'
                     '        c = a * 2.0\n    b = c\n    c += 1.0\n    return np.sum(b * x)\n'),
    "helper": ('def bump(s):\n    s += 1.0\n    return s\n\n\n@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    c = bump(a)\n'
               '    return np.sum(a * x) + c\n'),
    "view": '@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    v = np.reshape(a, ())\n    a += 1.0\n    return np.sum(v * x)\n',
    # a new 0-d array for a number, the argument itself for a 0-d array: updating it changes the caller's array
    "asarray": ('@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    b = np.asarray(a)\n    b += 1.0\n'
                '    return np.sum(a * x) + b\n'),
}
DECLARED = "\n\ng = grad(f)\nfj = jvp(f)\nfv = vmap(f, in_axes=(None, 0))\n"


def _forms(module, a, x: np.ndarray) -> dict:
    return {"f": lambda: module.f(a, x.copy()), "g": lambda: module.g(a, x.copy()),
            "fj": lambda: module.fj(a, x.copy(), 1.0), "fv": lambda: module.fv(a, np.stack([x, 2.0 * x]))}


def _check_aliased_parameter(module, source: str) -> None:
    reference = _python(source)
    x = np.array([0.5, -1.0, 2.0])
    for form, call in _forms(module, np.array(2.0), x).items():
        with pytest.raises(ValueError, match=r"argument `a` is a 0-d array, which Python would change in place at "
                                             r"\S+\.py:\d+:\d+"):
            call()
    for a in (np.float64(2.0), 2.0):  # the annotation's promise: a NumPy scalar or a Python number
        forms = _forms(module, a, x)
        np.testing.assert_allclose(forms["f"](), reference(a, x.copy()), rtol=1e-12)
        np.testing.assert_allclose(forms["fj"]()[0], reference(a, x.copy()), rtol=1e-12)
        np.testing.assert_allclose(forms["fv"](), [reference(a, x.copy()), reference(a, 2.0 * x)], rtol=1e-12)
        step = 1e-6
        np.testing.assert_allclose(forms["g"](), (reference(a + step, x.copy()) - reference(a - step, x.copy()))
                                   / (2 * step), rtol=1e-6)
    with warnings.catch_warnings():  # a 0-d array that is not updated under another name is taken as it is
        assert np.isfinite(reference(np.array(2.0), x.copy()))


@pytest.mark.parametrize("name", sorted(ALIASED_PARAMETERS))
def test_a_zero_d_array_for_an_aliased_updated_parameter_is_refused_at_entry(name):
    source = ALIASED_PARAMETERS[name]
    _check_aliased_parameter(load_source(HEAD + source + DECLARED, "hostile_ints.py"), source)


@pytest.mark.parametrize("name", ["alias", "helper", "view"])
def test_a_zero_d_array_for_an_aliased_updated_parameter_is_refused_on_the_c_target(name, tmp_path):
    source = ALIASED_PARAMETERS[name]
    compiled, _ = c_module(HEAD + source + DECLARED, tmp_path, "hostile_ints")
    _check_aliased_parameter(compiled, source)


def test_a_zero_d_array_parameter_whose_alias_is_rebound_unread_is_accepted():
    """Only where the number would differ: `b = a; a += 1.0; b = x[0]` never reads the old alias."""
    module = load_source(HEAD + CASES["alias_rebound_before_read"][0], "hostile_ints.py")
    assert float(module.f(np.array(2.0), X3)) == 3.0
    module = load_source(HEAD + CASES["zero_d_parameter_no_alias"][0], "hostile_ints.py")
    np.testing.assert_array_equal(module.f(np.array(2.0), X3), 3.0 * X3)


def test_a_zero_d_view_argument_of_another_argument_updated_in_place_is_refused():
    """`f(x[0, ...], x)` with `a += 1.0`: Python writes into x; the generated code checks sharing at entry."""
    module = load_source(HEAD + '@kernel\ndef f(a: "f64[]", x: "f64[3]"):\n    a += 1.0\n    return np.sum(x * a)\n'
                         '\n\ng = grad(f)\nfj = jvp(f)\n', "hostile_ints.py")
    x = np.array([1.0, 2.0, 3.0])
    for call in (lambda: module.f(x[0, ...], x), lambda: module.g(x[0, ...], x), lambda: module.fj(x[0, ...], x, 1.0)):
        with pytest.raises(ValueError, match="`x` shares memory with it"):
            call()
    y = np.arange(4.0)
    assert module.f(y[0, ...], y[1:]) == (1.0 + 2.0 + 3.0) * 1.0  # disjoint: accepted
