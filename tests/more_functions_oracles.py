"""autograd's NumPy with oracles for functions whose VJP autograd lacks or gets wrong (frontend/composed_functions.py's):
`np.cumprod`, `np.nancumprod`, `np.trapezoid`, `np.vecdot`, `np.matvec`, `np.vecmat`, `np.delete`, `np.convolve`,
`np.take`, `np.vdot`
and `np.average` have no VJP in autograd, and its `np.var`/`np.std` take `correction=` but differentiate as if it
were 0 (and know no `mean=`); its `np.tril`/`np.triu` of a vector give a matrix as the vector's cotangent, and
`np.iterable` has no VJP; `np.median`,
`np.quantile` and `np.percentile` have no VJP in autograd either (their rewrites: the sorted array read at the
middle, or interpolated between the two neighbours of the position `(n - 1) * q`; their NaN-ignoring forms the
same of inputs without NaN), nor for `np.interp` (the slope of each x's interval) and `np.unique` (the sorted
values kept where they change); `np.searchsorted` and `np.digitize` give integers, which autograd refuses to trace
(NumPy's value, untraced).

Each value is NumPy's own, and its derivative autograd's of a rewrite written here from NumPy's definitions,
independently of Lifted's rules: running products as products taken one step at a time, the trapezoid rule and the
dot product as sums of products, the kept elements gathered, the moments written out, each convolution sum spelled out.
"""
from __future__ import annotations

import numpy as onp
from autograd.tracer import getval


class _FlatReads:
    """`box.flat[k]` of a traced array: autograd's ArrayBox has no `.flat`; NumPy's flat read is the raveled array
    read at `k` (a copy where it is an array, as NumPy's)."""

    def __init__(self, anp, box):
        self._anp, self._box = anp, box

    def __getitem__(self, k):
        return self._anp.reshape(self._box, -1)[k]


class UfuncMethods:
    """autograd's `np.add`/`np.multiply` with NumPy's `reduce` and `accumulate` (axis 0 by default): the functions
    NumPy's own np.sum, np.prod, np.cumsum and np.cumprod call them as."""

    def __init__(self, numpy, name: str):
        self._numpy, self._name = numpy, name

    def __call__(self, *args, **kwargs):
        return getattr(self._numpy._anp, self._name)(*args, **kwargs)

    def __getattr__(self, method: str):
        return getattr(getattr(self._numpy._anp, self._name), method)

    def reduce(self, a, axis=0):
        return getattr(self._numpy, {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}[
            self._name])(a, axis=axis)

    def accumulate(self, a, axis=0):
        if self._name in ("maximum", "minimum"):  # step by step with autograd's np.maximum (half to each at a tie)
            anp = self._numpy._anp
            moved = anp.moveaxis(a, axis, 0)
            if moved.shape[0] == 0:
                return a
            rows = [moved[0]]
            for k in range(1, moved.shape[0]):
                rows.append(getattr(anp, self._name)(rows[-1], moved[k]))
            return anp.moveaxis(anp.stack(rows), 0, axis)
        return getattr(self._numpy, {"add": "cumsum", "multiply": "cumprod"}[self._name])(a, axis=axis)


