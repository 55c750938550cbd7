"""Issue #10: names sharing arrays across loops, refused no more than needed and never a wrong number.

Lifted refusals (each checked against Python's value, finite differences and autograd where it runs):
* a `while` whose test is true on entry (`c = 0; while c < 3 or ...`, `w = np.tanh(-0.1); while w < 1.5`) surely
  runs, so a name it rebinds no longer holds its first array after it (fuzzer seeds 119, 228);
* such a loop whose first iteration shares arrays differently from the next ones (`b = y` before it, a write
  through `b` then `b = ...` in it) is lowered as that first iteration on its own, then the loop (seeds 2, 253);
* `acc = A` in a branch, then `acc` rebound before the iteration ends: `A` and what `acc` held before the branch
  never shared (seed 563).

Refusals that stay, each a located error (they were wrong values before: a loop that surely runs, or a name
ending an iteration on an array held by a name the loop does not assign, lost that sharing)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, check_second_order
from lifted.transpiler import TranspileError, transpile_source

HEAD = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel, vjp\n"
SIGNATURE = 'def f(x: "f64[n]", y: "f64[n]", M: "f64[n,d]", s: "f64[]"):'
TAIL = '\n\ng = grad(f, wrt=("x", "y", "M", "s"))\n'


def args(seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=5), rng.normal(size=5), rng.normal(size=(5, 3)), float(rng.normal())]


def program(body: str) -> str:
    return HEAD + "\n@kernel\n" + SIGNATURE + body + TAIL


def matches_python(body: str, seeds=(0, 1, 2)) -> None:
    for seed in seeds:
        check_against_python(program(body), args(seed), rtol=1e-5)


def refused_at(body: str, line: int, *words: str) -> TranspileError:
    """A located refusal at `line` of the kernel (1 = its `def`), naming what the message must say."""
    with pytest.raises(TranspileError) as info:
        transpile_source(program(body), "case.py")
    error = info.value
    offset = program("").count("\n", 0, program("").index("def f"))
    assert error.loc is not None and error.loc.line == offset + line and error.loc.col > 0 and error.hint, error
    assert str(error).startswith(f"case.py:{offset + line}:{error.loc.col}: error: ")
    for word in words:
        assert word in error.message, error
    return error


# -- lifted ------------------------------------------------------------------------------------------------
def test_while_true_on_entry_leaves_no_first_array_behind():
    """Seed 119: `b1` holds `x` before the loop; the loop surely runs and rebinds it, so the write after the loop
    never reaches `x`."""
    matches_python('''
    b1 = x
    c2 = 0
    while c2 < 3 or c2 < 5 and x[c2] > -0.5:
        b1 = b1 * 0.9 + x
        c2 += 1
    b1[3:5] *= y[0:2] * s
    return np.sum(b1 * y) + x[1]
''')


def test_while_true_on_entry_from_a_function_of_constants():
    """Seed 228: `w8 = np.tanh(-0.1)` is known at build time, far from the test's threshold."""
    matches_python('''
    b1 = y
    c7 = 0
    w8 = np.tanh(-0.1)
    while w8 < 1.5 and c7 < 6:
        b1 = np.tanh(b1 + x)
        w8 = w8 + 0.3 + 0.2 * np.tanh(1.0)
        c7 += 1
    b1[0] = s
    return np.sum(b1 * x) + np.sum(y * y)
''')


def test_first_iteration_sharing_differently_is_lowered_on_its_own():
    """Seed 2: the first iteration writes into `y` through `b1`, the next ones into `b1`'s own array; the loop's
    test reads `y` after the first write."""
    body = '''
    b1 = y * 1.0
    c = 0
    while c < 3 or c < 5 and b1[c] > -0.5:
        b1[1:3] *= x[0:2] * s
        b1 = b1 * 0.9 + x
        c += 1
    return np.sum(b1 * x) + s
'''
    matches_python(body.replace("b1 = y * 1.0", "b1 = y"))
    matches_python(body.replace("b1[c]", "y[c]").replace("b1 = y * 1.0", "t = y * 1.0\n    b1 = t") +
                   "\n\nh = grad(f, wrt='s')\n", seeds=(0, 3))


