"""Issue #10's kernel-language reproducers: each gives Python's value and gradient (against finite differences of
the untouched source, and autograd where it runs), or a located build error that says what to write instead.

The programs are the ones a new user wrote with ordinary Python idioms: names sharing an array (made in a
branch, before a loop), writes through the rows of a matrix, tuple assignment into subscripts, the loop variable
after its loop, module-level constants rebound at module level, `and` short-circuiting, `break` in a long
`for`, very long sums, and reverse mode over a generated gradient holding a branch.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, check_against_python, load_source
from lifted.transpiler import TranspileError, transpile_source

HEAD = "import numpy as np\nfrom lifted import grad, hessian, jacrev, jvp, kernel, value_and_grad, vjp\n"
X = np.array([0.7, -1.3, 2.1])


def refused(source: str) -> TranspileError:
    with pytest.raises(TranspileError) as info:
        transpile_source(HEAD + source, "case.py")
    error = info.value
    assert error.loc is not None and error.loc.line > 0 and error.hint, error
    return error


# -- 1. names sharing one array --------------------------------------------------------------------------------
def test_alias_made_in_a_branch_then_written_is_refused_where_the_other_name_is_read():
    """`z = y` on one path only: the write into `z` changes `y` on that path only; reading `y` afterwards is
    refused at the read (it was a wrong gradient)."""
    error = refused('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    z = x * 2.0
    if x[0] > 0:
        z = y
    z[0] = 10 * x[1]
    return np.sum(y * y) + np.sum(z)
''')
    assert "`y` may or may not have been changed by the assignment into `z` at line 10" in error.message
    assert error.loc.line == 11 and ".copy()" in error.hint


def test_alias_made_in_a_branch_then_augmented_is_refused():
    error = refused('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    b = x * 3.0
    if x[0] > 0:
        b = a
    b += x
    return np.sum(a * a) + np.sum(b)
''')
    assert "`a` may or may not have been changed by the assignment into `b`" in error.message


def test_alias_made_in_a_branch_is_fine_while_the_other_name_is_not_read():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    z = x * 2.0
    if x[0] > 0:
        z = y
    z[0] = 10 * x[1]
    return np.sum(z * z)

g = grad(f)
''', [X])


def test_alias_made_before_a_loop_sees_the_loops_writes():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    b = a
    t = 0.0
    for i in range(3):
        a[i] = a[i] * x[i]
        t = t + np.sum(b * b)
    return t + np.sum(b)

g = grad(f)
''', [X])


def test_alias_of_a_parameter_written_in_place_changes_both_names_never_the_argument():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    b = x
    b[0] = x[1] * x[2]
    b += 1.0
    return np.sum(x * b)

g = grad(f)
''', [X])


@pytest.mark.parametrize("first", ["", "    b1[:, 1] -= x\n"])
def test_alias_of_a_parameter_updated_in_place_in_nested_loops(first):
    """`b1 *= c` two loops deep writes into the array `M` holds too (the outer loop did not carry `M`)."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]", M: "f64[n,d]") -> "f64[]":
    b1 = M
''' + first + '''    v2 = 0.0
    for i3 in range(2):
        for i5 in range(3):
            b1 *= -0.7
        v2 = M[i3, 2] * x[i3]
    return v2 + np.mean(b1 * b1)

g = grad(f, wrt=1)
''', [np.array([0.5, -1.0, 2.0]), np.arange(9.0).reshape(3, 3) / 10], wrt=1)


def test_tuple_holding_an_array_sees_a_write_into_it():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 2.0
    pair = (a, x)
    a[1] = x[0] * x[0]
    first, second = pair
    return np.sum(first * second)

g = grad(f)
''', [X])


# -- 2. writes through the rows of a matrix ----------------------------------------------------------------------
def test_writes_through_the_rows_of_a_for_loop_reach_the_matrix():
    check_against_python(HEAD + '''
@kernel
def f(B: "f64[n,d]") -> "f64[]":
    C = B * 1.0
    for row in C:
        row[0] = 0.0
        row *= row[1]
    return np.sum(C * C)

g = grad(f)
''', [np.arange(6.0).reshape(3, 2) / 5 + 0.3])


