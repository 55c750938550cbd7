"""GradBench `ht`: ADBench's hand tracking, the residuals of a skinned hand model (`objective`) and the Jacobian.

`skinned_vertices` follows the reference: the 26 parameters become a 3 x (bones + 3) pose matrix through a
constant index table (`pose_index`, into theta followed by 0 and 1; built from the bone count outside the timed
calls); per bone an Euler rotation Rz Ry Rx and the posed relative transform; the absolute transforms follow the
parent chain in a loop (`absolutes[i] = absolutes[parent] @ relatives[i]`, in place); each vertex is the weighted
sum of its bones' transforms applied to its base position; then the mirror and the global angle-axis rotation,
scale and translation. The `complicated` variant's residual i is points_i minus the barycentric combination, with
weights u_i, of the corners of the triangle it corresponds to.

The Jacobian is the reference's dense (3 npts) x (2 + 26) matrix: the 26 theta columns from `jacfwd` (one
forward sweep carrying the 26 basis tangents as a batch), and the two u columns, which are block-diagonal
(residual i depends on u_i only), from the `jvp` w.r.t. us batched over the tangents (1, 0) and (0, 1) on every
row (`vmap` of `jvp`: one sweep for both). The `simple` variant (no us) is not ported.
"""
import numpy as np

SOURCE = '''
import numpy as np
from lifted import jacfwd, jvp, kernel, vmap


@kernel
def matrices(entries: "f64[9,b]") -> "f64[b,3,3]":
    return np.transpose(entries).reshape(entries.shape[1], 3, 3)


@kernel
def euler_rotations(angles: "f64[3,b]") -> "f64[b,3,3]":
    cx, sx = np.cos(angles[0]), np.sin(angles[0])
    cy, sy = np.cos(angles[2]), np.sin(angles[2])
    cz, sz = np.cos(angles[1]), np.sin(angles[1])
    one, zero = np.ones_like(cx), np.zeros_like(cx)
    rx = matrices(np.stack((one, zero, zero, zero, cx, -sx, zero, sx, cx)))
    ry = matrices(np.stack((cy, zero, sy, zero, one, zero, -sy, zero, cy)))
    rz = matrices(np.stack((cz, -sz, zero, sz, cz, zero, zero, zero, one)))
    return np.einsum("bij,bjk->bik", np.einsum("bij,bjk->bik", rz, ry), rx)


@kernel
def angle_axis_rotation(v: "f64[3]") -> "f64[3,3]":
    norm = np.sqrt(np.sum(v * v))
    if norm < 0.0001:
        identity = np.zeros((3, 3))
        identity[0, 0] = 1.0
        identity[1, 1] = 1.0
        identity[2, 2] = 1.0
        return identity
    x, y, z = v[0] / norm, v[1] / norm, v[2] / norm
    s, c = np.sin(norm), np.cos(norm)
    return np.stack((x * x + (1.0 - x * x) * c, x * y * (1.0 - c) - z * s, x * z * (1.0 - c) + y * s,
                     x * y * (1.0 - c) + z * s, y * y + (1.0 - y * y) * c, y * z * (1.0 - c) - x * s,
                     x * z * (1.0 - c) - y * s, z * y * (1.0 - c) + x * s, z * z + (1.0 - z * z) * c)).reshape(3, 3)


@kernel
def skinned_vertices(theta: "f64[26]", pose_index: "i64[3,q]", parents: "i64[b]", base_relatives: "f64[b,4,4]",
                     inverse_base_absolutes: "f64[b,4,4]", base_positions: "f64[v,4]", weights: "f64[v,b]",
                     mirror: "f64[3]") -> "f64[3,v]":
    pose = np.concatenate((theta, np.zeros(1), np.ones(1)))[pose_index]
    rotations = euler_rotations(pose[:, 3:])
    relatives = np.concatenate((np.einsum("bij,bjk->bik", base_relatives[:, :, 0:3], rotations),
                                base_relatives[:, :, 3:4]), axis=2)
    absolutes = relatives.copy()
    for i in range(parents.shape[0]):
        parent = parents[i]
        if parent >= 0:
            absolutes[i] = absolutes[parent] @ relatives[i]
    transforms = np.einsum("bij,bjk->bik", absolutes[:, 0:3, :], inverse_base_absolutes)
    skin = (weights[:, :, None] * base_positions[:, None, :]).reshape(weights.shape[0], -1)
    positions = (np.transpose(transforms, (1, 0, 2)).reshape(3, -1) @ np.transpose(skin)) * mirror[:, None]
    rotation = angle_axis_rotation(pose[:, 0]) * pose[:, 1][None, :]
    return rotation @ positions + pose[:, 2][:, None]


@kernel
def objective(theta: "f64[26]", us: "f64[n,2]", pose_index: "i64[3,q]", parents: "i64[b]",
              base_relatives: "f64[b,4,4]", inverse_base_absolutes: "f64[b,4,4]", base_positions: "f64[v,4]",
              weights: "f64[v,b]", mirror: "f64[3]", triangles: "i64[t,3]", correspondences: "i64[n]",
              points: "f64[n,3]") -> "f64[n,3]":
    vertices = skinned_vertices(theta, pose_index, parents, base_relatives, inverse_base_absolutes, base_positions,
                                weights, mirror)
    corners = triangles[correspondences]
    hand = (us[:, 0] * vertices[:, corners[:, 0]] + us[:, 1] * vertices[:, corners[:, 1]]
            + (1.0 - us[:, 0] - us[:, 1]) * vertices[:, corners[:, 2]])
    return points - np.transpose(hand)


objective_theta_jacobian = jacfwd(objective, wrt="theta")
objective_jvp_us = jvp(objective, wrt="us")
objective_u_columns = vmap(objective_jvp_us,
                           in_axes=(None, None, None, None, None, None, None, None, None, None, None, None, 0))
'''


