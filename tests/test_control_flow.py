"""Control flow: if/elif/else, for and while, in primal code and through reverse mode.

Every program's gradient is checked against central finite differences and against autograd running the
untouched source; the tape test checks that loops store only what the reverse sweep reads.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from autograd import grad as autograd_grad

from gradcheck import (assert_close, autograd_kernels, central_difference, check_against_python, load_source,
                       random_inputs)
from lifted.transpiler import TranspileError, transpile_source

GOLDEN = Path(__file__).parent / "golden"

PROGRAMS = {
    "while_true_ends_by_returning": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    s = np.sum(x * y)
    while True:
        s = s * 0.5 + 0.1 * np.sum(y)
        if s < 0.3 * np.sum(y):
            return s * np.sum(y)
''',
    "while_true_inside_a_for": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(len(x)):
        v = x * y[i]
        while True:
            v = v * 0.5
            if np.sum(v) < 1.0:
                return np.sum(v * y) + total
        total = total + 1.0
    return total
''',
    "loop_logsumexp_with_if": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    m = x[0]
    for i in range(1, len(x)):
        if x[i] > m:
            m = x[i]
    s = 0.0
    for i in range(len(x)):
        s += np.exp(x[i] - m) * y[i]
    return m + np.log(s)
''',
    "if_elif_else_on_data": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = np.sum(x * y)
    if total > 1.0:
        out = total * total
    elif total > -1.0:
        out = np.sin(total) + np.sum(y)
    else:
        out = -total
    return out * 2.0
''',
    "branch_on_parameter_value": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    z = x * y
    if np.max(z) > 0.5:
        z = z * x
    return np.sum(z ** 2)
''',
    "for_over_rows": '''
@kernel
def f(x: "f64[n,d]", y: "f64[d]"):
    acc = np.zeros(x.shape[1])
    for row in x:
        acc = acc + np.tanh(row * y)
    return np.sum(acc * acc)
''',
    "while_trip_count_depends_on_input": '''
@kernel
def f(x: "f64[]", y: "f64[]"):
    v = x
    while v > 0.1:
        v = v * 0.5 + 0.01 * y
    return v * y
''',
    "nested_loops_with_slices": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(3):
        for j in range(1, 4):
            total = total + np.sum(x[j:] * y[:-j]) * (i + 1)
    return total
''',
    "rk4_integrator": '''
@kernel
def rhs(u: "f64[n]", k: "f64[n]"):
    return -k * u + 0.1 * np.sin(u)

@kernel
def f(x: "f64[n]", y: "f64[n]"):
    h = 0.01
    u = x
    for step in range(100):
        a = rhs(u, y)
        b = rhs(u + 0.5 * h * a, y)
        c = rhs(u + 0.5 * h * b, y)
        d = rhs(u + h * c, y)
        u = u + h / 6.0 * (a + 2.0 * b + 2.0 * c + d)
    return np.sum(u * u)
''',
    "loop_carried_matrix": '''
@kernel
def f(x: "f64[d,d]", y: "f64[d]"):
    v = y
    for i in range(4):
        v = np.tanh(x @ v)
    return np.sum(v)
''',
    "accumulate_into_outer_in_loop": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    s = np.zeros(len(x))
    for i in range(5):
        s = s + x * y ** 2 + np.sin(x * i)
    return np.sum(s * x)
''',
    "if_inside_while": '''
@kernel
def f(x: "f64[]", y: "f64[]"):
    v = x
    count = 0
    while count < 6:
        if v > 1.0:
            v = v - 0.3 * y
        else:
            v = v * 1.5 + y
        count += 1
    return v * v
''',
    "loop_with_integer_state": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    best = 0
    for i in range(len(x)):
        if x[i] > x[best]:
            best = i
    return x[best] * np.sum(y) + y[best]
''',
    "break_and_continue": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = 0.0
    for i in range(len(x)):
        if x[i] > 1.3:
            break
        if x[i] < 0.7:
            continue
        total = total + x[i] * y[i]
    return total * np.sum(y)
''',
    "while_true_with_break": '''
@kernel
def f(x: "f64[]", y: "f64[]"):
    v = x
    k = 0
    while True:
        nxt = 0.5 * (v + y / v)
        k += 1
        if k > 8:
            break
        v = nxt
    return v * x
''',
    "early_returns_in_branches": '''
@kernel
def f(x: "f64[]", y: "f64[]"):
    if x > 1.2:
        return x * y
    z = x * x
    if z < 0.6:
        return z + y * x
    return np.sin(z) * y
''',
    "conditional_expression": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    s = np.sum(x * y)
    scale = s * s if s > 0.5 else np.exp(s) - 1.0
    return scale * np.sum(y) + (np.max(x) if s < 3.0 else 0.0)
''',
    "early_return_from_nested_loop": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    acc = 0.0
    for i in range(len(x)):
        for j in range(len(y)):
            acc = acc + x[i] * y[j]
            if acc > 2.0:
                return acc * x[i] + np.sum(y)
    return acc * 0.5
''',
    "swaps_in_loops_and_branches": '''
@kernel
def f(x: "f64[]", y: "f64[]"):
    a = x
    b = y
    for i in range(5):
        a, b = b, a + 0.5 * b
        if a > b:
            a, b = b, a
    return a * 2.0 + b
''',
    "static_condition_folds": '''
LIMIT = 3

@kernel
def f(x: "f64[n]", y: "f64[n]"):
    if LIMIT > 2:
        z = x * y
    else:
        z = x + y
    return np.sum(z)
''',
}


def _program(body: str) -> str:
    return "import numpy as np\nfrom lifted import grad, kernel\n" + body + '\nf_grad = grad(f, wrt=("x", "y"))\n'


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_control_flow_gradients_match_both_oracles(name):
    text = _program(PROGRAMS[name])
    module = load_source(text, f"{name}.py")
    oracle = autograd_kernels(text)["f"]
    args = random_inputs(module.f, np.random.default_rng(11), positive=True)
    assert_close(module.f(*args), oracle(*args), rtol=1e-12, atol=0, what=f"{name} primal")
    grads = module.f_grad(*args)
    for position, got in enumerate(grads):
        assert_close(got, central_difference(module.f, args, position), rtol=1e-5, atol=1e-6,
                     what=f"{name} FD arg {position}")
        if np.ndim(args[position]):
            expected = autograd_grad(oracle, position)(*args)
            assert_close(got, expected, rtol=1e-10, atol=1e-12, what=f"{name} autograd arg {position}")


def test_tape_stores_scalars_per_iteration_and_skips_loop_invariants():
    module = load_source(_program_text_for_tape())
    source = transpile_source(_program_text_for_tape(), "tape.py")
    gradient = source[source.index("def f_grad"):]
    assert gradient.count(".append(") == 1, gradient  # one tape: s per iteration; `scale` is not pushed
    assert "tape_scale" not in gradient and "tape_big" not in gradient
    # run it and look at what the tape holds at its fullest: 10,000 scalars
    captured = {}

    class Recording(list):
        def append(self, value):
            super().append(value)
            captured["max"] = max(captured.get("max", 0), len(self))
            captured["kind"] = type(value)

    namespace = {"__name__": "tape_probe", "Recording": Recording}
    exec(compile(source.replace("= []", "= Recording()"), "tape", "exec", dont_inherit=True), namespace)
    x, big = 0.3, np.ones(1000) / 1000.0
    namespace["f_grad"](x, big)
    assert captured["max"] == 10000
    assert np.ndim(captured["kind"](0)) == 0
    eps = 1e-6
    assert_close(module.f_grad(x, big), (module.f(x + eps, big) - module.f(x - eps, big)) / (2 * eps), rtol=1e-5)


def test_loop_tapes_stage_values_instead_of_redoing_their_chain():
    """`y2 = y + 0.5 * h * k1` needs `k1`, which needs `y`: redoing it in the reverse loop would repeat the
    step. It is taped, like `y`; only one-step arithmetic on taped values (`r * y2`, `1.0 - y2`) is redone."""
    source = (GOLDEN / "inputs" / "cf_loop_tape_stages.py").read_text()
    gradient = transpile_source(source, "stages.py")
    gradient = gradient[gradient.index("def midpoint_steps_grad"):]
    assert sorted(re.findall(r"(tape_\w+)\.append", gradient)) == ["tape_y", "tape_y2"], gradient
    reverse = gradient[gradient.index("# reverse sweep"):]
    assert not re.search(r"^\s*(k1|k2|y2)\w* = (?!tape_)", reverse, re.M), reverse  # no stage recomputed


def _program_text_for_tape() -> str:
    return '''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[]", big: "f64[n]"):
    s = x
    scale = np.sum(big)
    for i in range(10000):
        s = np.sin(s) * scale + 0.001
    return s

f_grad = grad(f)
'''


def test_value_assigned_in_one_branch_is_not_defined_after():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import kernel

@kernel
def f(x: "f64[n]"):
    if np.sum(x) > 0:
        y = x * 2.0
    return np.sum(y)
''', "branch.py")
    assert "only assigned on some paths" in info.value.message
    assert (info.value.loc.line, info.value.loc.col) == (9, 19)


def test_array_condition_is_rejected_with_a_hint():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import kernel

@kernel
def f(x: "f64[n]"):
    if x > 0:
        x = x * 2.0
    return np.sum(x)
''', "cond.py")
    assert "boolean scalar" in info.value.message and "np.where" in info.value.hint



def test_gathers_and_masks_scatter_back_exactly():
    text = """
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n,d]", w: "f64[d]", idx: "i64[m]", rows: "i64[]"):
    picked = x[idx] @ w
    masked = x[x > 0.5]
    column = x[:, idx[0]]
    return np.sum(np.tanh(picked)) + np.sum(masked ** 2) + np.sum(column) * np.sum(x[rows] ** 2)