def test_writes_through_the_rows_of_a_parameter_leave_the_argument_alone():
    check_against_python(HEAD + '''
@kernel
def f(B: "f64[n,d]") -> "f64[]":
    for row in B:
        row[1] = row[0] * row[1]
    return np.sum(B * B)

g = grad(f)
''', [np.arange(6.0).reshape(3, 2) / 5 + 0.3])


# -- 3. tuple assignment evaluates every right-hand value first -------------------------------------------------
def test_swapping_two_elements():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    y[0], y[1] = y[1], y[0]
    return np.sum(y * x)

g = grad(f)
''', [X])


def test_swapping_two_slices_reads_views_as_python_does():
    """The right-hand slices are views: after `a[0:2] = a[2:4]`, Python's second value reads the new `a[0:2]`."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 1.0
    a[0:2], a[2:4] = a[2:4], a[0:2]
    return np.sum(a * x)

g = grad(f)
''', [np.array([0.5, -1.0, 2.0, 1.5, 0.25])])


def test_swapping_two_names():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 2.0
    b = x * x
    a, b = b, a
    a[0] = 1.0
    return np.sum(a * 3.0 + b)

g = grad(f)
''', [X])


# -- 4. the loop variable after its loop ------------------------------------------------------------------------
def test_loop_variable_keeps_its_last_value_after_the_loop():
    module = check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    i = 5
    for i in range(3):
        x = x * 1.5
    return x[0] * i

g = grad(f)
''', [X])
    assert module.f(X) == pytest.approx(X[0] * 1.5 ** 3 * 2)


def test_loop_variable_keeps_its_value_from_before_when_the_loop_does_not_run():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    i = 7
    for i in range(k):
        x = x * 1.5
    return x[0] * i

g = grad(f)
''', [X, 0])


def test_nested_loops_reusing_a_name_leave_the_inner_loops_value():
    module = check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    for i in range(3):
        for i in range(2):
            x = x * 1.25
    return x[0] * i

g = grad(f)
''', [X])
    assert module.f(X) == pytest.approx(X[0] * 1.25 ** 6 * 1)


def test_loop_variable_that_may_never_be_bound_is_refused_when_read():
    error = refused('''
@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    for i in range(k):
        x = x * 1.5
    return x[0] * i
''')
    assert "`i` is only assigned on some paths" in error.message


# -- 5. module-level constants ----------------------------------------------------------------------------------
def test_module_constant_rebound_by_an_augmented_assignment():
    module = check_against_python(HEAD + '''
A = 3.0
A += 1.0

@kernel
def f(x: "f64[n]") -> "f64[]":
    return A * np.sum(x * x)

g = grad(f)
''', [X])
    assert module.f(X) == pytest.approx(4.0 * np.sum(X * X))


def test_module_constant_rebound_under_a_module_level_if():
    check_against_python(HEAD + '''
A = 3.0
B = 2
if A > 1.0:
    A = 7.0
    B = B * 3
else:
    A = -1.0

@kernel
def f(x: "f64[n]") -> "f64[]":
    return A * np.sum(x * x) + B

g = grad(f)
''', [X])


def test_module_constant_rebound_in_a_loop_is_refused():
    error = refused('''
A = 3.0
for _ in range(3):
    A = A * 2.0

@kernel
def f(x: "f64[n]") -> "f64[]":
    return A * np.sum(x)
''')
    assert "`A` is rebound at module level (line 5)" in error.message and error.loc.line == 10


# -- 11. reverse mode over a generated gradient holding a branch ----------------------------------------------
BRANCH = HEAD + '''
@kernel
def f(a: "f64[]") -> "f64[]":
    if a > 0.0:
        r = np.exp(a)
    else:
        r = a * a
    return r

@kernel
def h(a: "f64[]") -> "f64[]":
    return np.exp(a) if a > 0.0 else a * a

g = grad(f)
gg = grad(g)
ggg = grad(gg)
vg = value_and_grad(g)
vjp_g = vjp(g)
jr = jacrev(g)
hv = jvp(g)
hg = grad(grad(h))
'''


