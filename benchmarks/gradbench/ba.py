"""GradBench `ba`: ADBench's bundle adjustment, reprojection errors (`objective`) and their sparse Jacobian.

`residuals` computes the 2 reprojection errors of every observation at once from that observation's camera,
point and weight (rows of arrays gathered by the caller): Rodrigues rotation, projection, radial distortion; a
rotation of angle 0 takes the reference's other branch (X + rot x X), written as a `where` whose untaken side
stays finite. Row i of the output depends on row i of each input only, so the vector-Jacobian product with the
cotangent (1, 0) on every row gives every observation's d err_x / d(camera, point, w) at once, and (0, 1) its
d err_y: `residual_rows` is that vector-Jacobian product batched over the two cotangents (`vmap` of `vjp`, one
reverse sweep carrying both), which fills the 2 x p x 15 Jacobian blocks, and `weight_error_vjp` gives
d(1 - w_i^2)/dw_i. The timed `objective` and `jacobian` include the gathers, and `jacobian` builds the compressed
sparse rows as the reference does; the eval compares the first observation's block and the last weight entry
(its inputs repeat one observation).
"""
import numpy as np

CAMERA = 11  # r1 r2 r3 C1 C2 C3 f u0 v0 k1 k2

SOURCE = '''
import numpy as np
from lifted import kernel, vjp, vmap


@kernel
def cross(a: "f64[p,3]", b: "f64[p,3]") -> "f64[p,3]":
    return np.stack((a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
                     a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                     a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]), axis=1)


@kernel
def rodrigues(rot: "f64[p,3]", x: "f64[p,3]") -> "f64[p,3]":
    squared = np.sum(rot * rot, axis=1)
    turning = squared != 0.0
    theta = np.sqrt(np.where(turning, squared, 1.0))
    axis = rot / theta[:, None]
    cosine = np.cos(theta)[:, None]
    along = np.sum(axis * x, axis=1)[:, None] * (1.0 - cosine)
    rotated = x * cosine + cross(axis, x) * np.sin(theta)[:, None] + axis * along
    return np.where(turning[:, None], rotated, x + cross(rot, x))


@kernel
def residuals(cam: "f64[p,11]", x: "f64[p,3]", w: "f64[p]", feats: "f64[p,2]") -> "f64[p,2]":
    rotated = rodrigues(cam[:, 0:3], x - cam[:, 3:6])
    projected = rotated[:, 0:2] / rotated[:, 2:3]
    squared = np.sum(projected * projected, axis=1)[:, None]
    distorted = projected * (1.0 + cam[:, 9:10] * squared + cam[:, 10:11] * squared * squared)
    return w[:, None] * (distorted * cam[:, 6:7] + cam[:, 7:9] - feats)


@kernel
def weight_error(w: "f64[p]") -> "f64[p]":
    return 1.0 - w * w


residuals_vjp = vjp(residuals, wrt=("cam", "x", "w"))
residual_rows = vmap(residuals_vjp, in_axes=(None, None, None, None, 0))
weight_error_vjp = vjp(weight_error)
'''


def prepare(function, input):
    """The eval's input is one camera, point, weight and feature, repeated as the reference repeats them."""
    n, m, p = int(input["n"]), int(input["m"]), int(input["p"])
    observation = np.arange(p)
    return (np.tile(np.asarray(input["cam"], dtype=np.float64), (n, 1)),
            np.tile(np.asarray(input["x"], dtype=np.float64), (m, 1)), np.full(p, float(input["w"])),
            observation % n, observation % m, np.tile(np.asarray(input["feat"], dtype=np.float64), (p, 1)))


def entry(generated, function):
    """The timed callables: both error vectors, or the whole sparse Jacobian (values, rows, columns)."""
    # the gathers as np.take (NumPy's fancy indexing of rows took twice as long at ba6's 277273 rows)
    if function == "objective":
        return lambda cams, points, w, camera, point, feats: (
            generated.residuals(np.take(cams, camera, axis=0), np.take(points, point, axis=0), w, feats),
            generated.weight_error(w))

    def jacobian(cams, points, w, camera, point, feats):
        cam, x = np.take(cams, camera, axis=0), np.take(points, point, axis=0)
        p = w.shape[0]
        cotangents = np.zeros((2, p, 2))
        cotangents[0, :, 0] = cotangents[1, :, 1] = 1.0
        _, (dcam, dx, dw) = generated.residual_rows(cam, x, w, feats, cotangents)
        _, weight = generated.weight_error_vjp(w, np.ones_like(w))
        n, m = cams.shape[0], points.shape[0]
        width = CAMERA + 3 + 1
        # every array is written once, in place: the p x 2 blocks, then the p weight entries
        values = np.empty(2 * p * width + p)
        blocks = values[:2 * p * width].reshape(p, 2, width)
        blocks[:, :, :CAMERA] = np.transpose(dcam, (1, 0, 2))
        blocks[:, :, CAMERA:-1] = np.transpose(dx, (1, 0, 2))
        blocks[:, :, -1] = np.transpose(dw)
        values[2 * p * width:] = weight
        # the indices as the reference keeps them (C++ `int`); an observation's two rows share their columns,
        # made once per observation and written to both rows in one pass
        # (in int32 throughout: no int64 temporaries cast on the way in)
        row_columns = np.empty((p, width), dtype=np.int32)
        np.add((CAMERA * camera).astype(np.int32)[:, None], np.arange(CAMERA, dtype=np.int32),
               out=row_columns[:, :CAMERA])
        np.add((CAMERA * n + 3 * point).astype(np.int32)[:, None], np.arange(3, dtype=np.int32),
               out=row_columns[:, CAMERA:-1])
        row_columns[:, -1] = np.arange(CAMERA * n + 3 * m, CAMERA * n + 3 * m + p, dtype=np.int32)
        columns = np.empty(2 * p * width + p, dtype=np.int32)
        columns[:2 * p * width].reshape(p, 2, width)[:] = row_columns[:, None, :]
        columns[2 * p * width:] = row_columns[:, -1]
        rows = np.concatenate((np.arange(0, 2 * p * width + 1, width, dtype=np.int32),
                               2 * p * width + np.arange(1, p + 1, dtype=np.int32)))
        return values, rows, columns

    return jacobian


def output(function, value):
    if function == "objective":
        reprojection, weight = value
        return {"reproj_error": {"elements": reprojection[0].tolist(), "repeated": int(reprojection.shape[0])},
                "w_err": {"element": float(weight[0]), "repeated": int(weight.shape[0])}}
    values, rows, columns = value
    first = 2 * (CAMERA + 3 + 1)  # the first observation's block, then the last entry, as the reference prints
    return {name: np.concatenate((array[:first], array[-1:])).tolist()
            for name, array in (("rows", rows), ("cols", columns), ("vals", values))}
