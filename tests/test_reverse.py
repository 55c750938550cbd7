"""Reverse mode over whole programs: every golden input's transforms against finite differences."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from autograd import grad as autograd_grad

from gradcheck import (assert_close, autograd_kernels, central_difference, check_against_python, check_second_order,
                       load_source, random_inputs)

GOLDEN_INPUTS = sorted((Path(__file__).parent / "golden" / "inputs").glob("*.py"))


def _declarations(module):
    for key, target in module.__lifted_transforms__.items():
        kind, kernel, wrt, wrt_is_tuple = ast.literal_eval(key) if isinstance(key, str) else key
        yield kind, kernel, wrt, wrt_is_tuple, target


# golden programs autograd cannot run (it cannot trace assignment into arrays), with where the same is checked
FD_ONLY = {"scatter_index_assignment": "tests/test_index_assignment.py checks these updates against autograd",
           "loop_kernel_rows_by_index": "rows written in place (autograd cannot): finite differences only",
           "updated_parameter_sharing_check": "a parameter updated in place (autograd cannot): finite differences "
                                              "only; tests/test_argument_sharing.py checks it against Python",
           "sort_and_diagonal_adjoints": "autograd sorts vectors only; tests/test_primitives.py checks np.sort "
                                         "along an axis against autograd row by row"}
# golden programs whose parameters are trees, sized by a factory, or related by sizes the annotations name
# differently (inputs drawn from the annotations alone do not fit): tests/test_function_values.py checks them
TREE_PROGRAMS = {"tree_params_grad_vjp_jvp", "factory_at_module_level", "shape_relation_checked_at_run_time"}


@pytest.mark.parametrize("path", GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden_program_gradients_match_finite_differences(path):
    if path.stem in TREE_PROGRAMS:
        pytest.skip("trees, factory-made sizes, sizes checked at run time: tests/test_function_values.py")
    module = load_source(path.read_text(), path.name)
    if not module.__lifted_transforms__:
        pytest.skip("no derivative declared (e.g. a dist-mode program)")
    oracle = autograd_kernels(path.read_text())
    rng = np.random.default_rng(7)
    for kind, kernel, wrt, wrt_is_tuple, target in _declarations(module):
        if kind not in ("grad", "value_and_grad", "vjp") or not callable(oracle.get(kernel)):
            continue  # forward mode and transforms of transforms: tests/test_forward.py
        primal = getattr(module, kernel)
        args = random_inputs(primal, rng, positive=True)
        names = list(primal.__code__.co_varnames[:primal.__code__.co_argcount])
        transformed = getattr(module, target)
        if kind == "vjp":
            value = primal(*args)
            outputs = value if isinstance(value, tuple) else (value,)
            cts = tuple(rng.normal(size=np.shape(o)) for o in outputs)
            got_value, cotangents = transformed(*args, cts if isinstance(value, tuple) else cts[0])
            objective = lambda *a: sum(np.sum(c * o) for c, o in  # noqa: E731
                                       zip(cts, primal(*a) if isinstance(value, tuple) else (primal(*a),)))
        else:
            result = transformed(*args)
            got_value, cotangents = (primal(*args), result) if kind == "grad" else result
            objective = primal
        oracle_objective = _oracle_objective(oracle[kernel], kind, cts if kind == "vjp" else None)
        if not wrt_is_tuple:
            cotangents = (cotangents,)
        for name, cotangent in zip(wrt, cotangents):
            position = names.index(name)
            assert_close(cotangent, central_difference(objective, args, position), what=f"{target} d/d{name} (FD)")
            if np.ndim(args[position]) > 0 and path.stem not in FD_ONLY:  # autograd: arrays, not Python floats
                expected = autograd_grad(oracle_objective, position)(*args)
                assert_close(cotangent, expected, rtol=1e-10, atol=1e-12, what=f"{target} d/d{name} (autograd)")
        for got, want in zip(np.atleast_1d(np.asarray(got_value, dtype=object)),
                             np.atleast_1d(np.asarray(primal(*args), dtype=object))):
            assert_close(got, want, rtol=1e-12, atol=0, what=f"{target} value")


def _oracle_objective(fn, kind, cotangents):
    if kind != "vjp":
        return fn

    def weighted(*args):
        value = fn(*args)
        outputs = value if isinstance(value, tuple) else (value,)
        return sum(np.sum(c * o) for c, o in zip(cotangents, outputs))

    return weighted


# --- small programs probing the sweep itself: aliasing, accumulation, activity, calls -------------------------
PROGRAMS = {
    "alias_through_add": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    z = x + y
    w = z * z + x
    return np.sum(w * y + z)
''',
    "same_value_many_uses": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    a = x * x
    return np.sum(a + a * a + np.sin(a) * x + y * a)
''',
    "slices_overlap_accumulate": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[2:] * y[:-2] + x[0] * x[:-2])
''',
    "broadcast_row_and_column": '''
@kernel
def f(x: "f64[n,d]", y: "f64[d]"):
    col = np.sum(x, axis=1, keepdims=True)
    return np.sum(np.tanh(x - col) * y + col * y)
''',
    "nested_kernel_calls": '''
@kernel
def inner(a: "f64[n]"):
    return np.exp(-a * a)

@kernel
def middle(a: "f64[n]", b: "f64[n]"):
    return inner(a) * b + inner(b)

@kernel
def f(x: "f64[n]", y: "f64[n]"):
    return np.sum(middle(x, y) + middle(y, x))
''',
    "matrix_chain": '''
@kernel
def f(x: "f64[n,d]", y: "f64[d,k]"):
    z = x @ y
    return np.sum((z.T @ x) ** 2) + np.mean(np.dot(x, y))
''',
    "max_min_reductions": '''
@kernel
def f(x: "f64[n,d]", y: "f64[d]"):
    return np.sum(np.max(x * y, axis=0)) - np.min(x) + np.max(y)
''',
    "logaddexp_and_softplus": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    return np.sum(np.logaddexp(x, y) + np.log1p(np.exp(-np.abs(x))))
''',
    "reassigned_accumulator": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    total = x * y
    total += x
    total *= y
    total -= np.sqrt(x * x + 1.0)
    return np.sum(total)
''',
    "stack_concat_mix": '''
@kernel
def f(x: "f64[n]", y: "f64[n]"):
    both = np.stack((x, y), axis=1)
    joined = np.concatenate((x, y * x))
    return np.sum(both @ np.ones(2)) + np.sum(joined ** 3)
''',
}


def _program(body: str) -> str:
    return "import numpy as np\nfrom lifted import grad, kernel\n" + body + '\nf_grad = grad(f, wrt=("x", "y"))\n'


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_gradients_match_both_oracles(name):
    text = _program(PROGRAMS[name])
    module = load_source(text, f"{name}.py")
    oracle = autograd_kernels(text)["f"]
    args = random_inputs(module.f, np.random.default_rng(3), positive=True)
    dx, dy = module.f_grad(*args)
    for position, got in ((0, dx), (1, dy)):
        assert_close(got, central_difference(module.f, args, position), what=f"{name} FD arg {position}")
        assert_close(got, autograd_grad(oracle, position)(*args), rtol=1e-10, atol=1e-12,
                     what=f"{name} autograd arg {position}")


def _source(module_text: str) -> str:
    from lifted.transpiler import transpile_source

    return transpile_source(module_text, "case.py")


def test_inactive_inputs_get_no_adjoint_code():
    emitted = _source((Path(__file__).parent / "golden" / "inputs" / "inactive_inputs.py").read_text())
    gradient = emitted[emitted.index("def weighted_grad"):]
    assert "ddata" not in gradient and "dcounts" not in gradient and "dscale" not in gradient


def test_input_the_output_ignores_gets_zeros():
    module = load_source('''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f64[n]", unused: "f64[n,d]"):
    return np.sum(x ** 2)

f_grad = grad(f, wrt=("x", "unused"))
''')
    x, unused = np.arange(3.0), np.ones((3, 2))
    dx, dunused = module.f_grad(x, unused)
    assert_close(dx, 2 * x)
    assert dunused.shape == (3, 2) and not dunused.any()


def test_wrt_forms_and_result_structure():
    module = load_source('''
import numpy as np
from lifted import grad, kernel, value_and_grad, vjp

@kernel
def f(a: "f64[n]", b: "f64[n]"):
    return np.sum(a * b * b)

g_default = grad(f)
g_position = grad(f, wrt=1)
g_tuple = grad(f, wrt=(1, "a"))
vg_single = value_and_grad(f, wrt="b")
vg_tuple = value_and_grad(f, wrt=("a",))
vj = vjp(f, wrt="a")
''')
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    assert_close(module.g_default(a, b), b * b)
    assert_close(module.g_position(a, b), 2 * a * b)
    db, da = module.g_tuple(a, b)
    assert_close(db, 2 * a * b) and assert_close(da, b * b)
    value, grad_b = module.vg_single(a, b)
    assert value == module.f(a, b) and np.shape(grad_b) == (2,)
    value, grads = module.vg_tuple(a, b)
    assert isinstance(grads, tuple) and len(grads) == 1
    value, ct_a = module.vj(a, b, 2.0)
    assert_close(ct_a, 2.0 * b * b)


def test_float32_gradients_stay_float32():
    module = load_source('''
import numpy as np
from lifted import grad, kernel

@kernel
def f(x: "f32[n]"):
    return np.sum(np.tanh(x) * 2.0)

f_grad = grad(f)
''')
    x = np.linspace(-1, 1, 5, dtype=np.float32)
    assert module.f_grad(x).dtype == np.float32


def test_gradient_code_runs_without_temporaries_of_inactive_branches():
    """The reverse sweep reads only what it needs: values of the primal the sweep never reads are deleted."""
    emitted = _source(_program(PROGRAMS["alias_through_add"]))
    assert "del" in emitted[emitted.index("def f_grad"):]


def test_stop_gradient_blocks_derivatives():
    text = '''
import numpy as np
from lifted import grad, kernel, stop_gradient

@kernel
def f(x: "f64[n]", y: "f64[n]"):
    scale = stop_gradient(np.sum(x * y))
    return np.sum(np.sin(x) * scale + y * stop_gradient(x))

f_grad = grad(f, wrt=("x", "y"))
'''
    module = load_source(text, "stop.py")
    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.5, -0.7])
    dx, dy = module.f_grad(x, y)
    assert_close(dx, np.cos(x) * np.sum(x * y), rtol=1e-12)
    assert_close(dy, x, rtol=1e-12)
    # the un-transpiled source runs too: stop_gradient is the identity there
    from lifted import stop_gradient
    assert stop_gradient(x) is x


def test_kernels_imported_from_another_module_are_inlined(tmp_path):
    (tmp_path / "physics.py").write_text('''
import numpy as np
from lifted import kernel

DAMPING = 0.1

@kernel
def rhs(u: "f64[n]", k: "f64[n]"):
    return -k * u + DAMPING * np.sin(u)
''')
    main = tmp_path / "model.py"
    main.write_text('''
import numpy as np
from lifted import grad, kernel
from physics import rhs

@kernel
def energy(u: "f64[n]", k: "f64[n]"):
    for step in range(3):
        u = u + 0.1 * rhs(u, k)
    return np.sum(u * u)

energy_grad = grad(energy, wrt=("u", "k"))
''')
    from lifted.transpiler import transpile_source

    code = transpile_source(main.read_text(), "model.py", source_file=str(main))
    namespace = {"__name__": "model_generated"}
    exec(compile(code, "model", "exec", dont_inherit=True), namespace)
    assert "physics" not in code.split("def energy")[0]  # standalone: nothing imported from the source modules
    u, k = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, 0.7])
    du, dk = namespace["energy_grad"](u, k)
    assert_close(du, central_difference(namespace["energy"], [u, k], 0))
    assert_close(dk, central_difference(namespace["energy"], [u, k], 1))


def test_custom_vjp_rule_replaces_the_derivative_of_the_body():
    text = '''
import numpy as np
from lifted import custom_vjp, grad, kernel

@kernel
def softplus(x: "f64[n]"):
    return np.log(1.0 + np.exp(x))

@kernel
def softplus_vjp(x: "f64[n]", out: "f64[n]", g: "f64[n]"):
    return g / (1.0 + np.exp(-x))

custom_vjp(softplus, softplus_vjp)

@kernel
def f(x: "f64[n]", w: "f64[n]"):
    return np.sum(softplus(x * w) * w)

f_grad = grad(f, wrt=("x", "w"))
'''
    module = load_source(text, "custom.py")
    oracle = autograd_kernels(text)["f"]
    x, w = np.array([0.5, -2.0, 3.0]), np.array([1.5, 0.2, -0.7])
    dx, dw = module.f_grad(x, w)
    assert_close(dx, autograd_grad(oracle, 0)(x, w), rtol=1e-12, atol=1e-14)
    assert_close(dw, autograd_grad(oracle, 1)(x, w), rtol=1e-12, atol=1e-14)
    # large inputs: the naive derivative of the body overflows (exp(800) = inf), the rule does not
    big = np.array([800.0, -800.0, 0.0])
    with np.errstate(over="ignore"):  # the primal itself overflows (softplus(800) = inf), as plain NumPy would
        dx_big, _ = module.f_grad(big, np.ones(3))
    assert np.all(np.isfinite(dx_big)) and abs(dx_big[0] - 1.0) < 1e-12
    from lifted.transpiler import transpile_source
    assert "1.0 + np.exp(-" in transpile_source(text, "custom.py")  # the rule is inlined in the gradient


def test_grad_of_a_kernel_with_its_own_custom_vjp_uses_the_rule():
    text = '''
import numpy as np
from lifted import custom_vjp, grad, jvp, kernel

@kernel
def softplus(x: "f64[n]"):
    return np.sum(np.log(1.0 + np.exp(x)))

@kernel
def softplus_vjp(x: "f64[n]", out: "f64[]", g: "f64[]"):
    return g / (1.0 + np.exp(-x))

custom_vjp(softplus, softplus_vjp)
s_grad = grad(softplus)
s_jvp = jvp(softplus)
'''
    module = load_source(text, "own_rule.py")
    oracle = autograd_kernels(text)["softplus"]
    x = np.array([0.5, -2.0, 3.0])
    assert_close(module.s_grad(x), autograd_grad(oracle)(x), rtol=1e-12, atol=1e-14)
    # where the body's own derivative is inf / inf, the rule gives the right value (the rule's exp(800) = inf
    # at -800 is expected: 1 / (1 + inf) = 0)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(module.s_grad(np.array([800.0, -800.0])), [1.0, 0.0], atol=1e-300)
    _, tangent = module.s_jvp(x, np.ones(3))  # forward mode keeps differentiating the body
    assert_close(tangent, np.sum(autograd_grad(oracle)(x)), rtol=1e-12)


def test_vjp_never_updates_the_callers_cotangent():
    module = load_source('''
import numpy as np
from lifted import kernel, vjp

@kernel
def f(x: "f64[n]", m: "f64[]"):
    total = m * 0.0
    for i in range(len(x)):
        total = total + x[i] * m
    return total * m

f_vjp = vjp(f, wrt=("x", "m"))
''')
    ct = np.array(1.5)
    x = np.array([1.0, 2.0, 3.0])
    module.f_vjp(x, 2.0, ct)
    assert ct == 1.5


def test_derived_names_never_spell_a_python_keyword():
    """`d` + `el` and `t` + `ry` would be `del` and `try`: the name scope skips keywords (seen porting GradBench ht)."""
    source = '''
import numpy as np
from lifted import grad, jvp, kernel


@kernel
def f(x: "f64[n]") -> "f64[]":
    ry = np.sin(x)
    el = ry * x
    ass = np.exp(el)
    return np.sum(ass * ry)


f_grad = grad(f)
f_jvp = jvp(f)
'''
    module = load_source(source, "keywords.py")
    x = np.linspace(0.1, 1.0, 4)
    expected = central_difference(module.f, [x], 0)
    assert_close(module.f_grad(x), expected, rtol=1e-6, what="grad")
    assert_close(autograd_grad(autograd_kernels(source)["f"])(x), module.f_grad(x), rtol=1e-12, what="vs autograd")
    assert_close(module.f_jvp(x, np.ones(4))[1], expected.sum(), rtol=1e-6, what="jvp")


# --- one adjoint array, two values: the sweep may not update it in place (issue 10) ---------------------------
SHARED_SUM_HEADER = "import numpy as np\nfrom lifted import grad, kernel\n\n\n@kernel\n"

SHARED_SUM_STRAIGHT_LINE = SHARED_SUM_HEADER + '''def f(p: "f64[2,n]"):
    b = p[0] * 1.0
    r = p[1] * 1.0
    b = b * 0.5 + (b + r) * (b + r)
    return np.sum(np.sin(b))


g = grad(f)
'''

SHARED_SUM_IN_A_ROW_LOOP = SHARED_SUM_HEADER + '''def f(x: "f64[n]", M: "f64[n,d]"):
    b = M[0] * 1.0
    rows = M * 0.5 + x[:, None]
    for row in rows:
        b = b * 0.5 + (b + row) * (b + row) * 0.1
    return np.sum(np.sin(b))


g = grad(f, wrt=("x", "M"))
'''

SHARED_SUM_IN_A_LOOP_BRANCH = SHARED_SUM_HEADER + '''def f(x: "f64[n]", M: "f64[n,d]"):
    acc1 = M[0] * 1.0
    acc4 = M[0] * 1.0
    for i5 in range(len(x)):
        if M[i5, 1] > -0.5:
            acc4 = acc4 * 1.0
        else:
            acc1 = acc1 * 0.5 + 1.0 / (1.0 + (acc1 + acc4) * (acc1 + acc4))
            acc4 = M.T @ x
        acc4 = np.tanh(acc4 + acc1)
    return np.sum(acc4)


g = grad(f, wrt=("x", "M"))
'''


def test_shared_sum_adjoint_straight_line():
    """`(b + r) * (b + r)`: both sums' adjoints add up to one array, which the builder hands back as `r`'s adjoint
    too; `b`'s later term `db += db_1 * 0.5` once updated it in place, giving `r` the same adjoint as `b`."""
    args = [np.random.default_rng(0).normal(size=(2, 5))]
    check_against_python(SHARED_SUM_STRAIGHT_LINE, args)
    check_second_order(SHARED_SUM_STRAIGHT_LINE, args, 0)


