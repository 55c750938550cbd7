"""Cases of the generic primitive test (tests/test_primitives.py): functions made of other entries, each under
the entry that carries its derivative.
"""
from __future__ import annotations

import numpy as np

from primitive_case import case


# --- functions made of other entries: each case under the entry that carries its derivative ------------------------
case("concatenate", "concatenate-hstack_vectors", "a: f64[2], b: f64[3]", "np.hstack((a, b))", vjp=True)
case("concatenate", "concatenate-hstack_matrices", "a: f64[3,2], b: f64[3,1]", "np.hstack([a, b * b])")
case("concatenate", "concatenate-vstack_vectors", "a: f64[3], b: f64[3]", "np.vstack((a, b))", vjp=True)
case("concatenate", "concatenate-vstack_mixed", "a: f64[2,3], b: f64[3]", "np.vstack((a, b))")
case("concatenate", "concatenate-column_stack", "a: f64[3], b: f64[3,2]", "np.column_stack((a, b))", vjp=True)
case("concatenate", "concatenate-flattened", "a: f64[2,3], b: f64[4]", "np.concatenate((a, b), axis=None)",
     oracle="np.concatenate((np.ravel(a), b))")
case("expand_dims", "expand_dims-atleast", "a: f64[], b: f64[3], c: f64[2,3]",
     "np.atleast_2d(b) * c + np.atleast_1d(a) + np.atleast_3d(c)[:, :, 0] + np.atleast_2d(c) * np.atleast_3d(a)[0]")
case("reshape", "reshape-ravel", "x: f64[3,4]", "np.ravel(x) + x.ravel() * x.flatten()",
     oracle="np.ravel(x) + np.ravel(x) * np.ravel(x)", vjp=True)
case("subtract", "subtract-diff", "x: f64[3,4]", "np.diff(x) + np.diff(x, axis=0)[0, 0]", vjp=True)
case("subtract", "subtract-diff_twice", "x: f64[n]", "np.diff(x * x, 2)")
# np.gradient (autograd's takes no spacing or edge_order: those oracles write NumPy's formulas out)
case("subtract", "subtract-gradient", "x: f64[5,4]", "np.gradient(x, axis=0) + np.gradient(x)[1]", vjp=True)
case("subtract", "subtract-gradient_spacing", "x: f64[5,4]", "np.gradient(x, 0.5, axis=1, edge_order=2)", vjp=True,
     oracle="np.concatenate((-3.0 * x[:, :1] + 4.0 * x[:, 1:2] - 1.0 * x[:, 2:3], (x[:, 2:] - x[:, :-2]) / 1.0, "
            "1.0 * x[:, -3:-2] - 4.0 * x[:, -2:-1] + 3.0 * x[:, -1:]), axis=1)")
# (autograd's np.gradient over all axes of a non-cube fails with a broadcast error: a cube here, FD checks the rest)
case("subtract", "subtract-gradient_all_axes", "x: f64[4,4,4]", "gx, gy, gz = np.gradient(x)\ngx * gy - gz")
case("subtract", "subtract-gradient_vector", "v: f64[6]", "np.gradient(v * v) + np.gradient(v, 2.0)",
     oracle="np.gradient(v * v) + np.gradient(v) / 2.0")
case("getitem", "getitem-argmax", "x: f64[3,4]",
     "x[:, np.argmax(x, axis=0)][0] + x[np.argmin(x[:, 0])] + x[1, x[2].argmax()] * np.argmax(x)")
case("getitem", "getitem-python_lists", "x: f64[5,4,3]",
     "x[[0, 1, 2], :, :] * x[3, 1:, [1, 2, 0]].T[:, None, :] + np.sum(x[[0, 0]])"
     " + np.sum(x[[True, False, True, False, True]][1:, [[0], [2], [3]], 0])",
     oracle="x[np.array([0, 1, 2])] * x[3, 1:, np.array([1, 2, 0])].T[:, None, :] + np.sum(x[np.array([0, 0])])"
            " + np.sum(x[np.array([0, 2, 4])][1:, np.array([[0], [2], [3]]), 0])", vjp=True)
case("getitem", "getitem-split", "x: f64[6,2]", "a, b, c = np.split(x, 3)\na * b + c", vjp=True,
     oracle="x[0:2] * x[2:4] + x[4:6]")
case("getitem", "getitem-split_at", "x: f64[3,5]", "a, b = np.split(x, [2], axis=1)\nnp.sum(a) * b",
     oracle="np.sum(x[:, :2]) * x[:, 2:]")