class LinalgOracles:
    """autograd's `np.linalg` with `matrix_power` (the product of n factors, one at a time, of `a` or of its inverse)
    and `cond` (written out from the definitions: the singular values' ratio, or the product of the norms of `x` and
    its inverse), each NumPy's value with the rewrite's derivative."""

    def __init__(self, anp):
        self._anp = anp

    def __getattr__(self, name: str):
        return getattr(self._anp.linalg, name)

    def matrix_power(self, a, n):
        np = self._anp
        exact = onp.linalg.matrix_power(getval(a), n)
        if n == 0:
            return (a - getval(a)) * 0.0 + exact
        base = np.linalg.inv(a) if n < 0 else a
        product = base
        for _ in range(abs(n) - 1):
            product = np.matmul(product, base)
        return (product - getval(product)) + exact

    def eigvalsh(self, a, UPLO="L"):  # noqa: N803  (NumPy's name)
        """NumPy's eigvalsh values, with the derivative of autograd's eigh of the symmetric matrix the triangle
        read stands for."""
        rewrite = self.eigh(a, UPLO)[0]
        return (rewrite - getval(rewrite)) + onp.linalg.eigvalsh(getval(a), UPLO)

    def eigh(self, a, UPLO="L"):  # noqa: N803
        np = self._anp
        full = np.triu(a) + np.swapaxes(np.triu(a, 1), -1, -2) if UPLO.upper() == "U" else \
            np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)
        w, v = np.linalg.eigh(full)
        exact_w, exact_v = onp.linalg.eigh(getval(a), UPLO)
        return (w - getval(w)) + exact_w, (v - getval(v)) + exact_v

    def tensorsolve(self, a, b, axes=None):
        """NumPy's algorithm (numpy/linalg/_linalg.py) in autograd's transpose, reshape and solve."""
        np = self._anp
        order = list(range(a.ndim))
        for k in axes or ():
            order.remove(k)
            order.append(k)
        a = np.transpose(a, order)
        old = a.shape[b.ndim:]
        prod = int(onp.prod(old))
        return np.reshape(np.linalg.solve(np.reshape(a, (prod, prod)), np.reshape(b, (prod,))), old)

    def tensorinv(self, a, ind=2):
        np = self._anp
        tail = a.shape[ind:]
        return np.reshape(np.linalg.inv(np.reshape(a, (int(onp.prod(tail)), -1))), tail + a.shape[:ind])

    def _full_rank_inverse(self, a):
        """pinv of a full-rank matrix: (A^T A)^-1 A^T, or A^T (A A^T)^-1 for a wide one."""
        np = self._anp
        if a.shape[-2] >= a.shape[-1]:
            return np.linalg.solve(np.swapaxes(a, -1, -2) @ a, np.swapaxes(a, -1, -2))
        return np.swapaxes(np.linalg.solve(a @ np.swapaxes(a, -1, -2), a), -1, -2)

    def pinv(self, a, rcond=None, hermitian=False, **rtol):
        """NumPy's pinv with the derivative of the full-rank formula."""
        rewrite = self._full_rank_inverse(a)
        exact = onp.linalg.pinv(getval(a), **({"rcond": rcond} if rcond is not None else {}), **rtol)
        return (rewrite - getval(rewrite)) + exact

    def lstsq(self, a, b, rcond=None):
        """NumPy's lstsq: the solution pinv(A) b, the residuals sum((b - A x)^2) where NumPy returns them, the
        singular values autograd's svd, each with NumPy's values."""
        np = self._anp
        x_exact, res_exact, rank, s_exact = onp.linalg.lstsq(getval(a), getval(b), rcond)
        x = self._full_rank_inverse(a) @ b
        s = np.linalg.svd(a, compute_uv=False)
        res = res_exact
        if onp.size(res_exact):
            res = np.sum((b - a @ x) ** 2, axis=0)
            res = np.reshape(res, onp.shape(res_exact))
            res = (res - getval(res)) + res_exact
        return (x - getval(x)) + x_exact, res, rank, (s - getval(s)) + s_exact

    def _norm(self, x, p):
        np = self._anp
        if p == "fro":
            return np.sqrt(np.sum(x * x, axis=(-2, -1)))
        if p == "nuc":
            return np.sum(np.linalg.svd(x, compute_uv=False), axis=-1)
        pick = np.max if p > 0 else np.min
        return pick(np.sum(np.abs(x), axis=-2 if abs(p) == 1 else -1), axis=-1)

    def cond(self, x, p=None):
        np = self._anp
        exact = onp.linalg.cond(getval(x), p)
        if p in (None, 2, -2):
            s = np.linalg.svd(x, compute_uv=False)
            rewrite = s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
        else:
            rewrite = self._norm(x, p) * self._norm(np.linalg.inv(x), p)
        return (rewrite - getval(rewrite)) + exact