def test_shared_sum_adjoint_in_a_row_loop():
    """The semantics fuzzer's seed 883, minimized: the same shared sum, with `row` a row of the matrix looped over."""
    rng = np.random.default_rng(1)
    args = [rng.normal(size=5), rng.normal(size=(5, 3))]
    check_against_python(SHARED_SUM_IN_A_ROW_LOOP, args)
    for position in (0, 1):
        check_second_order(SHARED_SUM_IN_A_ROW_LOOP, args, position)


def test_shared_sum_adjoint_in_a_loop_branch():
    """The structured fuzzer's seed 1230, minimized: the shared sum `acc1 + acc4` inside a branch of a loop."""
    rng = np.random.default_rng(1230)
    args = [rng.uniform(-1.5, 1.5, 5), rng.uniform(-1.5, 1.5, (5, 3))]
    check_against_python(SHARED_SUM_IN_A_LOOP_BRANCH, args)
    for position in (0, 1):
        check_second_order(SHARED_SUM_IN_A_LOOP_BRANCH, args, position)

SHARED_DIFFERENCE = SHARED_SUM_HEADER + '''def f(p: "f64[3,n]"):
    b = p[0] * 1.0
    c = p[1] * 1.0
    e = np.sin(c)
    s1 = b + c
    u = p[2] - s1
    s2 = b + c
    return np.sum(np.sin(u) + s2 * s2 + e)


g = grad(f)
'''


