"""Random programs over the NumPy/SciPy table: compositions of its entries, checked end to end.

Each program is a random expression tree over a 4x4 matrix `m` and a vector `v` of length 4, built from the table's
entries (special functions, flips, rolls, cumulative sums, triangles, diagonals, stacking, tiling, softmax, matrix
functions on well-conditioned arguments, cross products, rotations, pads, sorts, gradients, selects), read out as a
scalar through var/std/norm/logsumexp/trace/slogdet. The grammar writes every node twice: as the kernel source, and
in autograd's spelling where autograd names the operation differently (it has no flip or scipy softmax), so the
oracle is independent of the table. For each program the generated `grad` must match autograd, the generated `jvp`
must match a central difference along a random direction, and the generated primal must match the kernel run as
plain NumPy. A few dozen programs run in the default suite; `LIFTED_TABLE_PROGRAMS` (slow marker) runs more.
"""
from __future__ import annotations

import os
import random
import types
import warnings

import autograd
import autograd.numpy as anp
import autograd.scipy.linalg
import autograd.scipy.special
from autograd.tracer import getval
import numpy as np
import pytest
import scipy.linalg
import scipy.special

from gradcheck import load_source

Node = tuple[str, str]  # (kernel source, autograd spelling)

# matrix -> matrix, as (source template, autograd template); `{0}` the argument, `{k}` a random axis (0 or 1)
MATRIX_MAPS = [
    ("np.sin({0})", None), ("np.tanh({0})", None), ("np.arcsinh({0})", None), ("np.exp2(np.tanh({0}))", None),
    ("scipy.special.expit({0})", None), ("scipy.special.erf({0})", None), ("np.sinc({0})", "np.where({0} == 0.0, 1.0, np.sin(np.pi * {0}) / (np.pi * {0} + ({0} == 0.0)))"),
    ("np.log2(1.0 + {0} * {0})", None), ("np.log10(2.0 + np.cos({0}))", None),
    ("np.logaddexp2({0}, 0.5)", None), ("np.cumsum({0}, axis={k}) * 0.5", None),
    ("np.flip({0}, axis={k})", None),  # autograd's spelling (a reversing slice) is chosen per axis below
    ("np.roll({0}, {s}, axis={k})", None), ("np.tril({0}, {o})", None), ("np.triu({0}, {o})", None),
    ("np.diag(np.diag({0})) + {0}", None), ("np.hstack(({0}[:, :2], np.tanh({0}[:, 2:])))", None),
    ("np.vstack(({0}[2:], {0}[:2]))", None), ("np.repeat({0}[:, :2], 2, axis=1)", None),
    ("np.tile({0}[:2], (2, 1))", None), ("({0} @ {0}) * 0.25", None),
    ("scipy.special.softmax({0}, axis={k})", "np.exp({0} - scipy.special.logsumexp({0}, axis={k}, keepdims=True))"),
    ("scipy.special.log_softmax({0}, axis={k})", "{0} - scipy.special.logsumexp({0}, axis={k}, keepdims=True)"),
    ("np.linalg.inv(np.tanh({0}) * 0.2 + np.eye(4))", None),
    ("np.linalg.solve(np.tanh({0}) * 0.2 + np.eye(4), {0})", None),
    ("np.linalg.cholesky(np.tanh({0}) @ np.tanh({0}).T * 0.25 + np.eye(4))", None),
    ("scipy.linalg.solve_triangular(np.tril(np.tanh({0})) * 0.2 + np.eye(4), {0}, lower=True)", None),
    ("np.atleast_2d(np.var({0}, axis={k}, ddof=1)) * {0}", None),
    ("np.deg2rad({0}) + np.rad2deg(np.tanh({0})) * 0.01", None), ("np.hypot({0}, 0.5)", None),
    ("np.moveaxis({0}, 0, 1)", None), ("np.rollaxis({0}, 1)", None),
    ("np.tensordot({0}, {0}, axes=([{k}], [0])) * 0.25", None), ("np.inner({0}, {0}) * 0.25", None),
    ("np.einsum('...ij,...jk->...ik', {0}, {0}) * 0.25", None), ("np.dot({0}, np.tanh({0})) * 0.25", None),
    ("np.kron({0}[:2, :2], np.tanh({0}[2:, 2:]))", None), ("np.fmax({0}, 0.1) + np.fmin({0}, -0.2)", None),
    ("np.hstack((np.cross({0}[:, :3], np.tanh({0}[:, 1:])), {0}[:, 3:]))", None), ("np.rot90({0}, {s})", None),
    ("np.pad({0}[1:, :3] * 0.5, ((1, 0), (0, 1)), 'constant', constant_values=0.25)", None),
    ("np.pad({0}[1:3, 1:3], 1, mode='edge')", "{0}[np.array([1, 1, 2, 2])][:, np.array([1, 1, 2, 2])]"),
    ("np.append({0}[:3], {0}[3:] * 2.0, axis=0)", "np.concatenate(({0}[:3], {0}[3:] * 2.0), axis=0)"),
    # autograd sorts vectors only, and takes a diagonal without an offset only
    ("np.sort({0}, axis={k})",
     "np.swapaxes(np.stack([np.sort(np.swapaxes({0}, {k}, 1)[i]) for i in range(4)]), {k}, 1)"),
    ("np.reshape(np.hstack({0}), (4, 4)) * np.diagonal({0}, {o})[:1].squeeze()",
     "np.reshape(np.concatenate([{0}[i] for i in range(4)]), (4, 4)) * {0}[max(-({o}), 0), max({o}, 0)]"),
    ("np.gradient({0}, axis={k})", None), ("{0}[[3, 0, 2, 1]]", "{0}[np.array([3, 0, 2, 1])]"),
    ("np.select([{0} > 0.3, {0} < -0.2], [{0} * {0}, np.tanh({0})], default=0.5)", None),
    ("np.einsum({0}, [0, 1], np.tanh({0}), [1, 2], [2, 0]) * 0.25", "np.einsum('ij,jk->ki', {0}, np.tanh({0})) * 0.25"),
    # pads that copy elements, spelled for autograd as gathers through NumPy's pad of the positions
    ("np.pad({0}[1:3], ((1, 1), (0, 0)), mode='reflect')", "{0}[1:3][np.array([1, 0, 1, 0])]"),
    ("np.pad({0}[:, 1:3], ((0, 0), (2, 0)), mode='symmetric')", "{0}[:, 1:3][:, np.array([1, 0, 0, 1])]"),
    ("np.pad({0}[:2, :3], ((1, 1), (0, 1)), mode='wrap')",
     "{0}[:2, :3][np.array([1, 0, 1, 0])][:, np.array([0, 1, 2, 0])]"),
    ("np.r_[{0}[:2], np.tanh({0}[2:])]", "np.concatenate(({0}[:2], np.tanh({0}[2:])), axis=0)"),
    ("np.c_[{0}[:, :3], {0}[:, 0]]", "np.concatenate(({0}[:, :3], {0}[:, :1]), axis=1)"),
    ("{0} * np.partition({0}, 2, axis=1)[:, 2][:, None]",
     "{0} * np.stack([np.sort({0}[i])[2] for i in range(4)])[:, None]"),
    # at coordinates (uneven, then even): autograd has no spacings, so its spelling is the linear map
    # np.gradient(np.eye(4), t) that NumPy itself computes (see Generator.matrix)
    ("np.gradient({0}, np.array([0.0, 0.5, 1.5, 1.75]), axis={k}, edge_order={e})", "coordinates"),
    ("np.gradient({0}, np.array([1.0, 1.5, 2.0, 2.5]), axis={k})", "coordinates"),
    # more elementwise functions (primitives/more_elementwise.py), spelled for autograd where it has no rule
    ("np.cbrt(1.5 + np.tanh({0}))", "(1.5 + np.tanh({0})) ** (1.0 / 3.0)"),
    ("np.copysign({0}, np.cos({0}))", "np.where(np.cos({0}) < 0, -np.abs({0}), np.abs({0}))"),
    ("np.heaviside({0} - 0.2, 0.5) * {0}", "np.where({0} - 0.2 < 0, 0.0, np.where({0} - 0.2 > 0, 1.0, 0.5)) * {0}"),
    ("np.nextafter({0}, 0.0)", "{0}"), ("np.modf({0} * 2.0)[0] + np.modf({0})[1]", "{0} * 2.0 - np.trunc({0} * 2.0) + np.trunc({0})"),
    ("np.positive({0}) + np.conj({0}) * np.real({0}) + np.imag({0})", "{0} + {0} * {0}"),
    ("({0}).real * 2.0 + ({0}).imag", "{0} * 2.0"),
    ("({0}).clip(-0.5, 0.5) + ({0}).clip(max=0.25) + ({0}).conj()", "np.clip({0}, -0.5, 0.5) + np.minimum({0}, 0.25) + {0}"),
    ("{0} * np.arange(0.5, stop=4.0) + np.arange(stop=4)", "{0} * np.arange(0.5, 4.0) + np.arange(4)"),  # keywords  # the attributes, as numba's array_real/array_imag read them
    ("np.float_power(1.5 + np.tanh({0}), 1.5)", "(1.5 + np.tanh({0})) ** 1.5"),
    ("np.polyval(np.array([0.5, -1.0, 0.25]), {0})", "(0.5 * {0} - 1.0) * {0} + 0.25"),
    ("np.unwrap({0} * 4.0, axis={k})", "{0} * 4.0 + (np.unwrap(stop_gradient({0}) * 4.0, axis={k}) - stop_gradient({0}) * 4.0)"),
    ("np.where(np.isclose({0}, 0.3, atol=0.2) | np.isposinf({0}) | np.isneginf({0}), {0} * {0}, {0})",
     "np.where(np.abs({0} - 0.3) <= 0.2 + 1e-05 * 0.3, {0} * {0}, {0})"),
    ("np.where(np.logical_xor({0} > 0, {0} < 0.5), {0}, -{0}) * np.allclose({0}, {0})",
     "np.where(({0} > 0) != ({0} < 0.5), {0}, -{0})"),
    ("{0} + np.angle({0}) * 0.1", "{0} + np.where({0} < 0, np.pi, 0.0) * 0.1"),
    ("np.reshape(np.ediff1d({0}, to_begin={0}[0, 0]), (4, 4))",
     "np.reshape(np.concatenate((np.array([{0}[0, 0]]), np.ravel({0})[1:] - np.ravel({0})[:-1])), (4, 4))"),
]
READOUTS = [
    ("np.sum({0})", None), ("np.var({0})", None), ("np.std({0}, ddof=1)", None),
    ("np.linalg.norm({0} + 0.5)", "np.sqrt(np.sum(({0} + 0.5) * ({0} + 0.5)))"),  # never at 0, where it has no slope ("scipy.special.logsumexp({0})", None),
    ("np.linalg.norm(np.ravel({0}) + 0.5, 3)", "np.sum(np.abs(np.ravel({0}) + 0.5) ** 3) ** (1.0 / 3)"),
    ("np.linalg.norm({0}, 1)", "np.max(np.sum(np.abs({0}), axis=0))"),
    ("np.trace({0})", None), ("np.trace({0}, 1) - np.trace({0}, offset=-2)", None),
    ("np.linalg.slogdet(np.tanh({0}) * 0.2 + np.eye(4))[1]", None),
    ("np.linalg.det(np.tanh({0}) * 0.2 + np.eye(4))", None), ("np.mean(np.linalg.eigvalsh({0} + {0}.T))", "np.mean(np.linalg.eigh({0} + {0}.T)[0])"),
]
LEAVES = [("m", "m"), ("m.T", "m.T"), ("(np.outer(v, v) * 0.5)", "(np.outer(v, v) * 0.5)"),
          ("np.diag(v)", "np.diag(v)"), ("(m * v)", "(m * v)")]