f_grad = grad(f, wrt=("x", "w"))
"""
    module = load_source(text, "gather.py")
    oracle = autograd_kernels(text)["f"]
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    idx, rows = np.array([0, 2, 2, 4, 0, 1]), 3  # repeated rows: their cotangents must add up
    dx, dw = module.f_grad(x, w, idx, rows)
    assert_close(dx, central_difference(module.f, [x, w, idx, rows], 0), what="dx FD")
    assert_close(dw, central_difference(module.f, [x, w, idx, rows], 1), what="dw FD")
    assert_close(dx, autograd_grad(oracle, 0)(x, w, idx, rows), rtol=1e-10, atol=1e-12, what="dx autograd")
    source = transpile_source(text, "gather.py")
    assert "np.add.at(" in source


def test_kernels_never_change_their_arguments():
    """An update of a parameter's array works on a copy (made once, at the first update): generated functions
    are pure, and give the number the source gives."""
    module = load_source('''
import numpy as np
from lifted import kernel

@kernel
def normalize(x: "f64[n]"):
    y = x
    x[0] = 0.0
    y += 1.0
    return np.sum(x)
''', "mutate.py")
    x = np.array([5.0, 1.0, 2.0])
    assert module.normalize(x) == 6.0 and x[0] == 5.0


def test_assigning_into_an_array_updates_its_views():
    """`head = a[:2]` is a view: an update of `a` shows through it, as in Python (it was refused)."""
    source = '''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n]") -> "f64[]":
    a = x * 2.0
    head = a[:2]
    a[0] = x[2] * x[2]
    return np.sum(head * x[:2])

g = grad(f)
'''
    check_against_python(source, [np.array([0.5, -1.5, 2.0])])


VIEW_THROUGH_CONTROL_FLOW = {
    "loop": """
    hidden = state[0, :]
    for t in range(3):
        hidden[1] = hidden[1] * x[0] + x[1]