def test_first_iteration_on_its_own_second_order():
    text = program('''
    b1 = y
    c = 0
    while c < 2 or c < 4 and y[c] > -0.5:
        b1[1:3] *= x[0:2] * s
        b1 = b1 * np.tanh(s) + x
        c += 1
    return np.sum(b1 * x) + np.sum(y) * s
''')
    check_second_order(text, args(4), 3)


def test_inner_loop_that_surely_runs_rebinds_before_the_outer_loops_write():
    """Seed 253: the inner `while c6 < 4` surely runs, so after it `b1` is its own array, not `y`'s."""
    matches_python('''
    b1 = y
    c3 = 0
    while s < 1.5 and c3 < 6:
        c6 = 0
        while c6 < 4:
            t = np.square(y[2])
            b1 = b1 * -0.8 + x * t
            c6 += 1
        b1 += np.sin(x)
        c3 += 1
    return np.sum(b1 * x)
''')


def test_name_sharing_in_a_branch_then_rebound_before_the_next_write():
    """Seed 563: `acc3 = A2` on one path, then `acc3` rebound; the next iteration's write through the row of
    `A2` cannot reach `acc3`."""
    matches_python('''
    A2 = M * 0.5
    acc3 = np.zeros_like(M)
    for row4 in A2:
        row4 *= 1.5 + s
        if y[4] >= 0.0:
            acc3 = A2
        acc3 = np.tanh(acc3 + M)
    return np.sum(acc3) * s + np.sum(A2 * x[0])
''')


def test_branch_values_of_two_names_never_shared():
    """`z = a` or `z = b`: `a` and `b` never share, so writing into `a` leaves `b` readable."""
    matches_python('''
    a = x * 1.0
    b = y * 1.0
    z = x * 2.0
    if y[0] > 0.0:
        z = a
    else:
        z = b
    a[0] = s
    return np.sum(a * x) + np.sum(b * s)
''')


# -- refusals that stay ----------------------------------------------------------------------------------
def test_branch_merge_still_refuses_the_name_that_may_share():
    refused_at('''
    a = x * 1.0
    b = y * 1.0
    z = x * 2.0
    if y[0] > 0.0:
        z = a
    else:
        z = b
    a[0] = s
    return np.sum(z * x) + np.sum(b)
''', 10, "`z` may or may not have been changed by the assignment into `a`")


@pytest.mark.parametrize("loop", ["for i in range(3):", "for i in range(len(y) - 2):", "while s < 10.0:"])
def test_a_name_that_may_keep_its_first_array_after_a_loop_is_refused(loop):
    """`b = a`, then a loop that rebinds `b` on some paths only: after it `b` may still be `a` (it was a wrong
    value for `range(3)`, which surely runs)."""
    step = "        s = s + 4.0\n" if loop.startswith("while") else ""
    refused_at(f'''
    a = x * 1.0
    b = a
    {loop}
        if x[1] > 0.0:
            b = b * 2.0
{step}    b[0] = 5.0 * s
    return np.sum(a * x)
''', 9 if step else 8, "`a` may or may not have been changed by the assignment into `b`")


def test_a_parameter_a_name_may_keep_after_a_loop_is_refused():
    refused_at('''
    b = x
    for i in range(3):
        if x[i] > 0.0:
            b = b * 2.0
    b[0] = 5.0 * s
    return np.sum(x * y)
''', 7, "`x` may or may not have been changed by the assignment into `b`")


@pytest.mark.parametrize("loop", ["for i in range(3):", "for i in range(len(y) - 2):"])
def test_a_name_ending_an_iteration_on_an_array_held_before_the_loop(loop):
    """`c = b` in the body, `b` not assigned in it: the next iteration's write through `c` changes `b`'s array
    (it was a wrong value: the write missed `b` and `a`). The first iteration is lowered on its own, then the
    loop, where `c` and `b` share from the start."""
    matches_python(f'''
    a = x * 1.0
    b = a
    c = x * 3.0
    {loop}
        c[1] = c[1] * s
        c = b
    return np.sum(a * x) + np.sum(c * y)
''')
    matches_python(f'''
    c = x * 3.0
    {loop}
        c[1] = c[1] * s
        c = x
    return np.sum(x * y) + np.sum(c)
''')


