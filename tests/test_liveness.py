"""Liveness: `last_uses` on its own, the `del`s in generated code, and the memory they save.

The generated-code checks read the emitted functions back with `ast`: after `del n`, no path reads `n` before
assigning it again, and in straight-line functions every value except what the `return` reads is deleted.
"""
from __future__ import annotations

import ast
import gc
import tracemalloc
import types

import numpy as np
import pytest

from lifted.transpiler import Options, transpile_source
from lifted.transpiler.analysis.liveness import last_uses

PATH = "examples/model.py"


# -- last_uses ----------------------------------------------------------------------------------------------
def test_straight_line_names_die_after_their_last_use():
    statements = [
        (["a"], ["x"]),       # a = f(x)
        (["b"], ["a"]),       # b = g(a)
        (["c"], ["b", "x"]),  # c = b + x
    ]
    assert last_uses(statements, keep={"c"}) == [[], ["a"], ["b", "x"]]


def test_a_name_used_several_times_dies_after_the_last_of_them():
    statements = [
        (["a"], ["x"]),
        (["b"], ["a", "a"]),
        (["c"], ["a", "b"]),
        (["d"], ["c"]),
    ]
    assert last_uses(statements, keep={"d"}) == [["x"], [], ["a", "b"], ["c"]]


def test_deaths_are_listed_in_first_use_order():
    statements = [(["a"], []), (["b"], []), (["c"], ["b", "a"])]
    assert last_uses(statements, keep={"c"}) == [[], [], ["b", "a"]]


def test_in_place_update_shares_the_name_and_it_dies_after_the_last_update():
    statements = [
        (["acc"], ["x"]),           # acc = x.copy()
        (["acc"], ["acc", "y"]),    # acc += y  (same name, same buffer)
        (["acc"], ["acc", "z"]),    # acc += z
        (["out"], ["acc"]),         # out = acc * 2
    ]
    assert last_uses(statements, keep={"out"}) == [["x"], ["y"], ["z"], ["acc"]]


def test_a_redefined_name_dies_after_each_value_s_last_use():
    statements = [
        (["t"], ["x"]),   # t = sin(x)
        (["u"], ["t"]),   # u = t * 2    (last use of the first t)
        (["t"], ["u"]),   # t = exp(u)   (a new value under the old name)
        (["r"], ["t"]),
    ]
    assert last_uses(statements, keep={"r"}) == [["x"], ["t"], ["u"], ["t"]]


def test_a_name_redefined_from_itself_stays_alive_across_the_redefinition():
    statements = [
        (["t"], ["x"]),        # t = sin(x)
        (["t"], ["t"]),        # t = t * 2   (reads the old value, defines the new one)
        (["r"], ["t", "x"]),
    ]
    assert last_uses(statements, keep={"r"}) == [[], [], ["t", "x"]]


def test_results_are_never_deleted():
    statements = [(["a"], ["x"]), (["b"], ["a"]), ([], ["a", "b"])]  # return a, b
    deaths = last_uses(statements, keep={"a", "b"})
    assert all("a" not in d and "b" not in d for d in deaths)
    assert deaths == [["x"], [], []]


def test_a_dead_definition_dies_right_where_it_is_made():
    statements = [(["unused"], ["x"]), (["y"], ["x"]), ([], ["y"])]
    assert last_uses(statements, keep={"y"}) == [["unused"], ["x"], []]


def test_only_deletable_names_are_deleted():
    statements = [(["a"], ["outer"]), (["b"], ["a"])]
    assert last_uses(statements, keep={"b"}, deletable={"a", "b"}) == [[], ["a"]]
    assert last_uses(statements, keep={"b"}) == [["outer"], ["a"]]


def test_empty_block():
    assert last_uses([], keep={"x"}) == []


# -- the del statements in generated code -------------------------------------------------------------------
READ, WRITTEN, NEITHER = "read", "written", "neither"


def _reads(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(node))


def _writes(stmt: ast.stmt, name: str) -> bool:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
        stmt, (ast.AugAssign, ast.AnnAssign)) else []
    return any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t))


def _first_access(statements: list[ast.stmt], name: str) -> str:
    """Whether running `statements` may read `name` before (re)assigning it."""
    for stmt in statements:
        if isinstance(stmt, ast.If):
            if _reads(stmt.test, name):
                return READ
            branches = [_first_access(stmt.body, name), _first_access(stmt.orelse, name)]
            if READ in branches:
                return READ
            if branches == [WRITTEN, WRITTEN]:
                return WRITTEN
        elif isinstance(stmt, (ast.For, ast.While)):
            if _reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test, name):
                return READ
            if _first_access(stmt.body, name) == READ:  # the body may run zero times: never a write for sure
                return READ
        elif isinstance(stmt, ast.Delete):
            if any(_reads(t, name) for t in stmt.targets if not isinstance(t, ast.Name)):
                return READ
        else:
            value = getattr(stmt, "value", None)
            if isinstance(stmt, ast.AugAssign) and stmt.target.id == name:
                return READ
            if (value is not None and _reads(value, name)) or (not isinstance(stmt, (ast.Assign, ast.AnnAssign))
                                                               and _reads(stmt, name)):
                return READ
            if _writes(stmt, name):
                return WRITTEN
    return NEITHER