case("where", "where-select", "a: f64[3,4], b: f64[4]",
     "np.select([a > 0, a < -1, b > 0.5], [a * b, a * a, b], default=1.1)", vjp=True)
case("where", "where-select_scalars", "a: f64[3,4]", "np.select((a > 0.5, a < 0), (2.0, a))",
     oracle="np.select((a > 0.5, a < 0), (2.0 + 0.0 * a, a), 0.0)")
case("where", "where-signbit", "x: f64[3,4]", "np.where(np.signbit(x), -x, x * x) + np.signbit(x - x)",
     oracle="np.where(x < 0, -x, x * x) + 0.0")
case("where", "where-all", "x: f64[3,4]", "np.where(np.all(x > -1.0, axis=0, keepdims=True), x, -x) * np.all(x)")
# one case under each entry's own name (tests/test_primitive_views.py runs every entry on its cases)
case("trunc", "trunc-times_x", "x: f64[3,4]", "np.trunc(x * 3.0) * x")
case("rint", "rint-times_x", "x: f64[3,4]", "np.rint(x * 3.0) * x")
case("signbit", "signbit-where", "x: f64[3,4]", "np.where(np.signbit(x), -x, x * x)",
     oracle="np.where(x < 0.0, -x, x * x)")  # (autograd has no rule for np.signbit)
case("all", "all-axis_keepdims", "x: f64[3,4]", "np.where(np.all(x > -1.0, axis=0, keepdims=True), x, -x)")
case("where", "where-isfinite", "x: f64[3,4]", "np.where(np.isfinite(x) & ~np.isnan(x) & ~np.isinf(x), x, 0.0)",
     oracle="x")
case("concatenate", "concatenate-roll", "x: f64[5]", "np.roll(x, 2)", vjp=True)
case("concatenate", "concatenate-roll_negative_axis", "x: f64[3,4]", "np.roll(x, -3, axis=1)")
case("concatenate", "concatenate-roll_flattened", "x: f64[3,4]", "np.roll(x, 5)")
case("concatenate", "concatenate-roll_axes", "x: f64[3,4]", "np.roll(x, (1, 2), axis=(0, 1))",
     oracle="np.roll(np.roll(x, 1, axis=0), 2, axis=1)")
case("concatenate", "concatenate-roll_runtime", "x: f64[n,d], i: i64[]", "np.roll(x, i, axis=0) * x",
     fixed={"i": np.int64(-4)}, oracle="np.roll(x, -4, axis=0) * x")
case("broadcast_to", "broadcast_to-repeat", "x: f64[3,4]", "np.repeat(x, 2, axis=0)", vjp=True)
case("broadcast_to", "broadcast_to-repeat_flat", "x: f64[2,3]", "np.repeat(x, 3)")
case("broadcast_to", "broadcast_to-repeat_method", "x: f64[n,d]", "x.repeat(2, axis=1)", oracle="np.repeat(x, 2, axis=1)")
case("broadcast_to", "broadcast_to-tile", "x: f64[3,4]", "np.tile(x, (2, 3))", vjp=True)
case("broadcast_to", "broadcast_to-tile_vector", "x: f64[3]", "np.tile(x, 2) + np.tile(x, (2, 1))[1, 0]")
case("broadcast_to", "broadcast_to-tile_new_axes", "x: f64[3]", "np.tile(x, (2, 1, 2))")
# autograd has no meshgrid: the oracles broadcast by adding zeros
case("broadcast_to", "broadcast_to-meshgrid", "a: f64[3], b: f64[4]", "ga, gb = np.meshgrid(a, b)\nga * gb + ga",
     vjp=True, oracle="ga = a[None, :] + np.zeros((4, 1))\ngb = b[:, None] + np.zeros((1, 3))\nga * gb + ga")
case("broadcast_to", "broadcast_to-meshgrid_ij", "a: f64[3], b: f64[4], c: f64[2]",
     "ga, gb, gc = np.meshgrid(a, b, c, indexing='ij')\nga * gb - gc * ga",
     oracle="ga = a[:, None, None] + np.zeros((1, 4, 2))\ngb = b[None, :, None] + np.zeros((3, 1, 2))\n"
            "gc = c[None, None, :] + np.zeros((3, 4, 1))\nga * gb - gc * ga")