@pytest.mark.parametrize("a", [0.7, -0.4])
def test_reverse_over_reverse_of_a_branch_counts_what_it_keeps_once(a):
    module = load_source(BRANCH)
    second = np.exp(a) if a > 0 else 2.0
    third = np.exp(a) if a > 0 else 0.0
    assert module.gg(a) == pytest.approx(second, rel=1e-12)
    assert module.ggg(a) == pytest.approx(third, rel=1e-12, abs=1e-12)
    assert module.vg(a)[1] == pytest.approx(second, rel=1e-12)
    assert module.vjp_g(a, 1.0)[1] == pytest.approx(second, rel=1e-12)
    assert float(np.asarray(module.jr(a))) == pytest.approx(second, rel=1e-12)
    assert module.hv(a, 1.0)[1] == pytest.approx(second, rel=1e-12)
    assert module.hg(a) == pytest.approx(second, rel=1e-12)
    assert_close(module.gg(a), central_difference(module.g, [a], 0), rtol=1e-6, what="grad(grad) vs FD")


# -- crashes: short circuits, break, deep nesting ---------------------------------------------------------------
def test_and_short_circuits_in_a_while_test():
    """`x[i]` with i == n would raise IndexError: Python never evaluates it."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    i = 0
    s = 0.0
    while i < x.shape[0] and x[i] < 10.0:
        s = s + x[i] * x[i]
        i = i + 1
    return s

g = grad(f)
''', [X])


def test_or_short_circuits():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]", k: "i64[]") -> "f64[]":
    if k >= 3 or x[k] > 0.0:
        return np.sum(x * x)
    return np.sum(x)

g = grad(f)
''', [X, 3])


def test_and_on_non_boolean_values_is_refused():
    """Python's `a and b` returns an operand (a number here), not a boolean."""
    error = refused('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return x[0] and x[1]
''')
    assert "`and`/`or` combine boolean scalars" in error.message


def test_break_in_a_long_for_stops_the_loop():
    """A million-iteration `range` left after three: the generated code is a `while` that stops there (it used
    to run, and tape, every remaining iteration)."""
    source = HEAD + '''
@kernel
def f(x: "f64[]") -> "f64[]":
    for i in range(1000000):
        x = x * 0.5 + 0.01
        if x < 0.2:
            break
    return x * i

g = grad(f)
'''
    module = check_against_python(source, [1.0])
    assert "while" in transpile_source(source, "case.py").split("def g(")[1]
    assert module.f(1.0) == pytest.approx(0.1425 * 2)


def test_a_four_hundred_term_sum_compiles():
    terms = " + ".join(f"x[{i % 3}] * {i % 7}.0" for i in range(400))
    check_against_python(HEAD + f'''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return {terms}

g = grad(f)
''', [X])


def test_a_hundred_nested_calls_compile():
    nested = "k(" * 100 + "x" + ")" * 100
    check_against_python(HEAD + f'''
@kernel
def k(x):
    return np.sin(x) * 1.01

@kernel
def f(x: "f64[]") -> "f64[]":
    return {nested}

g = grad(f)
''', [0.5])


def test_nesting_past_the_compilers_limit_is_a_located_error(monkeypatch):
    """Past the raised recursion limit (here lowered, to keep the test fast) a located error names it."""
    import sys

    from lifted.transpiler import pipeline

    real_limit = sys.getrecursionlimit()
    monkeypatch.setattr(pipeline, "RECURSION_LIMIT", 1000)
    monkeypatch.setattr(sys, "getrecursionlimit", lambda: 1000)
    terms = " + ".join(f"x[{i % 3}]" for i in range(400))
    try:
        error = refused(f'''
@kernel
def f(x: "f64[n]") -> "f64[]":
    return {terms}
''')
    finally:
        sys.setrecursionlimit(real_limit)
    assert "nests too deeply for the compiler (past 1000 levels" in error.message and error.loc.line == 6


# -- found by the differential fuzzer (tests/test_property_semantics.py) ---------------------------------------
Y = np.array([0.4, 1.1, -0.6])


def test_loop_slot_that_holds_a_parameter_from_the_second_iteration_on_copies_it_before_a_write():
    """Seed 3413: `b, a = a, b` hands `a` the parameter `y` on the second iteration; the slot was marked "copy
    before writing" from its first value only, so the generated kernel wrote into the caller's `y`."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    a = x * 2.0
    b = y
    for i in range(2):
        a[1:] -= x[0]
        b, a = a, b
    return np.sum(a * x) + np.sum(b * x)

g = grad(f, wrt=("x", "y"))
''', [X, Y])