def test_a_name_ending_an_iteration_on_an_array_held_before_a_loop_that_may_not_run_is_refused_after_it():
    refused_at('''
    a = x * 1.0
    b = a
    c = x * 3.0
    for i in range(len(y) - 5 + 3):
        c = b
    c[0] = 5.0 * s
    return np.sum(a * x)
''', 8, "`a` may or may not have been changed by the assignment into `c`")


def test_a_name_that_may_end_on_another_names_first_array_is_refused():
    """`c = b` on some iterations, `b` holding `a`'s array throughout: after the loop a write through `c` may
    change `a` (it was a wrong value)."""
    refused_at('''
    a = x * 1.0
    b = a
    c = x * 3.0
    for i in range(3):
        if x[i] > 0.0:
            c = b
        if x[i] > 5.0:
            b = b * 2.0
    c[0] = 5.0 * s
    return np.sum(a * x)
''', 11, "`a` may or may not have been changed by the assignment into `c`")


def test_first_iteration_on_its_own_keeps_a_later_ambiguity():
    """The loop surely runs, but `b1` is rebound on some paths only: after it, `b1` may still be `a`."""
    refused_at('''
    a = x * 1.0
    b1 = a
    k = 0.0
    while k < 1.0:
        b1[1:3] *= x[0:2] * s
        if x[0] > 0.0:
            b1 = b1 * 0.9 + x
        k = k + 0.25
    return np.sum(b1 * x) + np.sum(a * y)
''', 10, "`a` may or may not have been changed by the assignment into `b1`")


def test_a_test_near_its_threshold_is_not_taken_as_true():
    """`np.cos(0.0) >= 1.0` holds here, but NumPy elsewhere may round `np.cos` another way: the loop may not run,
    so `b` may still be `y`."""
    refused_at('''
    b = y
    w = np.cos(0.0)
    while w >= 1.0:
        b = b * 0.5
        w = w - 0.5
    b[0] = s
    return np.sum(b) + np.sum(y)
''', 8, "`y` may or may not have been changed by the assignment into `b`")


def test_sharing_that_differs_on_every_iteration_is_refused_after_peeling():
    """Peeling first iterations is bounded: a sharing that changes on every iteration stays a located error."""
    refused_at('''
    a = x * 1.0
    b = a
    c = 0
    while c < 100:
        b[0] = b[0] + s
        if c % 2 == 0:
            b = b * 1.0
        else:
            b = a
        c += 1
    return np.sum(a * x) + np.sum(b)
''', 10, "`a` may or may not have been changed by the assignment into `b`")


def test_a_row_of_the_array_a_name_may_share_at_the_end_of_an_iteration_is_refused():
    refused_at('''
    A2 = M * 0.5
    acc3 = np.zeros_like(M)
    for row4 in A2:
        row4 *= 1.5 + s
        acc3 = np.tanh(acc3 + M)
        if y[4] >= 0.0:
            acc3 = A2
    return np.sum(acc3) * s + np.sum(A2 * x[0])
''', 6, "`acc3` may or may not have been changed by the assignment into `row4`")


def test_first_iteration_on_its_own_with_continue_in_a_loop_that_may_not_run():
    """The first iteration writes into `y` through `b1` (the loop may not run: decided at run time, by an `if`),
    then `b1` is rebound on both paths, one of them ending the iteration with `continue`."""
    matches_python('''
    b1 = y
    for i in range(len(y) - 1):
        b1[0] += s * x[i]
        if x[i] > 0.0:
            b1 = b1 * 2.0
            continue
        b1 = b1 + x
    return np.sum(b1 * x) + np.sum(y * y)
''', seeds=(0, 1, 2, 5))
    matches_python('''
    A = M * 1.0
    for row in A:
        row[0] = row[0] * s
        A = A * 0.5 + M
    return np.sum(A) + np.sum(M * M)
''')