def test_shared_difference_adjoint():
    """b and c both receive `ds2` then `-du`: the builder handed back `ds2 - du`, made for b, as c's adjoint too,
    and c's next term (from `np.sin(c)`) was added into it in place, giving b the same adjoint as c."""
    args = [np.random.default_rng(2).normal(size=(3, 5))]
    check_against_python(SHARED_DIFFERENCE, args)
    check_second_order(SHARED_DIFFERENCE, args, 0)


USED_TWICE_IN_ONE_OPERATION = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", M: "f64[n,d]"):
    big = np.ones(len(x)) * 1e17
    zero = big * np.mean(M - M, axis=1)
    return np.sum(np.take(M, 1, axis=1) * x) + np.sum(zero * x)


g = grad(f, wrt=("x", "M"))
'''


def test_an_operation_reading_a_value_twice_sums_its_contributions_before_the_adjoint():
    """The property generator's seed 103 (edges, more functions), reduced: `M - M` gives M the cotangents t and -t
    (about 3e16 here); added into dM one after the other, after the x that `np.take(M, 1, axis=1)` gave,
    `(x + t) - t` lost x (dM all zeros, where autograd and finite differences give x in column 1)."""
    rng = np.random.default_rng(103)
    args = [rng.normal(size=5), rng.normal(size=(5, 3))]
    module = load_source(USED_TWICE_IN_ONE_OPERATION)
    oracle = autograd_kernels(USED_TWICE_IN_ONE_OPERATION)["f"]
    dx, dM = module.g(*args)
    assert_close(dM, central_difference(module.f, args, 1), rtol=1e-9, atol=1e-9, what="d/dM (FD)")
    np.testing.assert_array_equal(dM, autograd_grad(oracle, 1)(*args))
    assert_close(dx, autograd_grad(oracle, 0)(*args), rtol=1e-12, atol=0, what="d/dx (autograd)")


VIEW_WRITE_THEN_ROW_LOOP = SHARED_SUM_HEADER + '''def f(M: "f64[n,d]", s: "f64[]"):
    A = M * 1.0
    V = A[1:]
    V -= s
    for row in A:
        row += 0.5
    return np.sum(np.tanh(A) * M)