def test_names_that_may_share_an_array_stay_ambiguous_when_both_are_carried_round_a_loop():
    """Seed 3621: `A = acc` on one path only, then a loop writing into `acc` and (in a nested loop) into `A`:
    the ambiguity named the values before the loop, not the loop's slots, so the write into `A` missed `acc`
    (a wrong value). Refused at the write."""
    error = refused('''
@kernel
def f(x: "f64[n]") -> "f64[]":
    A = x * 0.25
    acc = x * 0.5
    if x[0] >= 0.0:
        A = acc
    for c in range(3):
        acc[2] += 1.0
        for i in range(3):
            A[2] *= 2.0
        A = np.tanh(A)
    return np.mean(acc)
''')
    assert "may or may not have been changed by the assignment" in error.message and error.loc.line == 13


def test_a_branch_in_a_loop_that_may_leave_a_name_on_a_parameter_makes_the_write_ambiguous():
    """Seed 9597: `b = y` before the loop; in the loop `b` is rebound on one path only, then `b += x`
    writes into `y` on the other path: reading `y` afterwards is refused (it read `y` unchanged)."""
    error = refused('''
@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    b = y
    for i in range(3):
        if x[0] > 0.0:
            b = x * 1.0
        b += x
    return np.sum(y * x)
''')
    assert "`y` may or may not have been changed by the assignment into `b`" in error.message


@pytest.mark.parametrize("array", ["y0.copy()", "y0"])
def test_a_merge_in_a_loop_that_may_hold_an_array_a_name_outside_holds_makes_the_write_ambiguous(array):
    """Seed 9597 again, once parameters updated in a loop were copied once before it: `b = y`, a local array,
    then `b, v = v, b` on one path; `b += x` after the `if` wrote through the merge of the two paths out of
    place (the merge did not carry the slot's "another name holds my first array" mark), so `y` read unchanged
    (a wrong value, with a local `y` on every earlier build too). Refused where `y` is read."""
    error = refused(f'''
@kernel
def f(x: "f64[n]", y0: "f64[n]", s: "f64[]") -> "f64[]":
    y = {array}
    b = y
    v = x * 2.0
    c = 0
    while c < 4:
        if s > 0.5:
            v = x * 1.0
        else:
            b, v = v, b
        b += x
        c += 1
    return np.sum(v * 0.9 + y)
''')
    assert "`y` may or may not have been changed by the assignment into `b`" in error.message and error.loc.line == 17


def test_stop_gradient_is_the_array_itself_so_writes_through_it_or_its_argument_are_refused():
    """`stop_gradient(y)` returns `y` itself at run time: `z[:, 0] = 3.0` changes `y` too. The generated module
    dropped that write (a wrong value: `np.sum(y * x)` read `y` unchanged); now `z` is a view of `y`, so the
    write, and a read of `z` after a write into `y`, are refused where they happen."""
    through_it = refused('''
from lifted import stop_gradient

@kernel
def f(x: "f64[n,3]") -> "f64[]":
    y = x * 2.0
    z = stop_gradient(y)
    z[:, 0] = 3.0
    return np.sum(y * x)
''')
    assert "`z` is a view of another array" in through_it.message and through_it.loc.line == 10
    into_its_argument = refused('''
from lifted import stop_gradient

@kernel
def f(x: "f64[n,3]") -> "f64[]":
    y = x * 2.0
    z = stop_gradient(y)
    y[:, 0] = 3.0
    return np.sum(z * x)
''')
    assert "`z` may or may not have been changed" in into_its_argument.message and into_its_argument.loc.line == 11
    source = HEAD + '''
from lifted import stop_gradient

@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 2.0
    z = stop_gradient(y)
    return np.sum(z * x) + np.sum(y * y)
'''
    python: dict = {}
    exec(compile(source, "python_reference", "exec", dont_inherit=True), python)
    assert_close(load_source(source).f(X.copy()), python["f"](X.copy()), rtol=1e-12, atol=1e-12, what="value")