class Generator:
    def __init__(self, seed: int):
        self.rnd = random.Random(seed)

    def matrix(self, depth: int) -> Node:
        if depth == 0 or self.rnd.random() < 0.2:
            return self.rnd.choice(LEAVES)
        roll = self.rnd.random()
        if roll < 0.2:
            (a, oa), (b, ob) = self.matrix(depth - 1), self.matrix(depth - 1)
            op = self.rnd.choice(["+", "-", "*"])
            return f"({a} {op} {b})", f"({oa} {op} {ob})"
        template, oracle = self.rnd.choice(MATRIX_MAPS)
        inner, inner_oracle = self.matrix(depth - 1)
        k, s, o = self.rnd.randrange(2), self.rnd.choice([-3, -1, 1, 2, 5]), self.rnd.choice([-1, 0, 1])
        e = self.rnd.choice([1, 2]) if "{e}" in template else 1
        if template.startswith("np.flip"):
            oracle = "{0}[::-1]" if k == 0 else "{0}[:, ::-1]"
        if oracle == "coordinates":  # np.gradient along an axis is linear: a matrix NumPy computes here
            t = np.array(eval(template[template.index("np.array(") + 9:template.index(")")]))
            order = e if "edge_order" in template else 1
            matrix = np.gradient(np.eye(4), t, axis=0, edge_order=order).tolist()
            oracle = f"(np.array({matrix!r}) @ {{0}})" if k == 0 else f"({{0}} @ np.array({matrix!r}).T)"
        source = template.format(inner, k=k, s=s, o=o, e=e)
        spelled = (oracle or template).format(inner_oracle, k=k, s=s, o=o, e=e)
        return f"({source})", f"({spelled})"

    def program(self) -> tuple[str, str]:
        terms = []
        for _ in range(self.rnd.randint(1, 2)):
            template, oracle = self.rnd.choice(READOUTS)
            inner, inner_oracle = self.matrix(self.rnd.randint(1, 3))
            terms.append((template.format(inner), (oracle or template).format(inner_oracle)))
        return " + ".join(t for t, _ in terms), " + ".join(o for _, o in terms)


