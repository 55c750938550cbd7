"""Where issue #10's aliasing model meets the `models` features (lists, dicts, closures, called functions,
starred unpacking, module-level values): each program gives Python's value and gradient, or a located error."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python
from lifted.transpiler import TranspileError, transpile_source

HEAD = "import numpy as np\nfrom lifted import grad, kernel\n"
X = np.array([0.7, -1.3, 2.1])


def right_or_refused(source: str, args: list) -> None:
    """Python's numbers, or a refusal that says where (never a wrong number)."""
    try:
        transpile_source(source, "case.py")
    except TranspileError as error:
        assert error.loc is not None and error.loc.line > 0
        return
    check_against_python(source, args)


def test_a_write_through_a_row_view_reaches_a_list_holding_the_matrix():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    m = np.outer(x, x)
    held = [m, x * 2.0]
    row = m[1]
    row[0] = x[2] * 3.0
    return np.sum(held[0] * held[0]) + np.sum(held[1]) + np.sum(row)

g = grad(f)
''', [X])


def test_a_called_function_writing_through_a_view_of_its_argument_changes_the_callers_array():
    check_against_python(HEAD + '''
def bump(a, v):
    head = a[:2]
    head += v
    return a

@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.5
    z = y
    bump(y, x[0])
    return np.sum(z * z) + np.sum(y)

g = grad(f)
''', [X])


def test_starred_unpacking_after_an_update_sees_the_updated_array():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 2.0
    a, *rest = y, y, x
    a[0] = x[1] * x[2]
    return np.sum(rest[0] * rest[1]) + np.sum(a)

g = grad(f)
''', [X])


def test_a_private_reshape_view_is_updated_as_a_copy():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    t = np.reshape(x * 1.0, (1, 3))
    t[0, 1] = x[0] * 4.0
    return np.sum(t * t)

g = grad(f)
''', [X])


def test_a_module_list_and_a_constant_rebound_under_an_if():
    check_against_python(HEAD + '''
SCALES = [1.0, 2.0, 3.0]
C = 2.0
if C > 1.0:
    C = 5.0

@kernel
def f(x: "f64[n]") -> "f64[]":
    return C * np.sum(x * x) + SCALES[2] * np.sum(x)

g = grad(f)
''', [X])


def test_a_reshape_view_written_while_its_array_is_held_changes_that_array():
    """`y = x * 1.0` is a new 1-D array, so contiguous: its reshape is a view, and the write reaches `y`."""
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    t = np.reshape(y, (1, 3))
    t[0, 1] = 4.0 * x[0]
    return np.sum(y * y)

g = grad(f)
''', [X])


def test_a_reshape_of_a_parameter_written_while_the_parameter_is_held_is_refused():
    """The caller's array decides whether `np.reshape(x, ...)` is a view (C-contiguous) or a copy."""
    with pytest.raises(TranspileError) as info:
        transpile_source(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    t = np.reshape(x, (1, 3))
    t[0, 1] = 4.0
    return np.sum(x)
''', "case.py")
    assert "is a reshape" in info.value.message and info.value.loc.line == 7


def test_an_array_a_list_holds_updated_in_a_run_time_loop_is_right_or_refused():
    source = HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    held = [y]
    for i in range(len(x)):
        y[i] = y[i] * x[0]
    return np.sum(held[0]) + np.sum(y)

g = grad(f)
'''
    right_or_refused(source, [X])


def test_a_closure_reads_the_array_its_enclosing_kernel_updated():
    check_against_python(HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 2.0
    read = lambda: np.sum(y * y)
    z = y
    z[1] = x[0] * x[2]
    return read()

g = grad(f)
''', [X])


def test_a_tuple_holding_an_array_a_run_time_loop_updates_is_right_or_refused():
    source = HEAD + '''
@kernel
def f(x: "f64[n]") -> "f64[]":
    y = x * 1.0
    pair = (y, x)
    for i in range(len(x)):
        y[i] = y[i] * x[0]
    return np.sum(pair[0]) + np.sum(y)

g = grad(f)
'''
    right_or_refused(source, [X])