def check_deletions(body: list[ast.stmt], after: list[ast.stmt] = (), loop: list[ast.stmt] = ()) -> int:
    """Assert that no `del`eted name is read again before being reassigned; returns how many names were deleted.

    `after` is what runs once this block is done (the rest of the enclosing blocks), `loop` the body of the
    innermost enclosing loop (its next iteration)."""
    deleted = 0
    for i, stmt in enumerate(body):
        rest = list(body[i + 1:]) + list(after)
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                assert isinstance(target, ast.Name)
                deleted += 1
                continuation = list(body[i + 1:]) + list(loop) + list(after)
                assert _first_access(continuation, target.id) != READ, \
                    f"`{target.id}` is read after `del` on line {stmt.lineno}"
        elif isinstance(stmt, ast.If):
            deleted += check_deletions(stmt.body, rest, loop) + check_deletions(stmt.orelse, rest, loop)
        elif isinstance(stmt, (ast.For, ast.While)):
            deleted += check_deletions(stmt.body, rest, stmt.body)
    return deleted


def functions(code: str) -> dict[str, ast.FunctionDef]:
    """The generated module's kernels and transforms (not its `_` helpers)."""
    return {n.name: n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}


def deleted_names(fn: ast.FunctionDef) -> set[str]:
    return {t.id for n in ast.walk(fn) if isinstance(n, ast.Delete) for t in n.targets}


def returned_names(fn: ast.FunctionDef) -> set[str]:
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    return {n.id for r in returns for n in ast.walk(r) if isinstance(n, ast.Name)}


def local_names(fn: ast.FunctionDef) -> set[str]:
    params = {a.arg for a in fn.args.args}
    assigned = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return params | assigned


STRAIGHT_LINE = '''import numpy as np
from lifted import kernel, grad, value_and_grad, vjp

@kernel
def mlp(w1: "f64[d,h]", b1: "f64[h]", w2: "f64[h]", x: "f64[n,d]", y: "f64[n]"):
    hidden = np.tanh(x @ w1 + b1)
    pred = hidden @ w2
    err = pred - y
    unused = np.exp(err)
    err = err * err
    return np.mean(err) + 0.01 * np.sum(w1 * w1)

@kernel
def reuse(x: "f64[n]", s: "f64[]"):
    a = np.sin(x)
    b = a * s
    c = np.exp(a) + b
    a = a * c
    return np.sum(a * b)

@kernel
def two_outputs(x: "f64[n]", y: "f64[n]"):
    p = x * y
    q = np.sin(p)
    return q, p + x

mlp_grad = grad(mlp, wrt=("w1", "b1", "w2"))
mlp_vg = value_and_grad(mlp, wrt="w1")
reuse_grad = grad(reuse, wrt=("x", "s"))
two_vjp = vjp(two_outputs, wrt=("x", "y"))
'''


@pytest.fixture(scope="module")
def straight_line_code():
    return transpile_source(STRAIGHT_LINE, PATH)


@pytest.mark.parametrize("name", ["mlp", "reuse", "two_outputs", "mlp_grad", "mlp_vg", "reuse_grad", "two_vjp"])
def test_deleted_names_are_never_read_again(straight_line_code, name):
    fn = functions(straight_line_code)[name]
    assert check_deletions(fn.body) > 0


@pytest.mark.parametrize("name", ["mlp", "reuse", "two_outputs", "mlp_grad", "mlp_vg", "reuse_grad", "two_vjp"])
def test_every_value_but_the_results_is_deleted(straight_line_code, name):
    fn = functions(straight_line_code)[name]
    missing = local_names(fn) - returned_names(fn) - deleted_names(fn)
    assert not missing, f"{name} never deletes {sorted(missing)}"
    assert not deleted_names(fn) & returned_names(fn)


def test_dead_definitions_are_not_generated(straight_line_code):
    fn = functions(straight_line_code)["mlp"]
    assert "unused" not in local_names(fn)
    assert "np.exp" not in ast.unparse(fn)