def pose_index(bones: int) -> np.ndarray:
    """Where each entry of the 3 x (bones + 3) pose matrix comes from: theta[k], 26 (a zero) or 27 (a one).

    Column 0 is the global rotation theta[0:3], column 1 the global scale (ones), column 2 the translation
    theta[3:6]; then, for each of the five fingers, three bones get an angle each (the first of them a second
    one) and the next bone none, as the reference's `to_pose_params` reads them."""
    zero, one = 26, 27
    index = np.full((3, bones + 3), zero, dtype=np.int64)
    index[:, 0], index[:, 1], index[:, 2] = (0, 1, 2), one, (3, 4, 5)
    k, column = 6, 5
    for _finger in range(5):
        for joint in range(2, 5):
            index[0, column] = k
            k += 1
            if joint == 2:
                index[1, column] = k
                k += 1
            column += 1
        column += 1
    return index


def prepare(function, input):
    us = np.asarray(input["us"], dtype=np.float64)
    if us.size == 0:
        raise ValueError("the `simple` ht variant (no us) is not ported; run the eval's default `complicated` variant")
    data, model = input["data"], input["data"]["model"]
    parents = np.asarray(model["parents"], dtype=np.int64)
    if np.any(parents >= np.arange(len(parents))):
        raise ValueError("a bone's parent must come before it")
    mirror = np.array([-1.0 if model["is_mirrored"] else 1.0, 1.0, 1.0])
    return (np.asarray(input["theta"], dtype=np.float64), us.reshape(-1, 2), pose_index(len(parents)), parents,
            np.asarray(model["base_relatives"], dtype=np.float64),
            np.asarray(model["inverse_base_absolutes"], dtype=np.float64),
            np.asarray(model["base_positions"], dtype=np.float64), np.asarray(model["weights"], dtype=np.float64),
            mirror, np.asarray(model["triangles"], dtype=np.int64),
            np.asarray(data["correspondences"], dtype=np.int64), np.asarray(data["points"], dtype=np.float64))


def entry(generated, function):
    """The timed callables: the residuals, or the (3 npts) x 28 Jacobian (u columns, then theta columns)."""
    if function == "objective":
        return generated.objective

    def jacobian(theta, us, *model):
        directions = np.zeros((2,) + us.shape)
        directions[0, :, 0] = directions[1, :, 1] = 1.0
        _, tangents = generated.objective_u_columns(theta, us, *model, directions)
        thetas = generated.objective_theta_jacobian(theta, us, *model).reshape(-1, theta.shape[0])
        return np.concatenate((tangents.reshape(2, -1).T, thetas), axis=1)

    return jacobian


def output(function, value):
    return np.asarray(value).reshape(-1).tolist() if function == "objective" else np.asarray(value).tolist()