from lifted import hessian

f_s = grad(f, wrt="s")
f_ss = grad(f_s, wrt="s")
f_hess = hessian(f, wrt="s")
f_M = grad(f, wrt="M")
f_sM = grad(f_s, wrt="M")
'''


def test_second_derivative_through_a_view_write_and_a_row_loop():
    """The rank-3 generator's seed 1055 (tests/rank3_programs.py), minimized to rank 2: grad(grad(f, s), s) was
    wrong (hessian and differences agreed). The reverse of `f_s`'s own `t[0] = 0.0; t[0] += dA[0]` handed `dA[0]`
    a view of the adjoint that the pull-back of `t[0] = 0.0` then zeroed in place (entries.py, `_vjp_update`).
    Judged by central differences of Python's `f` and of the (so checked) first derivatives: autograd runs
    `row += 0.5` on a traced row as a rebinding, not a write into `A`."""
    rng = np.random.default_rng(1055)
    M, s = rng.uniform(-1.5, 1.5, (5, 3)), 0.7
    module = load_source(VIEW_WRITE_THEN_ROW_LOOP, "view_write_row_loop.py")
    python: dict = {}
    exec(compile(VIEW_WRITE_THEN_ROW_LOOP, "python_reference", "exec"), python)
    step = 1e-6
    fd_s = (python["f"](M.copy(), s + step) - python["f"](M.copy(), s - step)) / (2 * step)
    np.testing.assert_allclose(module.f_s(M.copy(), s), fd_s, rtol=1e-6)
    second = (module.f_s(M.copy(), s + step) - module.f_s(M.copy(), s - step)) / (2 * step)
    np.testing.assert_allclose(module.f_hess(M.copy(), s), second, rtol=1e-6)
    np.testing.assert_allclose(module.f_ss(M.copy(), s), second, rtol=1e-6)
    direction = rng.normal(size=M.shape)  # d/dM of f_s against differences of f_s along a direction
    along = (module.f_s(M + step * direction, s) - module.f_s(M - step * direction, s)) / (2 * step)
    np.testing.assert_allclose(np.sum(module.f_sM(M.copy(), s) * direction), along, rtol=1e-6)