def test_generated_code_with_deletions_computes_the_same(straight_line_code):
    with_del = types.ModuleType("with_del")
    without = types.ModuleType("without")
    exec(compile(straight_line_code, PATH, "exec"), with_del.__dict__)
    exec(compile(transpile_source(STRAIGHT_LINE, PATH, Options(delete_dead=False)), PATH, "exec"),
         without.__dict__)
    rng = np.random.default_rng(0)
    args = [rng.normal(size=s) for s in ((3, 4), (4,), (4,), (5, 3), (5,))]
    for a, b in zip(with_del.mlp_grad(*args), without.mlp_grad(*args)):
        np.testing.assert_array_equal(a, b)
    x, y = rng.normal(size=6), rng.normal(size=6)
    cts = (rng.normal(size=6), rng.normal(size=6))
    (value_a, grads_a), (value_b, grads_b) = with_del.two_vjp(x, y, cts), without.two_vjp(x, y, cts)
    for a, b in zip(value_a + grads_a, value_b + grads_b):
        np.testing.assert_array_equal(a, b)


def test_no_deletions_when_turned_off():
    code = transpile_source(STRAIGHT_LINE, PATH, Options(delete_dead=False))
    assert not any(isinstance(n, ast.Delete) for n in ast.walk(ast.parse(code)))


CONTROL_FLOW = '''import numpy as np
from lifted import kernel, grad

@kernel
def f(x: "f64[n]", k: "i64[]"):
    s = np.zeros_like(x)
    for i in range(k):
        t = np.sin(x) * 0.5
        s = s + t * x
        if np.sum(s) > 1.0:
            s = s * 0.5
    v = 0.0
    while v < 3.0:
        v = v + np.mean(s * s) + 0.5
    return np.sum(s * s) * v

df = grad(f)
'''


def test_deletions_inside_branches_and_loops_are_safe():
    code = transpile_source(CONTROL_FLOW, PATH)
    for name, fn in functions(code).items():
        assert check_deletions(fn.body) > 0, name
    module = types.ModuleType("control_flow")
    exec(compile(code, PATH, "exec"), module.__dict__)
    x = np.linspace(0.1, 1.0, 5)
    expected = transpile_source(CONTROL_FLOW, PATH, Options(delete_dead=False))
    reference = types.ModuleType("reference")
    exec(compile(expected, PATH, "exec"), reference.__dict__)
    for k in (0, 1, 4):
        assert module.f(x, k) == reference.f(x, k)
        np.testing.assert_array_equal(module.df(x, k), reference.df(x, k))


def test_the_checker_catches_a_read_after_del():
    bad = ast.parse("def f(x):\n    y = x * 2\n    del x\n    return x + y\n").body[0]
    with pytest.raises(AssertionError, match="`x` is read after `del`"):
        check_deletions(bad.body)
    in_loop = ast.parse("def f(x, n):\n    for i in range(n):\n        y = x * 2\n        del x\n    return y\n")
    in_loop = in_loop.body[0]
    with pytest.raises(AssertionError, match="`x` is read after `del`"):
        check_deletions(in_loop.body)
    rebound = ast.parse("def f(x):\n    y = x * 2\n    del x\n    x = y\n    return x\n").body[0]
    assert check_deletions(rebound.body) == 1


# -- the memory deletion saves ------------------------------------------------------------------------------
CHAIN = '''import numpy as np
from lifted import kernel, grad

@kernel
def chain(x: "f64[n]"):
    a1 = np.sin(x)
    a2 = a1 * 1.5
    a3 = np.exp(a2)
    a4 = a3 + x
    a5 = np.tanh(a4)
    a6 = a5 * 0.5
    a7 = np.cos(a6)
    a8 = a7 + a5
    a9 = np.exp(a8 * 0.25)
    a10 = a9 * a9
    a11 = np.tanh(a10)
    a12 = a11 - 0.3
    a13 = np.sin(a12)
    a14 = a13 * 2.0
    a15 = np.exp(-a14)
    a16 = a15 + 1.0
    a17 = np.log(a16)
    a18 = a17 * a4
    a19 = np.tanh(a18)
    a20 = a19 + 0.1
    return np.sum(a20)

chain_grad = grad(chain)
'''


def _gradient(options: Options):
    module = types.ModuleType("chain_" + ("del" if options.delete_dead else "keep"))
    exec(compile(transpile_source(CHAIN, "tests/chain.py", options), "chain.py", "exec"), module.__dict__)
    return module.chain_grad


def _peak_bytes(fn, x) -> tuple[int, np.ndarray]:
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        result = fn(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return peak - base, result


def test_deleting_dead_values_halves_the_peak_memory_of_a_gradient():
    x = np.random.default_rng(1).normal(size=1_000_000)
    lean, kept = _gradient(Options()), _gradient(Options(delete_dead=False))
    lean_peak, lean_dx = _peak_bytes(lean, x)
    kept_peak, kept_dx = _peak_bytes(kept, x)
    print(f"\nchain_grad peak on 1e6 float64 (8 MB per array): with del {lean_peak / 1e6:.1f} MB, "
          f"without {kept_peak / 1e6:.1f} MB ({lean_peak / kept_peak:.2f}x)")
    np.testing.assert_array_equal(lean_dx, kept_dx)
    assert lean_peak <= kept_peak / 2
    assert kept_peak > 20 * x.nbytes  # the measurement sees the arrays the gradient holds