# np.cross: NumPy's products and differences of the components (frontend/cross_product.py)
case("stack", "stack-cross", "a: f64[4,3], b: f64[4,3]", "np.cross(a, b)", vjp=True)
case("stack", "stack-cross_axes", "a: f64[3,4], b: f64[4,3]", "np.cross(a, b, axisa=0, axisc=0)", vjp=True)
# (autograd's cross does not sum a broadcast operand's cotangent back to its shape: its oracles broadcast first)
case("stack", "stack-cross_axis_broadcast", "a: f64[2,3,1], b: f64[3,4]", "np.cross(a, b, axis=-2)",
     oracle="np.cross(a + np.zeros((2, 3, 4)), b + np.zeros((2, 3, 4)), axis=-2)")
case("stack", "stack-cross_named", "a: f64[n,3], b: f64[3]", "np.cross(b, a, 0, 1, -1) * a",
     oracle="np.cross(b + np.zeros((3, 3)), a, 1, 1, -1) * a")
# stacking one array joins its rows (NumPy iterates over its first axis)
case("concatenate", "concatenate-hstack_one_array", "x: f64[3,4], y: f64[2,3,2]", "np.hstack(x)[:4] * np.hstack(y)",
     vjp=True, oracle="np.concatenate((x[0], x[1], x[2]))[:4] * np.concatenate((y[0], y[1]), axis=1)")
case("concatenate", "concatenate-column_stack_one_array", "x: f64[2,3]", "np.column_stack(x) * np.vstack(x).T",
     oracle="np.stack((x[0], x[1]), axis=1) * x.T")
case("concatenate", "concatenate-append", "x: f64[3], y: f64[2,3], z: f64[]",
     "np.append(x, z) + np.append(y, x * z)[:4] + np.append(y, y[:1], axis=0)[2, 0]", vjp=True,
     oracle="np.concatenate((x, np.reshape(z, -1))) + np.concatenate((np.ravel(y), x * z))[:4] + y[0, 0]")
case("concatenate", "concatenate-pad_constant", "x: f64[2,3]",
     "np.pad(x, ((1, 2), (3, 0))) + np.pad(x, (1, 2), constant_values=((1.0, 2.0), (3.0, 4.0)))[:, :6]", vjp=True,
     oracle="np.pad(x, ((1, 2), (3, 0)), 'constant') + "
            "np.pad(x, (1, 2), 'constant', constant_values=((1.0, 2.0), (3.0, 4.0)))[:, :6]")
case("concatenate", "concatenate-pad_widths", "x: f64[2,2]",
     "np.pad(x, 2) * np.pad(x * x, (2,)) + np.pad(x, ((2, 2),), 'constant')",
     oracle="np.pad(x, 2, 'constant') * np.pad(x * x, (2,), 'constant') + np.pad(x, ((2, 2),), 'constant')")
case("concatenate", "concatenate-pad_edge", "x: f64[2,3], y: f64[n]",
     "np.pad(x, ((1, 2), (2, 1)), mode='edge') * np.pad(y, 1, 'edge')[1]",
     oracle="np.concatenate((x[:, :1], x[:, :1], x, x[:, -1:]), axis=1)[np.array([0, 0, 1, 1, 1])] * y[0]", vjp=True)
case("flip", "flip-rot90", "x: f64[3,4]", "np.rot90(x) @ np.rot90(x, 2) + np.rot90(x, -1) @ np.rot90(x, k=4)",
     vjp=True)
case("flip", "flip-rot90_axes", "x: f64[2,3,4]", "np.rot90(x, 1, axes=(2, 0)) + np.rot90(x, 3, (-1, 0))",
     oracle="np.transpose(x[::-1], (2, 1, 0)) + np.transpose(x, (2, 1, 0))[::-1]")
case("squeeze", "squeeze-method", "x: f64[3,1,4,1]", "x.squeeze() + x.squeeze(axis=(1, 3)) * x.squeeze(-1)[:, 0]",
     oracle="np.squeeze(x) + np.squeeze(x, axis=(1, 3)) * np.squeeze(x, -1)[:, 0]", vjp=True)
case("stack", "stack-array_of_scalars", "a: f64[], b: f64[]", "np.array([a, b * a, 2.0])", vjp=True)
case("stack", "stack-array_of_rows", "x: f64[3], y: f64[3]", "np.array([x, y * y]) + np.asarray(x)",
     oracle="np.array([x, y * y]) + x")