class MoreFunctionsNumpy:
    """`autograd.numpy`, but for the functions above (and `.flat` reads of traced arrays)."""

    def __init__(self, anp):
        self._anp = anp
        from autograd.numpy.numpy_boxes import ArrayBox

        if not hasattr(ArrayBox, "flat"):
            ArrayBox.flat = property(lambda box: _FlatReads(anp, box))

    def __getattr__(self, name: str):
        if name in ("cumprod", "nancumprod", "trapezoid", "vecdot", "delete", "var", "std", "convolve", "take", "vdot",
                    "average", "median", "quantile", "percentile", "nanmedian", "nanpercentile", "interp", "unique",
                    "searchsorted", "digitize", "unique_values", "unique_counts", "unique_inverse", "unique_all", "diff", "union1d", "intersect1d",
                    "setdiff1d", "setxor1d", "cumulative_sum", "cumulative_prod", "choose", "correlate", "histogram",
                    "polyint", "unstack", "trim_zeros", "insert", "piecewise", "apply_along_axis", "lexsort",
                    "polydiv", "fmod", "modf", "pad", "matvec", "vecmat", "tril", "triu", "iterable", "isscalar",
                    "nan_to_num", "cov", "corrcoef"):
            return getattr(self, f"_{name}")
        if name == "linalg":  # np.linalg.cond and np.linalg.matrix_power, which have no VJP in autograd
            return LinalgOracles(self._anp)
        if name in ("add", "multiply", "maximum", "minimum"):  # their reduce and accumulate methods, which
            # autograd's ufuncs lack
            return UfuncMethods(self, name)
        return getattr(self._anp, name)

    def _written_out(self, name: str):
        """np.insert, np.piecewise and np.apply_along_axis as tests/function_oracles.py writes them out."""
        from function_oracles import ORACLE_HEADER

        space: dict = {}
        exec(compile(ORACLE_HEADER, "function_oracles", "exec"), space)
        space["np"] = self  # (the functions a piecewise or apply_along_axis calls: these oracles too)
        return space[name]

    def _insert(self, *args, **kwargs):
        return self._written_out("_insert")(*args, **kwargs)

    def _piecewise(self, *args, **kwargs):
        return self._written_out("_piecewise")(*args, **kwargs)

    def _apply_along_axis(self, *args, **kwargs):
        return self._written_out("_apply_along_axis")(*args, **kwargs)

    def _lexsort(self, keys, axis=-1):
        """NumPy's integers, untraced."""
        return onp.lexsort([getval(k) for k in keys], axis=axis)

    def _polydiv(self, u, v):
        """NumPy's value; the derivative of its loop written out on the coefficients one by one."""
        np = self._anp
        exact_q, exact_r = onp.polydiv(getval(u), getval(v))
        u, v = np.atleast_1d(u) + 0.0, np.atleast_1d(v) + 0.0
        m, n = len(getval(u)) - 1, len(getval(v)) - 1
        scale, r, q = 1.0 / v[0], [u[i] for i in range(m + 1)], []
        for k in range(m - n + 1):
            d = scale * r[k]
            q.append(d)
            for j in range(n + 1):
                r[k + j] = r[k + j] - d * v[j]
        rewrite_q = np.stack(q) if q else onp.zeros(1)
        rewrite_r = np.stack(r)[len(r) - len(exact_r):]
        return (rewrite_q - getval(rewrite_q)) + exact_q, (rewrite_r - getval(rewrite_r)) + exact_r

    def _exact(self, name, rewrite, *args, **kwargs):
        """NumPy's value, with the rewrite's derivative."""
        exact = getattr(onp, name)(*[getval(a) for a in args], **kwargs)
        return (rewrite - getval(rewrite)) + exact  # (the traced value's `+` first: NumPy's would make objects)

    def _running_product(self, x, axis):
        np = self._anp
        x = np.reshape(x, (-1,)) if axis is None else x
        moved = np.moveaxis(x, 0 if axis is None else axis, 0)
        steps, product = [], None
        for i in range(onp.shape(getval(moved))[0]):
            product = moved[i] if product is None else product * moved[i]
            steps.append(product)
        return np.moveaxis(np.stack(steps), 0, 0 if axis is None else axis)

    def _cumprod(self, x, axis=None, dtype=None):
        if dtype is not None or not onp.issubdtype(onp.asarray(getval(x)).dtype, onp.floating):
            return onp.cumprod(getval(x), axis=axis, dtype=dtype)
        return self._exact("cumprod", self._running_product(x, axis), x, axis=axis)

    def _nancumprod(self, x, axis=None, dtype=None):
        if dtype is not None or not onp.issubdtype(onp.asarray(getval(x)).dtype, onp.floating):
            return onp.nancumprod(getval(x), axis=axis, dtype=dtype)
        rewrite = self._running_product(self._anp.where(onp.isnan(getval(x)), 1.0, x), axis)
        return self._exact("nancumprod", rewrite, x, axis=axis)

    def _trapezoid(self, y, x=None, dx=1.0, axis=-1):
        np = self._anp
        rank = onp.ndim(getval(y))
        ahead = [slice(None)] * rank
        behind = [slice(None)] * rank
        ahead[axis], behind[axis] = slice(1, None), slice(None, -1)
        if x is None:
            d = dx
        elif onp.ndim(getval(x)) == 1:
            d = x[1:] - x[:-1]
            shape = [1] * rank
            shape[axis] = -1
            d = np.reshape(d, shape)
        else:
            d = x[tuple(ahead)] - x[tuple(behind)]
        rewrite = np.sum(d * (y[tuple(ahead)] + y[tuple(behind)]) / 2.0, axis=axis)
        return self._exact("trapezoid", rewrite, y, **({} if x is None else {"x": getval(x)}), dx=getval(dx),
                           axis=axis)

    def _vecdot(self, x1, x2, axis=-1):
        np = self._anp
        rewrite = np.sum(np.moveaxis(x1, axis, -1) * np.moveaxis(x2, axis, -1), axis=-1)
        return self._exact("vecdot", rewrite, x1, x2, axis=axis)

    def _matvec(self, a, v):
        """A (..., m, n) times v (..., n): the products along each row, summed."""
        return self._exact("matvec", self._anp.sum(a * self._anp.expand_dims(v, -2), axis=-1), a, v)

    def _vecmat(self, v, a):
        """v (..., m) times A (..., m, n): the products down each column, summed."""
        return self._exact("vecmat", self._anp.sum(self._anp.expand_dims(v, -1) * a, axis=-2), v, a)

    def _triangle(self, name, m, k):
        """A vector is broadcast to the square matrix of its rows, as NumPy's `where(tri(n, n, k), m, 0)` does:
        autograd's rule would hand back the cotangent's triangle, a matrix, as the vector's."""
        if onp.ndim(getval(m)) != 1:
            return getattr(self._anp, name)(m, k)
        exact = getattr(onp, name)(getval(m), k)
        if not onp.issubdtype(onp.asarray(getval(m)).dtype, onp.floating):
            return exact
        rewrite = getattr(self._anp, name)(m * onp.ones((onp.shape(getval(m))[0], 1)), k)
        return (rewrite - getval(rewrite)) + exact

    def _iterable(self, y):
        """NumPy's answer about the untraced value (autograd wraps np.iterable as a primitive without a VJP)."""
        return onp.iterable(getval(y))

    def _isscalar(self, element):
        return onp.isscalar(getval(element))

    def _tril(self, m, k=0):
        return self._triangle("tril", m, k)

    def _triu(self, m, k=0):
        return self._triangle("triu", m, k)

    def _fmod(self, a, b):
        """C's fmod as NumPy defines it, `a - b * trunc(a / b)` (the quotient truncated towards 0: a step function,
        untraced): autograd has no VJP for np.fmod."""
        quotient = onp.trunc(onp.asarray(getval(a)) / onp.asarray(getval(b)))
        return self._exact("fmod", a - b * quotient, a, b)

    def _nan_to_num(self, x, copy=True, nan=0.0, posinf=None, neginf=None):
        """NumPy's np.copyto of the fills where x is NaN or infinite, as np.where: autograd's np.nan_to_num takes no
        fills (and the fills may be traced values)."""
        np, value = self._anp, onp.asarray(getval(x))
        if value.dtype.kind != "f":
            return x
        info = onp.finfo(value.dtype)
        out = np.where(onp.isnan(value), nan, x)
        out = np.where(onp.isposinf(value), info.max if posinf is None else posinf, out)
        return np.where(onp.isneginf(value), info.min if neginf is None else neginf, out)

    def _modf(self, a):
        """The fractional part `a - trunc(a)` (derivative 1) and the integral part (derivative 0): autograd has no
        VJP for np.modf."""
        fraction, whole = onp.modf(getval(a))
        return (a - getval(a)) + fraction, whole

    def _pad(self, array, pad_width, mode="constant", **kwargs):
        """autograd's np.pad with the mode spelled out: its VJP takes `mode` as an argument NumPy defaults."""
        return self._anp.pad(array, pad_width, mode, **kwargs)

    def _take(self, a, indices, axis=None, mode="raise"):
        """np.take as NumPy defines it: the (raveled) array indexed along `axis`, the indices wrapped or clipped."""
        np = self._anp
        a = np.reshape(a, (-1,)) if axis is None else a
        axis = 0 if axis is None else axis % onp.ndim(getval(a))
        length = onp.shape(getval(a))[axis]
        index = onp.asarray(indices)
        index = {"raise": index, "wrap": onp.mod(index, length), "clip": onp.clip(index, 0, length - 1)}[mode]
        return a[(slice(None),) * axis + (index,)]

    def _vdot(self, a, b):
        np = self._anp
        return self._exact("vdot", np.sum(np.reshape(a, (-1,)) * np.reshape(b, (-1,))), a, b)

    def _average(self, a, axis=None, weights=None, returned=False, keepdims=False):
        """np.average's sums written out: sum(a * w) / sum(w) along the axis (w reshaped along it when 1-d)."""
        np = self._anp
        if returned or keepdims:
            raise NotImplementedError("the oracle covers np.average(a, axis=None, weights=None) only")
        if weights is None:
            return self._exact("average", np.mean(a, axis=axis), a, axis=axis)
        w = weights if not isinstance(weights, (list, tuple)) else onp.asarray(weights, dtype=float)
        if onp.ndim(getval(w)) != onp.ndim(getval(a)):
            shape = [1] * onp.ndim(getval(a))
            shape[axis] = -1
            w = np.reshape(w, tuple(shape))
        rewrite = np.sum(a * w, axis=axis) / np.sum(w * onp.ones(onp.shape(getval(a))), axis=axis)
        return self._exact("average", rewrite, a, axis=axis, weights=getval(weights) if not isinstance(
            weights, (list, tuple)) else weights)

    def _delete(self, arr, obj, axis=None):
        np = self._anp
        arr = np.reshape(arr, (-1,)) if axis is None else arr
        axis = 0 if axis is None else axis
        length = onp.shape(getval(arr))[axis]
        gone = {i % length for i in onp.atleast_1d(obj).tolist()}
        kept = onp.array([i for i in range(length) if i not in gone], dtype=onp.int64)
        return np.take(arr, kept, axis=axis)

    def _var(self, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        return self._moment("var", x, axis, dtype, ddof, keepdims, kwargs)

    def _std(self, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        return self._moment("std", x, axis, dtype, ddof, keepdims, kwargs)

    def _moment(self, name, x, axis, dtype, ddof, keepdims, kwargs):
        np = self._anp
        ddof = kwargs.pop("correction", ddof)
        mean = kwargs.pop("mean", None)
        if mean is None:
            return getattr(np, name)(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **kwargs)
        axes = tuple(range(onp.ndim(getval(x)))) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        count = max(int(onp.prod([onp.shape(getval(x))[a] for a in axes])) - ddof, 0)
        spread = np.sum((x - mean) * (x - mean), axis=axis, keepdims=keepdims) / count
        rewrite = spread if name == "var" else np.sqrt(spread)
        return self._exact(name, rewrite, x, axis=axis, ddof=ddof, keepdims=keepdims, mean=getval(mean))

    def _convolve(self, a, v, mode="full"):
        np = self._anp
        n, m = onp.shape(getval(a))[0], onp.shape(getval(v))[0]
        sums = [np.sum(np.stack([a[i] * v[k - i] for i in range(max(0, k - m + 1), min(n, k + 1))]))
                for k in range(n + m - 1)]
        full = np.stack(sums)
        same = (m - 1) // 2 if n >= m else n // 2  # (n < m: the reversed slice of (v, a)'s from (n - 1) // 2)
        start = 0 if mode == "full" else same if mode == "same" else min(n, m) - 1
        length = n + m - 1 if mode == "full" else max(n, m) if mode == "same" else max(n, m) - min(n, m) + 1
        return self._exact("convolve", full[start:start + length], a, v, mode=mode)

    def _order_statistic(self, name, x, axis, keepdims, pick, *args, **method):
        """NumPy's value, with the derivative of `pick(sorted, n)` along the last axis of the moved array."""
        np = self._anp
        flat = np.reshape(x, (-1,)) if axis is None else np.moveaxis(x, axis, -1)
        shape = onp.shape(getval(flat))
        rows = np.reshape(flat, (-1, shape[-1]))  # (autograd sorts only 1-D arrays with a derivative)
        s = np.reshape(np.stack([np.sort(rows[i]) for i in range(onp.shape(getval(rows))[0])]), shape)
        rewrite = pick(s, onp.shape(getval(s))[-1])
        if keepdims:
            rewrite = np.reshape(rewrite, onp.shape(onp.median(getval(x), axis=axis, keepdims=True)))
        return self._exact(name, rewrite, x, *args, axis=axis, keepdims=keepdims, **method)

    def _median(self, x, axis=None, keepdims=False):
        return self._order_statistic("median", x, axis, keepdims,
                                     lambda s, n: (s[..., (n - 1) // 2] + s[..., n // 2]) / 2.0)

    def _each_q(self, pick, q):
        """`pick(q)` for one q, or stacked over the elements of a 1-D array q (NumPy's axis of q first)."""
        if onp.ndim(getval(q)) == 0:
            return pick(q)
        return self._anp.stack([pick(q[k]) for k in range(onp.shape(getval(q))[0])])

    def _lerp(self, s, n, q):
        position = (n - 1) * q
        low = int(onp.floor(getval(position)))
        high = min(low + 1, n - 1)
        return s[..., low] + (s[..., high] - s[..., low]) * (position - low)

    def _diff(self, a, n=1, axis=-1, prepend=None, append=None):
        """NumPy's concatenation of prepend, a and append (a scalar broadcast to length 1 along the axis), then
        autograd's np.diff: its own np.diff reads the ends with np.asanyarray, which a traced value is not."""
        np = self._anp
        if prepend is None and append is None:
            return np.diff(a, n=n, axis=axis)
        shape = list(onp.shape(getval(a)))
        shape[axis] = 1
        ends = [e if e is None or hasattr(e, "_value") else onp.asarray(e) for e in (prepend, append)]
        ends = [e if e is None or onp.ndim(getval(e)) else e * onp.ones(shape) for e in ends]  # (autograd's
        # broadcast_to has no VJP for added leading axes; `* 1.0` keeps every value)
        parts = [e for e in ends[:1] if e is not None] + [a] + [e for e in ends[1:] if e is not None]
        return np.diff(np.concatenate(parts, axis=axis), n=n, axis=axis)

    def _by_method(self, s, n, q, method):
        """The sorted values at the virtual index NumPy's table gives the method (`numpy.lib._function_base_impl`):
        the element there, or the two neighbours weighted by the method's gamma."""
        from numpy.lib._function_base_impl import _QuantileMethods

        props = _QuantileMethods[method]
        virtual = onp.asanyarray(props["get_virtual_index"](n, onp.asanyarray(q)))
        if props["fix_gamma"] is None:
            return s[..., int(virtual)]
        low = min(max(int(onp.floor(virtual)), 0), n - 1)
        high = min(low + 1, n - 1) if 0 <= virtual < n - 1 else low
        gamma = float(props["fix_gamma"](onp.asanyarray(virtual - onp.floor(virtual)), virtual))
        return s[..., low] + (s[..., high] - s[..., low]) * gamma

    def _quantile(self, x, q, axis=None, keepdims=False, method="linear"):
        pick = (lambda s, n: self._each_q(lambda one: self._lerp(s, n, one), q)) if method == "linear" else \
            (lambda s, n: self._each_q(lambda one: self._by_method(s, n, one, method), q))
        return self._order_statistic("quantile", x, axis, keepdims, pick, q, **(
            {} if method == "linear" else {"method": method}))

    def _percentile(self, x, q, axis=None, keepdims=False, method="linear"):
        pick = (lambda s, n: self._each_q(lambda one: self._lerp(s, n, one / 100), q)) if method == "linear" else \
            (lambda s, n: self._each_q(lambda one: self._by_method(s, n, one / 100, method), q))
        return self._order_statistic("percentile", x, axis, keepdims, pick, q, **(
            {} if method == "linear" else {"method": method}))

    def _nanmedian(self, x, axis=None, keepdims=False):
        if onp.any(onp.isnan(getval(x))):
            return onp.nanmedian(getval(x), axis=axis, keepdims=keepdims)
        rewrite = self._median(x, axis=axis, keepdims=keepdims)
        return (rewrite - getval(rewrite)) + onp.nanmedian(getval(x), axis=axis, keepdims=keepdims)

    def _nanpercentile(self, x, q, axis=None, keepdims=False):
        if onp.any(onp.isnan(getval(x))):
            return onp.nanpercentile(getval(x), q, axis=axis, keepdims=keepdims)
        rewrite = self._percentile(x, q, axis=axis, keepdims=keepdims)
        return (rewrite - getval(rewrite)) + onp.nanpercentile(getval(x), q, axis=axis, keepdims=keepdims)

    def _interp(self, x, xp, fp, left=None, right=None):
        np = self._anp
        xv, xpv = onp.asarray(getval(x), float), onp.asarray(getval(xp), float)
        j = onp.clip(onp.searchsorted(xpv, xv, side="right") - 1, 0, len(xpv) - 2)
        inside = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]) * (x - xp[j]) + fp[j]
        rewrite = np.where(xv < xpv[0], fp[0] if left is None else left,
                           np.where(xv > xpv[-1], fp[-1] if right is None else right, inside))
        return self._exact("interp", rewrite, x, xp, fp, left=getval(left), right=getval(right))

    def _unique(self, x, return_index=False, return_inverse=False, return_counts=False, equal_nan=True):
        if return_index or return_inverse or return_counts or not equal_nan:
            return self._unique_outputs(x, return_index, return_inverse, return_counts, equal_nan)
        flat = self._anp.reshape(x, (-1,))
        s = self._anp.sort(flat)
        sv = getval(s)
        keep = onp.concatenate((onp.ones(min(sv.size, 1), bool), sv[1:] != sv[:-1]))
        return self._exact("unique", s[keep], x)

    def _unique_outputs(self, x, index, inverse, counts, equal_nan):
        """The values gathered through NumPy's own sorting permutation (mergesort where the first indices are
        asked for), the other outputs NumPy's (integers, untraced)."""
        exact = onp.unique(getval(x), return_index=index, return_inverse=inverse, return_counts=counts,
                           equal_nan=equal_nan)
        exact = exact if isinstance(exact, tuple) else (exact,)
        flat = self._anp.reshape(x, (-1,))
        perm = onp.argsort(getval(flat), kind="mergesort" if index else "quicksort")
        aux = getval(flat)[perm]
        changes = aux[1:] != aux[:-1]
        if equal_nan:
            changes &= ~(onp.isnan(aux[1:]) & onp.isnan(aux[:-1])) if aux.dtype.kind == "f" else True
        kept = perm[onp.concatenate((onp.ones(min(aux.size, 1), bool), changes))]
        values = (flat[kept] - getval(flat[kept])) + exact[0]
        return (values,) + tuple(exact[1:]) if len(exact) > 1 else values

    def _cumulative_sum(self, x, axis=None, dtype=None, include_initial=False):
        return self._cumulative("cumulative_sum", x, axis, dtype, include_initial)

    def _cumulative_prod(self, x, axis=None, dtype=None, include_initial=False):
        return self._cumulative("cumulative_prod", x, axis, dtype, include_initial)

    def _cumulative(self, name, x, axis, dtype, include_initial):
        """NumPy 2's cumulative_sum/prod: np.cumsum or the running product along the axis, the identity first."""
        np = self._anp
        exact = getattr(onp, name)(getval(x), axis=axis, dtype=dtype, include_initial=include_initial)
        if dtype is not None or onp.asarray(getval(x)).dtype.kind != "f":
            return exact
        x = np.reshape(x, (-1,)) if onp.ndim(getval(x)) == 0 else x
        along = 0 if axis is None else axis
        rewrite = np.cumsum(x, axis=along) if name == "cumulative_sum" else self._running_product(x, along)
        if include_initial:
            shape = list(onp.shape(getval(rewrite)))
            shape[along] = 1
            rewrite = np.concatenate([onp.full(shape, 0.0 if name == "cumulative_sum" else 1.0), rewrite], axis=along)
        return (rewrite - getval(rewrite)) + exact

    def _choose(self, a, choices, mode="raise"):
        """NumPy's value, with the derivative of the choice each position reads (nested np.where)."""
        np = self._anp
        exact = onp.choose(getval(a), [getval(c) for c in choices], mode=mode)
        index = onp.asarray(getval(a))
        count = len(choices)
        index = index % count if mode == "wrap" else onp.clip(index, 0, count - 1)
        rewrite = choices[-1] + onp.zeros(onp.shape(exact))
        for k in range(count - 2, -1, -1):
            rewrite = np.where(index == k, choices[k], rewrite)
        return (rewrite - getval(rewrite)) + exact

    def _correlate(self, a, v, mode="valid"):
        """np.correlate as np.convolve of the reversed operand (its definition for real arrays)."""
        n, m = onp.size(getval(a)), onp.size(getval(v))
        full = self._convolve(a, v[::-1], "full") if n >= m else self._convolve(v, a[::-1], "full")[::-1]
        same = (m - 1) // 2 if n >= m else n // 2  # (n < m: the reversed slice of (v, a)'s from (n - 1) // 2)
        start = 0 if mode == "full" else same if mode == "same" else min(n, m) - 1
        length = n + m - 1 if mode == "full" else max(n, m) if mode == "same" else max(n, m) - min(n, m) + 1
        rewrite = full[start:start + length]
        return (rewrite - getval(rewrite)) + onp.correlate(getval(a), getval(v), mode=mode)

    def _cov(self, m, y=None, rowvar=True, bias=False, ddof=None, dtype=None):
        """np.cov written out (rows less their means, `X @ X.T / fact`), with NumPy's value."""
        np = self._anp
        rows = lambda a, keep: np.reshape(a, (1, -1)) if onp.ndim(getval(a)) < 2 else a if keep else a.T  # noqa
        x = rows(m, rowvar or onp.ndim(getval(m)) == 1)
        if y is not None:
            x = np.concatenate([x, rows(y, rowvar or onp.shape(onp.atleast_2d(getval(y)))[0] == 1)], axis=0)
        ddof = (0 if bias else 1) if ddof is None else ddof
        centred = x - np.mean(x, axis=1, keepdims=True)
        rewrite = np.dot(centred, centred.T) / max(onp.shape(getval(x))[1] - ddof, 0.0)
        rewrite = np.reshape(rewrite, ()) if onp.shape(getval(rewrite)) == (1, 1) else rewrite
        return (rewrite - getval(rewrite)) + onp.cov(getval(m), None if y is None else getval(y), rowvar, bias,
                                                     ddof, dtype=dtype)

    def _corrcoef(self, x, y=None, rowvar=True, dtype=None):
        """np.corrcoef as the covariance over the standard deviations, with NumPy's value."""
        np = self._anp
        c = self._cov(x, y, rowvar)
        d = np.sqrt(np.diag(c))
        rewrite = c / d[:, None] / d[None, :]
        return (rewrite - getval(rewrite)) + onp.corrcoef(getval(x), None if y is None else getval(y), rowvar,
                                                          dtype=dtype)

    def _histogram(self, a, bins=10, range=None, density=None, weights=None):
        """NumPy's value; the edges' derivative that of `first + (last - first) * k / bins` (the data's min and max
        where no range is given), the weighted counts' that of the weights in each bin."""
        np = self._anp
        hist, edges = onp.histogram(getval(a), bins=bins, range=range, density=density,
                                    weights=None if weights is None else getval(weights))
        if range is None and isinstance(bins, int):  # (explicit edges: returned as given)
            flat = np.reshape(a, (-1,))
            first, last = np.min(flat), np.max(flat)
            rewrite = first + (last - first) * (onp.arange(bins + 1) / bins)
            edges = (rewrite - getval(rewrite)) + edges
        if weights is not None and not density:
            flat_a, flat_w = onp.ravel(getval(a)), np.reshape(weights, (-1,))
            inside = [(flat_a >= lo) & ((flat_a < hi) | (k == bins - 1) & (flat_a <= hi))
                      for k, (lo, hi) in enumerate(zip(getval(edges)[:-1], getval(edges)[1:]))]
            rewrite = np.stack([np.sum(flat_w * mask) for mask in inside])
            hist = (rewrite - getval(rewrite)) + hist
        return hist, edges

    def _polyint(self, p, m=1, k=None):
        """NumPy's recursion: `concatenate((p / arange(len(p), 0, -1), [k[0]]))`, m times."""
        np = self._anp
        ks = onp.zeros(m, float) if k is None else onp.atleast_1d(k)
        ks = ks[0] * onp.ones(m, float) if len(ks) == 1 and m > 1 else ks
        y = p
        for step in range(m):
            y = np.concatenate((y / onp.arange(onp.size(getval(y)), 0, -1), onp.array([ks[step]], float)))
        return (y - getval(y)) + onp.polyint(getval(p), m, k)

    def _unstack(self, x, axis=0):
        np = self._anp
        moved = np.moveaxis(x, axis, 0)
        return tuple(moved[i] for i in range(onp.shape(getval(moved))[0]))

    def _trim_zeros(self, filt, trim="fb", axis=None):
        """The slice between the first and last nonzero elements NumPy finds (1-D)."""
        exact = onp.trim_zeros(getval(filt), trim, axis)
        values = onp.asarray(getval(filt))
        if values.ndim != 1:
            return exact
        nonzero = onp.flatnonzero(values)
        if nonzero.size == 0:
            return exact
        start = nonzero[0] if "f" in trim.lower() else 0
        stop = nonzero[-1] + 1 if "b" in trim.lower() else values.size
        rewrite = filt[start:stop]
        return (rewrite - getval(rewrite)) + exact

    def _first_occurrences(self, name, *arrays, **kwargs):
        """NumPy's set function's value, with the derivative of each value's first occurrence in the arrays
        flattened one after the other (equal values: `==`, or both NaN)."""
        np = self._anp
        exact = getattr(onp, name)(*[getval(a) for a in arrays], **kwargs)
        flat = np.concatenate([np.reshape(a, (-1,)) for a in arrays])
        values = getval(flat)
        same = lambda v: (values == v) | (onp.isnan(values) & onp.isnan(v)) if values.dtype.kind == "f" \
            else values == v  # noqa: E731
        rewrite = flat[onp.array([onp.argmax(same(v)) for v in exact], dtype=int)]
        return (rewrite - getval(rewrite)) + exact

    def _union1d(self, a, b):
        return self._first_occurrences("union1d", a, b)

    def _intersect1d(self, a, b, assume_unique=False):
        return self._first_occurrences("intersect1d", a, b, assume_unique=assume_unique)

    def _setdiff1d(self, a, b, assume_unique=False):
        return self._first_occurrences("setdiff1d", a, b, assume_unique=assume_unique)

    def _setxor1d(self, a, b, assume_unique=False):
        return self._first_occurrences("setxor1d", a, b, assume_unique=assume_unique)

    def _unique_values(self, x):
        return self._first_occurrences("unique_values", x)

    def _unique_counts(self, x):
        return self._unique_outputs(x, False, False, True, False)

    def _unique_inverse(self, x):
        return self._unique_outputs(x, False, True, False, False)

    def _unique_all(self, x):
        return self._unique_outputs(x, True, True, True, False)

    def _searchsorted(self, a, v, side="left", sorter=None):
        return onp.searchsorted(getval(a), getval(v), side=side, sorter=sorter)

    def _digitize(self, x, bins, right=False):
        return onp.digitize(getval(x), getval(bins), right=right)