""",
    "row_loop": """
    hidden = state * 1.0
    for row in hidden:
        row[1] = row[1] * x[0] + x[1]
""",
}


@pytest.mark.parametrize("case", sorted(VIEW_THROUGH_CONTROL_FLOW))
def test_assigning_into_a_view_through_a_loop_writes_into_its_array(case):
    """A write through a view (a row, `state[0, :]`) is a write into the array it looks into, in the loop too:
    `np.sum(state)` sees it, in the value and the gradient (a kernel's argument itself is never changed)."""
    source = '''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n]", state: "f64[2,n]") -> "f64[]":''' + VIEW_THROUGH_CONTROL_FLOW[case] + '''    return np.sum(hidden * x) + np.sum(state)

g = grad(f, wrt=("x", "state"))
'''
    check_against_python(source, [np.array([0.5, -1.5, 2.0]), np.arange(6.0).reshape(2, 3) / 7.0])


def test_assigning_into_a_name_that_is_a_view_on_one_path_only_is_refused():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n]", state: "f64[2,n]") -> "f64[]":
    hidden = x * 1.0
    if x[0] > 0.0:
        hidden = state[0, :]
    hidden[1] = x[1]
    return np.sum(hidden * x) + np.sum(state)
''', "view.py")
    assert "`hidden` may be a view of another array" in info.value.message
    assert info.value.loc.line == 10 and "copy()" in info.value.hint


def test_kernels_never_change_their_arguments_in_a_loop():
    module = load_source('''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n]") -> "f64[]":
    for t in range(2):
        x[0] = x[0] * x[1]
    return np.sum(x * x)