case("stack", "stack-array_nested", "a: f64[], b: f64[]", "np.array([[a, b], [b * b, 1.0]])")
case("copy", "copy-array_of_array", "x: f64[3,4]", "np.array(x) * x", oracle="(x + 0.0) * x")
case("norm", "norm-whole", "x: f64[3,4]", "np.linalg.norm(x)", oracle="np.sqrt(np.sum(x * x))")
case("sqrt", "sqrt-norm_axis", "x: f64[3,4]", "np.linalg.norm(x, axis=1)", vjp=True)
case("norm", "norm-fro_keepdims", "x: f64[3,4]", "np.linalg.norm(x, 'fro', keepdims=True) * x",
     oracle="np.sqrt(np.sum(x * x, keepdims=True)) * x")
case("abs", "abs-norm_1", "v: f64[4]", "np.linalg.norm(v, 1) + np.linalg.norm(v, ord=np.inf)",
     oracle="np.sum(np.abs(v)) + np.max(np.abs(v))")
case("abs", "abs-norm_p", "v: f64[4]", "np.linalg.norm(v, 3) + np.linalg.norm(v, ord=-1.5) + np.linalg.norm(v, 0)",
     oracle="np.sum(np.abs(v) ** 3) ** (1.0 / 3) + np.sum(np.abs(v) ** -1.5) ** (1.0 / -1.5) + np.sum(v != 0)")
case("abs", "abs-norm_matrix_1_inf", "x: f64[3,4]", "np.linalg.norm(x, 1) + np.linalg.norm(x, -np.inf, axis=(1, 0))",
     oracle="np.max(np.sum(np.abs(x), axis=0)) + np.min(np.sum(np.abs(x), axis=0))")
case("logsumexp", "logsumexp-softmax", "x: f64[3,4]", "scipy.special.softmax(x, axis=1)", vjp=True,
     oracle="np.exp(x - scipy.special.logsumexp(x, axis=1, keepdims=True))")
case("logsumexp", "logsumexp-log_softmax", "x: f64[3,4]", "scipy.special.log_softmax(x)",
     oracle="x - scipy.special.logsumexp(x, keepdims=True)")
case("log", "log-norm_logpdf", "x: f64[3,4], m: f64[4], s: f64[]", "scipy.stats.norm.logpdf(x, m, s)",
     domain={"s": "pos"}, vjp=True)
case("log", "log-norm_logpdf_keywords", "x: f64[3,4], s: f64[3,1]", "scipy.stats.norm.logpdf(x, scale=s) + scipy.stats.norm.pdf(x, loc=1.0)",
     domain={"s": "pos"}, oracle="-0.5 * (x / s) ** 2 - 0.5 * np.log(2.0 * np.pi) - np.log(s)"
                                 " + np.exp(-0.5 * (x - 1.0) ** 2) / np.sqrt(2.0 * np.pi)")
case("ndtr", "ndtr-norm_cdf", "x: f64[3,4], m: f64[]", "scipy.stats.norm.cdf(x, m) + scipy.stats.norm.logcdf(x, 0.5, 2.0)")
case("gammaln", "gammaln-t_logpdf", "x: f64[3,4], df: f64[], s: f64[4]", "scipy.stats.t.logpdf(x, df, 0.5, s)",
     domain={"df": "big", "s": "pos"}, vjp=True)
case("cholesky", "cholesky-mvn_logpdf", "x: f64[3], m: f64[3], c: f64[3,3]",
     "scipy.stats.multivariate_normal.logpdf(x, m, c)", domain={"c": "spd_lower"},
     oracle="scipy.stats.multivariate_normal.logpdf(x, m, np.tril(c) + np.tril(c, -1).T)")
case("cholesky", "cholesky-mvn_logpdf_rows", "x: f64[n,3], m: f64[3], c: f64[3,3]",
     "scipy.stats.multivariate_normal.logpdf(x, mean=m, cov=c)", domain={"c": "spd_lower"}, vjp=True,
     oracle="scipy.stats.multivariate_normal.logpdf(x, m, np.tril(c) + np.tril(c, -1).T)")
case("cholesky", "cholesky-mvn_pdf", "x: f64[1,3], c: f64[3,3]",
     "scipy.stats.multivariate_normal.pdf(x, cov=c)", domain={"c": "spd_lower"},
     oracle="scipy.stats.multivariate_normal.pdf(x[0], np.zeros(3), np.tril(c) + np.tril(c, -1).T)")

# more elementwise functions (primitives/more_elementwise.py; frontend/more_elementwise.py writes the rest with
# other entries, as NumPy does): autograd has no rule for cbrt, copysign, heaviside, nextafter, modf, positive,
# float_power, polyval, ediff1d or unwrap, so their oracles spell the same function with ones it has
case("cbrt", "cbrt-positive", "x: f64[3,4]", "np.cbrt(x)", domain={"x": "pos"}, oracle="x ** (1.0 / 3.0)", vjp=True)
case("cbrt", "cbrt-negative_times_int", "x: f64[3,4], k: i64[4]", "np.cbrt(x) * np.cbrt(k)", domain={"x": "neg"},
     oracle="-((-x) ** (1.0 / 3.0)) * np.cbrt(k)")