def test_a_name_continue_or_break_may_leave_as_it_was_is_refused():
    """`continue` (or `break`) before the rebinding of `b` on every iteration: after the loop `b` may still be
    `a` (with `continue` in a `range(3)` loop, which surely runs, it was a wrong value)."""
    refused_at('''
    a = x * 1.0
    b = a
    for i in range(3):
        if x[i] > 0.0:
            continue
        b = b * 2.0
    b[0] = 5.0 * s
    return np.sum(a * x)
''', 9, "`a` may or may not have been changed by the assignment into `b`")
    refused_at('''
    a = x * 1.0
    b = a
    c = 0
    while c < 3:
        if x[c] > 0.0:
            break
        b = b * 2.0
        c += 1
    b[0] = 5.0 * s
    return np.sum(a * x)
''', 11, "`a` may or may not have been changed by the assignment into `b`")


@pytest.mark.parametrize("loop", ["for row in A:", "for i in range(len(x)):", "while k < 3:"])
def test_a_return_no_path_reaches_leaves_the_loop_as_one_that_never_returns(loop):
    """Fuzzer seeds 413 and 20036: `if (0.3 + 0.3) < -0.5: return ...` in a loop is decided at build time, so no
    `return` is reached; it was refused ("this loop's `return` value has no type")."""
    matches_python(f'''
    A = M * 0.25
    v = x * 1.0
    k = 0
    {loop}
        k += 1
        if (0.3 + 0.3) < -0.5:
            return M[4, 0]
        v = v * np.cos(s) + x
    return np.sum(np.sin(v)) + np.mean(A)
''')


def test_a_return_no_path_reaches_in_a_loop_inside_one_that_returns():
    matches_python('''
    v = x * 1.0
    for j in range(2):
        k = 0
        while k < 3:
            k += 1
            if 1.0 < 0.0:
                return s
            v = v * np.cos(s) + x
        if v[0] > 2.0:
            return v[1] * s
    return np.sum(np.sin(v))
''', seeds=(0, 1, 2, 3, 4))


def test_a_helper_whose_loop_returns_on_one_call_only():
    """The same loop, inlined twice: its `return` is reached in one call and decided away in the other."""
    text = HEAD + '''
def first_positive(v, early):
    for i in range(3):
        if early:
            if v[i] > 0.0:
                return v[i] * 2.0
        v = v * 0.5
    return v[0]

@kernel
''' + SIGNATURE + '''
    return first_positive(x * 1.0, True) + first_positive(y * 1.0, False) * s
''' + TAIL
    for seed in (0, 1, 2, 3):
        check_against_python(text, args(seed), rtol=1e-5)


def test_a_view_taken_before_a_loop_that_rebinds_the_array():
    """`v = A[0]`, then a loop that rebinds `A`: `v` still looks into the first array (it was recomputed from the
    new one: a wrong value); where the loop also writes into the first array, its first iteration is lowered on
    its own, so `v` sees that write."""
    matches_python('''
    A = M * 2.0
    v = A[0]
    c = 0
    while c < 2:
        A = np.tanh(A + M)
        c += 1
    return np.sum(v * x[0:3]) * s + np.sum(A)
''')
    matches_python('''
    A = M * 2.0
    v = A[0]
    for i in range(len(x) - 2):
        A[0, 1] = s * x[i]
        A = np.tanh(A + M)
    return np.sum(v * x[0:3]) * s
''')
    matches_python('''
    A7 = M * 2.0
    acc8 = M[0] * 1.0
    for row9 in A7:
        row9[2] += x[2]
        c11 = 0
        while c11 < 2:
            A7 = np.tanh(A7 + M)
            c11 += 1
        acc8 = acc8 + row9[0]
    return np.sum(np.sin(acc8)) * s
''')
    matches_python('''
    A = M * 2.0
    v = A[0]
    c = 0
    while c < 2:
        A += np.tanh(A + M)
        c += 1
    return np.sum(v * x[0:3]) * s + np.sum(A)
''')