g = grad(f)
''', "loop_mutate.py")
    x = np.array([1.5, 2.0, 3.0])
    assert module.f(x) == pytest.approx(6.0 ** 2 + 4.0 + 9.0) and x.tolist() == [1.5, 2.0, 3.0]
    assert_close(module.g(x), central_difference(module.f, [x], 0), rtol=1e-7, what="grad vs FD")
    assert x.tolist() == [1.5, 2.0, 3.0]


def test_assigning_floats_into_an_integer_array_is_refused():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import kernel

@kernel
def f(counts: "i64[n]", x: "f64[n]"):
    counts[0] = x[0]
    return np.sum(x)
''', "ints.py")
    assert "truncate" in info.value.message



# In-place updates: autograd cannot run them (its arrays are immutable), so each program has an
# equivalent functional oracle written for autograd, besides finite differences.
MUTATION_PROGRAMS = {
    "diagonal_update_in_if_in_loop": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    S = np.outer(x, y)
    for i in range(len(x)):
        if x[i] > 0.9:
            S[i, i] += y[i] * x[i]
        S[i, :] = S[i, :] * 0.5 + x
    return np.sum(S * S) + np.sum(S @ y)
''',
    "slice_assignment_overwrites_values_the_sweep_reads": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    a = x * 2.0
    b = np.sin(a) * y
    a[1:] = a[:-1] * y[1:]
    a[0] = 3.0
    return np.sum(a * b) + np.sum(a ** 2)
''',
    "read_before_and_after_updates": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    a = x * 2.0
    b = np.sin(a) * y
    a[0] = 3.0 * y[0]
    a[1:] += a[:-1] * y[1:]
    c = np.tanh(a)
    return np.sum(c * b) + np.sum(a * a * y)
''',
    "update_in_one_branch_read_in_the_other": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    a = x * 1.0
    s = 0.0
    for i in range(4):
        if y[i] > 1.0:
            a[i] = a[i + 1] * y[i]
        else:
            s = s + np.sum(np.sin(a) * y)
    return s + np.sum(a * a)
''',
    "fill_output_in_loop": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    out = np.zeros(len(x))
    for i in range(len(x)):
        out[i] = np.tanh(x[i]) * y[i]
        if i > 0:
            out[i] += out[i - 1] * 0.5
    return np.sum(out * out)
''',
    "rows_updated_from_the_previous_row_in_a_loop": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    A = np.outer(x, y)
    for i in range(1, len(x)):
        A[i] = np.tanh(A[i] * y + A[i - 1] * x[i])
        A[i - 1, 0] += A[i, 1] * 0.5
    return np.sum(A * A)
''',
}