SOURCE = '''import numpy as np
import scipy.linalg
import scipy.special
from lifted import grad, jvp, kernel


@kernel
def f(m: "f64[4,4]", v: "f64[4]"):
    return {expression}


f_grad = grad(f, wrt=("m", "v"))
f_jvp = jvp(f, wrt=("m", "v"))
'''


def _plain(expression: str, np_module, scipy_module) -> types.FunctionType:
    # (an oracle may take a value autograd has no rule for out of its trace: `stop_gradient`, as np.unwrap's does)
    scope = {"np": np_module, "scipy": scipy_module, "stop_gradient": getval if np_module is anp else (lambda x: x)}
    exec(f"def f(m, v):\n    return {expression}\n", scope)
    return scope["f"]


_AUTOGRAD_SCIPY = types.SimpleNamespace(special=autograd.scipy.special, linalg=autograd.scipy.linalg)


def check_seed(seed: int) -> str:
    """"checked", or "no derivative" where the program sits on a point without one (the spread of equal values
    under std, say), where autograd's gradient is not finite (Lifted gives 0 there, as for abs at 0)."""
    expression, oracle_expression = Generator(seed).program()
    module = load_source(SOURCE.format(expression=expression), f"table_{seed}.py")
    rng = np.random.default_rng(seed)
    m, v = rng.normal(size=(4, 4)) * 0.7, rng.normal(size=4) * 0.7
    plain = _plain(expression, np, scipy)
    value = plain(m, v)
    assert np.isfinite(value), expression
    np.testing.assert_allclose(module.f(m, v), value, rtol=1e-12, atol=1e-12, err_msg=expression)
    oracle = _plain(oracle_expression, anp, _AUTOGRAD_SCIPY)
    dm, dv = module.f_grad(m, v)
    with warnings.catch_warnings():  # a program without `v` (or `m`): autograd says so, and returns zeros
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        expected = autograd.grad(oracle, 0)(m, v), autograd.grad(oracle, 1)(m, v)
    if not all(np.all(np.isfinite(e)) for e in expected):
        return "no derivative"
    np.testing.assert_allclose(dm, expected[0], rtol=1e-8, atol=1e-9, err_msg=expression)
    np.testing.assert_allclose(dv, expected[1], rtol=1e-8, atol=1e-9, err_msg=expression)
    tm, tv = rng.normal(size=(4, 4)), rng.normal(size=4)
    got_value, tangent = module.f_jvp(m, v, tm, tv)
    step = 1e-6
    expected = (plain(m + step * tm, v + step * tv) - plain(m - step * tm, v - step * tv)) / (2 * step)
    assert got_value == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert tangent == pytest.approx(expected, rel=1e-5, abs=1e-6), expression
    assert tangent == pytest.approx(np.sum(dm * tm) + np.sum(dv * tv), rel=1e-9, abs=1e-9), expression
    return "checked"


@pytest.mark.parametrize("seed", range(30))
def test_random_table_program(seed):
    check_seed(seed)


@pytest.mark.slow
def test_many_random_table_programs():
    failures, outcomes = [], []
    for seed in range(30, 30 + int(os.environ.get("LIFTED_TABLE_PROGRAMS", "1000"))):
        try:
            outcomes.append(check_seed(seed))
        except AssertionError as exc:
            failures.append(f"{seed}: {str(exc)[:300]}")
    assert not failures, "\n".join(failures[:10])
    assert outcomes.count("checked") >= 0.9 * len(outcomes)