case("copysign", "copysign-broadcast", "a: f64[3,4], b: f64[4]", "np.copysign(a, b) * a",
     oracle="np.where(b < 0, -np.abs(a), np.abs(a)) * a", vjp=True)
case("copysign", "copysign-literals", "a: f64[3,4]", "np.copysign(2.0, a) * a + np.copysign(a, -1.0)",
     oracle="np.where(a < 0, -2.0, 2.0) * a - np.abs(a)")
# (np.floor(x) is 0 for x in [0, 1): there h0 is the value)
case("heaviside", "heaviside-floor", "x: f64[3,4], h: f64[4]", "np.heaviside(np.floor(x), h) * x",
     oracle="np.where(np.floor(x) < 0, 0.0, np.where(np.floor(x) > 0, 1.0, h + 0.0 * x)) * x", vjp=True)
case("nextafter", "nextafter-times", "a: f64[3,4], b: f64[4]", "np.nextafter(a, b) * a", oracle="a * a", vjp=True)
case("modf", "modf-parts", "x: f64[3,4]", "fr, wh = np.modf(x * 2.0)\nfr * x + wh",
     oracle="fr = x * 2.0 - np.trunc(x * 2.0)\nfr * x + np.trunc(x * 2.0)", vjp=True)
# (i0's derivative is I1, i1's I0 - I1 / x: both checked at second order, against scipy.special's through autograd)
case("i0", "i0-times", "x: f64[3,4]", "np.i0(x) * x", oracle="scipy.special.i0(x) * x", vjp=True, hessian=True)
case("i0", "i0-past_8_and_zero", "x: f64[5]", "np.i0(x * 10.0) * 0.001 + np.i0(x - x)", domain={"x": "half"},
     oracle="scipy.special.i0(x * 10.0) * 0.001 + scipy.special.i0(x - x)", hessian=True)
case("positive", "positive-times", "x: f64[3,4]", "np.positive(x) * x", oracle="x * x")
case("conjugate", "conjugate-conj", "x: f64[3,4], y: f64[4]", "np.conj(x) * np.conjugate(y) + x", vjp=True)
case("float_power", "float_power-broadcast", "a: f64[3,4], b: f64[4]", "np.float_power(a, b)", domain={"a": "pos"},
     oracle="a ** b", vjp=True)
case("float_power", "float_power-literals_ints", "a: f64[3,4], k: i64[4]",
     "np.float_power(a, 3) + np.float_power(2.0, a) + np.float_power(a, k)", domain={"a": "pos"},
     oracle="a ** 3 + 2.0 ** a + a ** k")
case("multiply", "multiply-real_imag", "x: f64[3,4], y: f64[4]", "np.real(x) * y + np.imag(x) * x", vjp=True)
case("arctan2", "arctan2-angle", "x: f64[3,4]", "np.angle(x) * x + np.angle(x, deg=True)",
     oracle="np.angle(x) * x + np.angle(x) * (180 / np.pi)")  # (autograd's angle takes no `deg`)
case("add", "add-polyval", "p: f64[4], x: f64[3,4]", "np.polyval(p, x)",
     oracle="((p[0] * x + p[1]) * x + p[2]) * x + p[3]", vjp=True)
case("subtract", "subtract-ediff1d", "x: f64[3,4], b: f64[2]", "np.ediff1d(x, to_begin=b, to_end=1.5)",
     oracle="np.concatenate((b, np.ravel(x)[1:] - np.ravel(x)[:-1], np.array([1.5])))", vjp=True)
case("cumsum", "cumsum-unwrap", "x: f64[3,4]", "np.unwrap(x * 3.0, axis=0)",
     oracle="x * 3.0 + (np.unwrap(stop_gradient(x) * 3.0, axis=0) - stop_gradient(x) * 3.0)", vjp=True)
case("where", "where-isclose", "x: f64[3,4], y: f64[4]",
     "np.where(np.isclose(x, y, atol=0.5) | np.isposinf(x) | np.isneginf(y), x, y * x) * np.allclose(x, x)",
     oracle="np.where(np.abs(x - y) <= 0.5 + 1e-05 * np.abs(y), x, y * x)")