def _diagonal_oracle(x, y):
    import autograd.numpy as anp

    S = anp.outer(x, y)
    n = len(x)
    for i in range(n):
        row = S[i]
        if x[i] > 0.9:
            row = row + anp.eye(n)[i] * (y[i] * x[i])
        row = row * 0.5 + x
        S = anp.concatenate([S[:i], row[None, :], S[i + 1:]], axis=0)
    return anp.sum(S * S) + anp.sum(anp.dot(S, y))


def _slice_oracle(x, y):
    import autograd.numpy as anp

    a = x * 2.0
    b = anp.sin(a) * y
    a = anp.concatenate([anp.array([3.0]), a[:-1] * y[1:]])
    return anp.sum(a * b) + anp.sum(a ** 2)


def _fill_oracle(x, y):
    import autograd.numpy as anp

    out = []
    for i in range(len(x)):
        value = anp.tanh(x[i]) * y[i]
        if i > 0:
            value = value + out[i - 1] * 0.5
        out.append(value)
    out = anp.stack(out)
    return anp.sum(out * out)


def _before_after_oracle(x, y):
    import autograd.numpy as anp

    a = x * 2.0
    b = anp.sin(a) * y
    a = anp.concatenate([anp.array([3.0]) * y[0], a[1:]])
    a = anp.concatenate([a[:1], a[1:] + a[:-1] * y[1:]])
    c = anp.tanh(a)
    return anp.sum(c * b) + anp.sum(a * a * y)


def _branches_oracle(x, y):
    import autograd.numpy as anp

    a = x * 1.0
    s = 0.0
    for i in range(4):
        if y[i] > 1.0:
            a = anp.concatenate([a[:i], a[i + 1] * y[i] * anp.ones(1), a[i + 1:]])
        else:
            s = s + anp.sum(anp.sin(a) * y)
    return s + anp.sum(a * a)


def _rows_oracle(x, y):
    import autograd.numpy as anp

    rows = [x[i] * y for i in range(len(x))]
    for i in range(1, len(x)):
        rows[i] = anp.tanh(rows[i] * y + rows[i - 1] * x[i])
        rows[i - 1] = anp.concatenate([rows[i - 1][:1] + rows[i][1] * 0.5, rows[i - 1][1:]])
    matrix = anp.stack(rows)
    return anp.sum(matrix * matrix)


MUTATION_ORACLES = {"read_before_and_after_updates": _before_after_oracle,
                    "update_in_one_branch_read_in_the_other": _branches_oracle,
                    "diagonal_update_in_if_in_loop": _diagonal_oracle,
                    "slice_assignment_overwrites_values_the_sweep_reads": _slice_oracle,
                    "fill_output_in_loop": _fill_oracle,
                    "rows_updated_from_the_previous_row_in_a_loop": _rows_oracle}


@pytest.mark.parametrize("name", sorted(MUTATION_PROGRAMS))
def test_in_place_update_gradients_match_both_oracles(name):
    module = load_source(_program(MUTATION_PROGRAMS[name]), f"{name}.py")
    oracle = MUTATION_ORACLES[name]
    args = random_inputs(module.f, np.random.default_rng(11), positive=True)
    assert_close(module.f(*[a.copy() for a in args]), oracle(*args), rtol=1e-12, atol=0, what=f"{name} primal")
    grads = module.f_grad(*[a.copy() for a in args])
    for position, got in enumerate(grads):
        fresh = lambda *a: module.f(*[np.array(v, copy=True) for v in a])  # noqa: E731  (f updates in place)
        assert_close(got, central_difference(fresh, args, position), rtol=1e-5, atol=1e-6,
                     what=f"{name} FD arg {position}")
        assert_close(got, autograd_grad(oracle, position)(*args), rtol=1e-10, atol=1e-12,
                     what=f"{name} autograd arg {position}")


