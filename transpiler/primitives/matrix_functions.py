"""Matrix functions of `numpy.linalg` (inv, solve, det, slogdet, cholesky, eigh) and scipy's solve_triangular.

The cotangent rules are the standard adjoints of matrix calculus (Giles 2008; Murray 2016 for the Cholesky
factor), batched over leading axes like NumPy. Where NumPy reads only one triangle of its argument
(cholesky and eigh read the lower one, solve_triangular the one it is told), the derivative is that of the
function NumPy computes: the other triangle gets zero, and an off-diagonal entry of the read triangle stands
for both of its symmetric places. Rules use NumPy only, so generated code needs SciPy only where the source did.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, broadcast_shapes, is_unknown, promote, show_shape
from .batching import batch_stacked, example_rank
from .registry import Primitive, register
from .symbolic import Sym, ops, sum_to


def float_dtype(types) -> str:
    """The dtype of a linear-algebra result: float32 or float64 as promoted, float64 for integers and bools."""
    dtype = promote(types)
    return dtype if dtype in ("f32", "f64") else "f64"


def check_square(x: TensorType, what: str) -> None:
    """A ShapeError naming `what` unless `x` is a (stack of) square matrices of known rank."""
    if x.rank is None:
        raise ShapeError(f"{what} needs the rank of its argument; annotate it, e.g. \"f64[n,n]\"")
    if x.rank < 2:
        raise ShapeError(f"{what} takes a square matrix (or a stack of them), not an array of rank {x.rank}")
    n, m = x.shape[-2:]
    if n != m and not (is_unknown(n) or is_unknown(m)):
        raise ShapeError(f"{what} takes square matrices; this one has shape {show_shape(x.shape)}")


def swap_last_two(x: Sym) -> Sym:
    """The matrix transpose of the last two axes."""
    return x.T if x.rank == 2 else ops.swapaxes(x, axis1=-1, axis2=-2)


def _per_matrix(g: Sym) -> Sym:
    """A value per matrix, with two axes of size 1 added so it scales each matrix."""
    return g if g.rank == 0 else ops.expand_dims(g, axis=(-2, -1))


def _trace_product(a: Sym, b: Sym) -> Sym:
    """sum_ij a_ij b_ij for each matrix."""
    return ops.sum(a * b, axis=(-2, -1))


def _lower_read(p: Sym) -> Sym:
    """The cotangent of a matrix of which only the lower triangle is read, given `p`, the cotangent of the
    symmetric matrix it stands for: each off-diagonal entry collects both of its symmetric places."""
    return ops.tril(p) + swap_last_two(ops.triu(p, k=1))


def _from_lower(t: Sym) -> Sym:
    """The symmetric matrix that a lower triangle stands for (the tangent NumPy sees)."""
    return ops.tril(t) + swap_last_two(ops.tril(t, k=-1))


def _register(name: str, infer, render, vjp, jvp, temp: str = "m", batch=batch_stacked, **options) -> None:
    """A matrix function; by default batched as a stack (np.linalg maps over leading axes)."""
    register(Primitive(name=name, infer=infer, render=render, family="matrix", vjp=vjp, jvp=jvp, temp_name=temp,
                       batch=batch, **options))


def _linalg(fn: str, index: int | None = None):
    def render(args, params):
        node = cg.call(f"np.linalg.{fn}", *args)
        return node if index is None else cg.subscript(node, [cg.literal(index)])

    return render


# --- inverse ---------------------------------------------------------------------------------------------------
def _infer_inv(types, params) -> TensorType:
    check_square(types[0], "np.linalg.inv")
    return TensorType(float_dtype(types), types[0].shape)


_register("inv", _infer_inv, _linalg("inv"),
          lambda g, y, a, active=None: [-(swap_last_two(y) @ g @ swap_last_two(y))],
          lambda tangents, y, a: -(y @ tangents[0] @ y), temp="inv")


# --- solve -----------------------------------------------------------------------------------------------------
def _infer_solve(types, params) -> TensorType:
    a, b = types
    check_square(a, "np.linalg.solve")
    dtype = float_dtype(types)
    if b.rank is None:
        raise ShapeError("np.linalg.solve needs the rank of its right-hand side; annotate it")
    if b.rank == 0:
        raise ShapeError("np.linalg.solve takes a vector or a matrix as its right-hand side")
    if b.rank == 1:  # a vector (NumPy 2 reads a 1-D right-hand side as one vector)
        if a.rank != 2:
            raise ShapeError("np.linalg.solve of a stack of matrices takes its right-hand sides as a stack of "
                             "column matrices here: write np.linalg.solve(a, b[..., None])[..., 0]")
        _match(a.shape[-1], b.shape[0])
        return TensorType(dtype, a.shape[:-1])
    _match(a.shape[-1], b.shape[-2])
    batch = broadcast_shapes([a.shape[:-2], b.shape[:-2]])
    return TensorType(dtype, tuple(batch) + (a.shape[-2], b.shape[-1]))


def _match(n, m) -> None:
    if n != m and not (is_unknown(n) or is_unknown(m)):
        raise ShapeError(f"np.linalg.solve: the matrix has {n} columns but the right-hand side {m} rows")


def _vjp_solve(g, x, a, b, active=None):
    gb = ops.solve(swap_last_two(a), g)  # A^T gb = g
    if b.rank == 1:
        ga = -(ops.expand_dims(gb, axis=-1) * ops.expand_dims(x, axis=-2))
    else:
        ga = -(gb @ swap_last_two(x))
    return [sum_to(ga, a.type, a) if active is None or active[0] else None,
            sum_to(gb, b.type, b) if active is None or active[1] else None]


def _jvp_solve(tangents, x, a, b):
    ta, tb = tangents
    rhs = None if ta is None else -(ta @ x)
    if tb is not None:
        rhs = tb if rhs is None else tb + rhs
    return ops.solve(a, rhs)


def _batch_solve(ctx, prim, args, batched) -> Sym:
    """Matrices and right-hand sides as stacks, the batched ones given the per-example stack rank of the other
    (`x[:, None]`); a vector right-hand side goes in as a column (`b[..., None]`, read back with `[..., 0]`),
    since NumPy reads only a 1-D right-hand side as a vector."""
    a, b = args
    vector = example_rank(b, batched[1]) == 1
    if vector:
        b = ops.expand_dims(b, axis=-1)
    stack = max(example_rank(a, batched[0]) - 2, example_rank(b, batched[1]) - 2)
    a, b = [ctx.align(x, stack + 2) if flag else x for x, flag in zip((a, b), batched)]
    x = ctx.bind("solve", [a, b])
    return ops.squeeze(x, axis=-1) if vector else x


_register("solve", _infer_solve, _linalg("solve"), _vjp_solve, _jvp_solve, temp="x", batch=_batch_solve)


# --- determinants ------------------------------------------------------------------------------------------------
def _infer_det(types, params) -> TensorType:
    check_square(types[0], "the determinant")
    return TensorType(float_dtype(types), types[0].shape[:-2])


# d det(a) / d a is the cofactor matrix: det(a) inv(a)^T where det(a) is not 0, and at singular matrices too (where
# inv raises), from the singular value decomposition; its own derivative (det's second) is `det_second`
_register("det", _infer_det, _linalg("det"),
          lambda g, y, a, active=None: [_per_matrix(g) * ops.cofactors(a, y)],
          lambda tangents, y, a: _trace_product(ops.cofactors(a, y), tangents[0]), temp="det")


def _infer_cofactors(types, params) -> TensorType:
    check_square(types[0], "the cofactor matrix")
    return TensorType(float_dtype(types[:1]), types[0].shape)


def _infer_det_second(types, params) -> TensorType:
    a, t = types
    check_square(a, "the determinant's second derivative")
    return TensorType(float_dtype(types), broadcast_shapes([a.shape, t.shape]))


def _batch_lifted(ctx, prim, args, batched, **params) -> Sym:
    """Every argument a stack with the batch first (the helpers map over leading axes)."""
    return ctx.bind(prim.name, [a if b else ctx.lift(a) for a, b in zip(args, batched)], params)


def _third_derivative(*args, **params):
    raise ShapeError("the third derivative of np.linalg.det is not supported (its second is)")


# the cofactors of `a` given det(a): `_cofactors(a, det)` (the matrices whose det is 0 through `_det_second`)
_register("cofactors", _infer_cofactors, lambda args, p: cg.call("_cofactors", *args),
          lambda g, y, a, det, active=None: [ops.det_second(a, g), None],
          lambda tangents, y, a, det: ops.det_second(a, tangents[0]), temp="cofactors", batch=_batch_lifted,
          diff_args=(0,), extra={"helper": "cofactors"})
# the Hessian of det applied to t (symmetric: a cotangent t of the cofactors gives `a` the same)
_register("det_second", _infer_det_second, lambda args, p: cg.call("_det_second", *args), _third_derivative,
          _third_derivative, temp="second", batch=_batch_lifted, extra={"helper": "det_second"})
# np.linalg.slogdet(a) is (sign, logabsdet): two entries, each computing its own part of the pair
_register("logabsdet", _infer_det, _linalg("slogdet", 1),
          lambda g, y, a, active=None: [_per_matrix(g) * swap_last_two(ops.inv(a))],
          lambda tangents, y, a: _trace_product(swap_last_two(ops.inv(a)), tangents[0]), temp="logdet")
_register("slogdet_sign", _infer_det, _linalg("slogdet", 0), None, None, temp="sign")


# --- Cholesky -----------------------------------------------------------------------------------------------------
def _infer_cholesky(types, params) -> TensorType:
    check_square(types[0], "np.linalg.cholesky")
    return TensorType(float_dtype(types), types[0].shape)


def _phi(x: Sym) -> Sym:
    """The lower triangle with its diagonal halved."""
    return 0.5 * (ops.tril(x) + ops.tril(x, k=-1))


def _vjp_cholesky(g, l, a, active=None):
    # Murray (2016): P = L^-T phi(L^T G) L^-1, the cotangent of the symmetric matrix
    lt = swap_last_two(l)
    inner = ops.solve(lt, _phi(lt @ g))  # L^-T phi(L^T G)
    p = swap_last_two(ops.solve(lt, swap_last_two(inner)))  # ... L^-1
    return [_lower_read(p)]


def _jvp_cholesky(tangents, l, a):
    t = _from_lower(tangents[0])
    inner = ops.solve(l, swap_last_two(ops.solve(l, t)))  # L^-1 dA L^-T  (dA symmetric)
    return l @ _phi(inner)


_register("cholesky", _infer_cholesky, _linalg("cholesky"), _vjp_cholesky, _jvp_cholesky, temp="chol")


# --- symmetric eigendecomposition -------------------------------------------------------------------------------
def _infer_eigenvalues(types, params) -> TensorType:
    check_square(types[0], "np.linalg.eigh")
    return TensorType(float_dtype(types), types[0].shape[:-1])


def _infer_eigenvectors(types, params) -> TensorType:
    check_square(types[0], "np.linalg.eigh")
    return TensorType(float_dtype(types), types[0].shape)


def _gaps(w: Sym, a: Sym) -> Sym:
    """F with F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it (distinct eigenvalues assumed)."""
    builder = w.builder
    n = Sym(builder, builder.dim(a.shape[-1], a.atom, a.rank - 1))
    eye = ops.eye(n)
    return (1.0 - eye) / (ops.expand_dims(w, axis=-2) - ops.expand_dims(w, axis=-1) + eye)


def _upper_read(p: Sym) -> Sym:
    """As `_lower_read`, for a matrix of which only the upper triangle is read (UPLO='U')."""
    return ops.triu(p) + swap_last_two(ops.tril(p, k=-1))


def _from_upper(t: Sym) -> Sym:
    """The symmetric matrix that an upper triangle stands for."""
    return ops.triu(t) + swap_last_two(ops.triu(t, k=1))


def _read(p: Sym, upper: bool) -> Sym:
    return _upper_read(p) if upper else _lower_read(p)


def _symmetric(t: Sym, upper: bool) -> Sym:
    return _from_upper(t) if upper else _from_lower(t)


def _eigh_params(upper: bool) -> dict:
    return {"upper": True} if upper else {}


def _vjp_eigenvalues(g, w, a, active=None, upper=False, alone=False):
    v = ops.eigh_vectors(a, **_eigh_params(upper))
    return [_read((v * ops.expand_dims(g, axis=-2)) @ swap_last_two(v), upper)]


def _vjp_eigenvectors(g, v, a, active=None, upper=False):
    w = ops.eigh_values(a, **_eigh_params(upper))
    return [_read(v @ (_gaps(w, a) * (swap_last_two(v) @ g)) @ swap_last_two(v), upper)]


def _jvp_eigenvalues(tangents, w, a, upper=False, alone=False):
    v = ops.eigh_vectors(a, **_eigh_params(upper))
    return ops.sum(v * (_symmetric(tangents[0], upper) @ v), axis=-2)  # the diagonal of V^T dA V


def _jvp_eigenvectors(tangents, v, a, upper=False):
    w = ops.eigh_values(a, **_eigh_params(upper))
    return v @ (_gaps(w, a) * (swap_last_two(v) @ _symmetric(tangents[0], upper) @ v))


def _render_eigh(index: int):
    """NumPy's own call, with UPLO='U' where the upper triangle is read (LAPACK reduces that triangle, so the bits
    differ from those of the transpose's lower one); `alone` is np.linalg.eigvalsh's call (LAPACK without the
    vectors: other bits than eigh's values)."""
    def render(args, params):
        uplo = "U" if params.get("upper") else None
        if params.get("alone"):
            return cg.call("np.linalg.eigvalsh", *args, UPLO=uplo)
        return cg.subscript(cg.call("np.linalg.eigh", *args, UPLO=uplo), [cg.literal(index)])

    return render


# np.linalg.eigh(a) is (w, V): one entry per part, each rendering the same call (reused when both are taken)
_register("eigh_values", _infer_eigenvalues, _render_eigh(0), _vjp_eigenvalues, _jvp_eigenvalues, temp="w")
_register("eigh_vectors", _infer_eigenvectors, _render_eigh(1), _vjp_eigenvectors, _jvp_eigenvectors, temp="v")


# --- scipy.linalg.solve_triangular ------------------------------------------------------------------------------
def _infer_solve_triangular(types, params) -> TensorType:
    a, b = types
    check_square(a, "solve_triangular")
    if a.rank != 2 or b.rank not in (1, 2):
        raise ShapeError("solve_triangular is supported for one matrix and a vector or matrix right-hand side")
    n, m = a.shape[-1], b.shape[0]
    if n != m and not (is_unknown(n) or is_unknown(m)):
        raise ShapeError(f"solve_triangular: the matrix has {n} columns but the right-hand side {m} rows")
    return TensorType(float_dtype(types), b.shape)


def _render_solve_triangular(args, params):
    return cg.call("scipy.linalg.solve_triangular", *args, trans=params.get("trans") or None,
                   lower=params.get("lower") or None)


def _triangle(x: Sym, lower: bool) -> Sym:
    return ops.tril(x) if lower else ops.triu(x)


def _vjp_solve_triangular(g, x, a, b, active=None, lower=False, trans=0):
    gb = ops.solve_triangular(a, g, lower=lower, trans=1 - trans)  # op(T)^T gb = g
    g_op = -(ops.outer(gb, x) if b.rank == 1 else gb @ swap_last_two(x))  # the cotangent of op(T)
    return [_triangle(g_op if not trans else swap_last_two(g_op), lower) if active is None or active[0] else None, gb]


def _jvp_solve_triangular(tangents, x, a, b, lower=False, trans=0):
    ta, tb = tangents
    rhs = None
    if ta is not None:
        t_op = _triangle(ta, lower)
        rhs = -((t_op if not trans else swap_last_two(t_op)) @ x)
    if tb is not None:
        rhs = tb if rhs is None else tb + rhs
    return ops.solve_triangular(a, rhs, lower=lower, trans=trans)


def _batch_solve_triangular(ctx, prim, args, batched, lower=False, trans=0) -> Sym:
    """One triangular matrix for every example and a vector right-hand side per example: the batch as the
    columns of one right-hand side (one scipy call). Otherwise (a matrix per example, or matrix right-hand
    sides) scipy solves one matrix per call, so the triangle NumPy's stacked solve is given instead: the same
    system, op(T) x = b, with the other triangle zero."""
    a, b = args
    if not batched[0] and example_rank(b, True) == 1:
        return ops.transpose(ctx.bind("solve_triangular", [a, ops.transpose(b)], {"lower": lower, "trans": trans}))
    triangle = _triangle(a, lower)
    return _batch_solve(ctx, prim, [swap_last_two(triangle) if trans else triangle, b], batched)


_register("solve_triangular", _infer_solve_triangular, _render_solve_triangular, _vjp_solve_triangular,
          _jvp_solve_triangular, temp="x", imports="scipy.linalg", batch=_batch_solve_triangular)