def test_a_loop_that_may_run_no_iteration_leaves_its_names_ambiguous():
    """Had the `while` run no iteration, `b` would still be `c`'s array and `b[0] = 5.0` would change `c`
    (the generated kernel returned `c` unchanged). Refused where `c` is read."""
    error = refused('''
@kernel
def f(x: "f64[n]", s: "f64[]") -> "f64[]":
    b = x * 1.0
    c = b
    while s > 5.0:
        b = b * 2.0
    b[0] = 5.0
    return np.sum(c * x)
''')
    assert "`c` may or may not have been changed by the assignment into `b`" in error.message


def test_a_loop_over_a_constant_range_that_runs_keeps_its_names_apart():
    """The same program over `range(3)` (it runs): `b` is a new array after the loop, the write leaves `c`."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    b = x * 1.0
    c = b
    for i in range(3):
        b = b * 2.0
    b[0] = 5.0
    return np.sum(c * x) + np.sum(b * x)

g = grad(f)
''', [X])


@pytest.mark.parametrize("rebound", ["", "        acc = acc * 1.0\n"])
def test_an_alias_made_in_a_branch_of_a_loop_is_ambiguous_on_the_next_iteration(rebound):
    """Seed 6386: `total = acc` on one path in the loop; on the next iteration `total += x` writes into `acc`.
    The slot of `total` took its marks from its first value (a fresh array) only: a wrong value. Refused."""
    error = refused(f'''
@kernel
def f(x: "f64[n]") -> "f64[]":
    acc = x * 0.5
    total = np.zeros_like(x)
    for i in range(3):
        total += x
{rebound}        if x[i] < 1.0:
            total = acc
        else:
            total = total * 3.0
    return np.mean(acc)
''')
    assert "`acc` may or may not have been changed by the assignment into `total`" in error.message


def test_a_loop_invariant_array_the_next_iteration_writes_into_is_not_hoisted():
    """Seed 5861: `acc = np.tanh(x * 2.0)` reads nothing the loop changes, so it was computed once before the
    loop; the next iteration's `acc[1:2] += ...` then wrote into that one array, iteration after iteration."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    acc = np.ones(len(x))
    c = 0
    while c < 3:
        acc[1:2] += 0.3 * x[0]
        acc = np.tanh(x * 2.0)
        c += 1
    return np.sum(acc * x)

g = grad(f)
''', [X])


@pytest.mark.parametrize("first", [0.9, -0.3])
def test_second_derivative_through_a_branch_that_keeps_a_masked_value(first):
    """Seeds 3761, 6450, 8303, 8436: the first reverse sweep keeps `v1[x > 0.0]` after the `if` (None on the
    other path); the second one made zeros of its size on that path, reading the size of None (a crash)."""
    from autograd import grad as autograd_grad

    text = HEAD + '''
@kernel
def f(x: "f64[n]", s: "f64[]") -> "f64[]":
    v1 = x * s
    if x[0] > 0.5:
        v7 = s * 1.0
    elif x[1] > 2.0:
        v7 = np.sum(v1 * 2.0)
    else:
        v7 = np.sum(v1[x > 0.0] ** 2)
    return v7

g = grad(f, wrt="s")
g_s = grad(g, wrt="s")
'''
    args = [np.array([first, 0.5, -0.2, 1.3]), 0.7]
    module = check_against_python(text, args, wrt=1)
    second = module.g_s(*args)
    assert_close(second, central_difference(module.g, args, 1), rtol=1e-6, what="grad(grad(f)) vs finite differences")
    assert_close(second, autograd_grad(autograd_grad(autograd_kernels(text)["f"], 1), 1)(*args), rtol=1e-9,
                 what="grad(grad(f)) vs autograd")