def test_only_values_a_later_update_could_change_are_copied():
    """`a` as `sin(a)` read it, and the view `a[:-1]` the next update overwrites, are kept as copies; the final
    `a`, which nothing updates after `tanh(a)` and `a * a` read it, is read as it is."""
    source = transpile_source(_program(MUTATION_PROGRAMS["read_before_and_after_updates"]), "before_after.py")
    gradient = source[source.index("def f_grad"):]
    assert sorted(re.findall(r"(\w+_kept\w*) = ", gradient)) == ["a_kept", "v_2_kept"], gradient


@pytest.mark.parametrize("name", ["rows_updated_from_the_previous_row_in_a_loop", "fill_output_in_loop"])
def test_reverse_loop_over_in_place_updates_allocates_no_array_per_iteration(name):
    """The adjoint of an array a loop updates in place is one array, written in place by the updates'
    pull-backs (the overwritten region zeroed, reads added back where they were): no full-size copy, no zeros
    per reverse iteration. (Numbers: test_in_place_update_gradients_match_both_oracles.)"""
    source = transpile_source(_program(MUTATION_PROGRAMS[name]), f"{name}.py")
    gradient = source[source.index("def f_grad"):]
    sweep = gradient[gradient.index("reversed(range("):]
    sweep = sweep[:sweep.index("\n    del ")]
    assert "np.zeros" not in sweep and not re.search(r"\w+ = d\w+\.copy\(\)", sweep), sweep


def test_merge_that_reads_a_name_another_merge_writes():
    """Found by the property run (seed 7076): in the reverse branch, `dacc1 = zeros` was written before the
    merge `dv6 = dacc1` read the old value."""
    text = _program('''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    acc1 = np.zeros(len(x))
    acc4 = x * 0.5
    for i in range(len(x)):
        v6 = acc4 * y
        if v6[0] < 0.1:
            acc4 = acc4 * 1.5
        else:
            acc1 = v6 * 1.0
        acc4 = np.tanh(acc4 + y)
    return np.sum(acc4 * x) + np.sum(np.sin(acc1))
''')
    module = load_source(text, "merge_order.py")
    oracle = autograd_kernels(text)["f"]
    x, y = np.array([0.9, -0.3, 0.5, 1.2]), np.array([0.4, 0.8, -0.6, 0.3])
    dx, dy = module.f_grad(x, y)
    assert_close(dx, autograd_grad(oracle, 0)(x, y), rtol=1e-10, atol=1e-12)
    assert_close(dy, autograd_grad(oracle, 1)(x, y), rtol=1e-10, atol=1e-12)


def test_an_array_updated_in_place_in_a_loop_is_made_in_every_iteration():
    """Loop-invariant code motion once moved `a = w * 2.0` out of the loop, so each iteration updated the same
    array (a wrong value, and a wrong gradient)."""
    source = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", w: "f64[n]") -> "f64[]":
    total = 0.0
    for j in range(3):
        a = w * 2.0
        a[0] = a[0] + x[0]
        total = total + np.sum(a * x)
    return total


f_grad = grad(f)
'''
    module = load_source(source, "hoisted_update.py")
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25, 2.0])
    assert module.f(x, w) == pytest.approx(3 * (np.sum(2.0 * w * x) + x[0] * x[0]))
    assert_close(module.f_grad(x, w), central_difference(module.f, [x, w], 0), rtol=1e-7, what="grad vs FD")


# `return a, b` from inside loops: vjp (random cotangents) and jvp against FD and autograd on the untouched source
TUPLE_RETURNS_IN_LOOPS = {
    "for_with_if": '''
@kernel
def f(x: "f64[n]", y: "f64[]"):
    v = x * 1.0
    for k in range(4):
        v = v * y
        if np.sum(v) > 2.0:
            return v * x, np.sum(v) * y
    return -v, y * y
''',
    "nested_loops_three_values": '''
@kernel
def f(x: "f64[n]", y: "f64[]"):
    s = y
    for i in range(3):
        for j in range(len(x)):
            s = s * 0.9 + x[j] * y
            if s > 3.0:
                return s, x * s, np.sin(s)
    return s * s, x, y
''',
    "while_loop": '''
@kernel
def f(x: "f64[n]", y: "f64[]"):
    s = 0.0
    i = 0
    while i < len(x):
        s = s + np.exp(x[i]) * y
        if s > 2.5:
            return s, x * s
        i += 1
    return -s, x
''',
}


def _tuple_return_inputs(name: str):
    rng = np.random.default_rng(len(name))
    return [rng.uniform(0.2, 1.2, size=5), float(rng.uniform(0.8, 1.4))]


@pytest.mark.parametrize("name", sorted(TUPLE_RETURNS_IN_LOOPS))
def test_tuple_returned_from_inside_a_loop(name):
    text = ("import numpy as np\nfrom lifted import jvp, kernel, vjp\n" + TUPLE_RETURNS_IN_LOOPS[name]
            + '\nf_vjp = vjp(f, wrt=("x", "y"))\nf_jvp = jvp(f, wrt=("x", "y"))\n')
    module = load_source(text, f"{name}.py")
    python = autograd_kernels(text)["f"]
    args = _tuple_return_inputs(name)
    value = module.f(*args)
    expected = python(*args)
    assert isinstance(value, tuple) and len(value) == len(expected)
    for got, want in zip(value, expected):
        assert_close(got, want, rtol=1e-12, what=f"{name} value")
    rng = np.random.default_rng(0)
    cts = tuple(rng.normal(size=np.shape(v)) for v in value)
    got_value, (dx, dy) = module.f_vjp(*args, cts)

    def objective(x, y, f=module.f):
        return sum(np.sum(c * o) for c, o in zip(cts, f(x, y)))

    def oracle(x, y):
        return sum(np.sum(c * o) for c, o in zip(cts, python(x, y)))

    for position, got in ((0, dx), (1, dy)):
        assert_close(got, central_difference(objective, args, position), rtol=1e-6, atol=1e-7,
                     what=f"{name} vjp arg {position} (FD)")
    assert_close(dx, autograd_grad(oracle, 0)(*args), rtol=1e-10, atol=1e-12, what=f"{name} vjp x (autograd)")
    tx, ty = rng.normal(size=5), float(rng.normal())
    jvp_value, tangents = module.f_jvp(*args, tx, ty)
    eps = 1e-6
    plus = module.f(args[0] + eps * tx, args[1] + eps * ty)
    minus = module.f(args[0] - eps * tx, args[1] - eps * ty)
    for got, hi, lo in zip(tangents, plus, minus):
        assert_close(got, (np.asarray(hi) - np.asarray(lo)) / (2 * eps), rtol=1e-6, atol=1e-7, what=f"{name} jvp")
    for got, want in zip(jvp_value, expected):
        assert_close(got, want, rtol=1e-12, what=f"{name} jvp value")


def test_loop_returns_of_different_lengths_are_refused():
    with pytest.raises(TranspileError) as info:
        transpile_source('''
import numpy as np
from lifted import kernel

@kernel
def f(x: "f64[n]"):
    for i in range(3):
        if x[i] > 0.0:
            return x, x[i]
        if x[i] < -1.0:
            return x
    return x, 0.0
''', "lengths.py")
    assert info.value.loc.line == 7
    assert "different numbers of values" in info.value.message
