"""The GradBench eval ports compute the right derivatives on tiny inputs: each generated derivative agrees with
central finite differences in float64 and with autograd (on the same source, or on an independent formula where
the source mutates arrays, which autograd cannot run). The real evals validate the full sizes through
`benchmarks.gradbench.runner`; these tests keep the default suite fast and need no GradBench checkout.
"""
from __future__ import annotations

import functools
import io
import json
import os
import shutil

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source

autograd = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402

from benchmarks.gradbench import ba, det, ht, kmeans, lstm, ode  # noqa: E402
from benchmarks.gradbench.tool import serve  # noqa: E402


@functools.lru_cache(maxsize=None)
def generated(eval_module):
    """The eval's kernel module transpiled and loaded once per test session."""
    return load_source(eval_module.SOURCE, f"{eval_module.__name__.rsplit('.', 1)[-1]}_kernel.py")


def exchange(*messages, backend: str = "numpy") -> list[dict]:
    lines = "".join(json.dumps({"id": i} | m) + "\n" for i, m in enumerate(messages))
    out = io.StringIO()
    serve(io.StringIO(lines), out, backend=backend)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def evaluate(module: str, function: str, input: dict, backend: str = "numpy", defined: dict | None = None):
    """The tool's output for one evaluation (`defined` receives the define response)."""
    _, define, response = exchange({"kind": "start"}, {"kind": "define", "module": module},
                                   {"kind": "evaluate", "module": module, "function": function,
                                    "input": input | {"min_runs": 1, "min_seconds": 0}}, backend=backend)
    assert define["success"], define
    assert response["success"], response.get("error")
    if defined is not None:
        defined.update(define)
    return response["output"]


# ode ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,s", [(1, 1), (5, 1), (6, 3)])
def test_ode_gradient_agrees_with_finite_differences_and_autograd(n, s):
    kernels = generated(ode)
    x = np.random.default_rng(n + s).uniform(0.5, 1.5, size=n)
    gradient = kernels.gradient(x, s)
    assert_close(gradient, central_difference(lambda x: kernels.primal(x, s)[-1], [x], 0),
                 rtol=1e-6, atol=1e-9, what="ode gradient vs FD")
    oracle = autograd_kernels(ode.SOURCE)
    assert_close(kernels.primal(x, s), oracle["primal"](x, s), rtol=1e-14, what="ode primal")
    assert_close(gradient, autograd.grad(oracle["last"])(x, s), rtol=1e-12, atol=1e-15, what="ode vs autograd")


def test_ode_exact_for_a_low_degree_solution():
    """With n = 3 the solution is a polynomial of degree 3 in t, which classical RK4 integrates exactly."""
    x = np.array([0.5, 2.0, -1.5])
    y = evaluate("ode", "primal", {"x": x.tolist(), "s": 2})
    t = 2.0
    expected = [x[0] * t, x[0] * x[1] * t ** 2 / 2, x[0] * x[1] * x[2] * t ** 3 / 6]
    assert y == pytest.approx(expected, rel=1e-12)
    assert evaluate("ode", "gradient", {"x": x.tolist(), "s": 2}) == pytest.approx(
        [expected[2] / v for v in x], rel=1e-12)


# kmeans ---------------------------------------------------------------------------------------------------------

def kmeans_inputs(n=9, k=3, d=2, seed=0):
    points = np.random.default_rng(seed).random((n, d))
    return points, points[-k:].copy() + 0.01  # every centroid keeps at least its own point


def direct_cost(points, centroids):
    """The eval's definition, written independently of the kernel (an n x k x d difference)."""
    return anp.sum(anp.min(anp.sum((points[:, None, :] - centroids[None, :, :]) ** 2, axis=2), axis=1))


def test_kmeans_gradient_and_hessian_diagonal_agree_with_finite_differences_and_autograd():
    kernels = generated(kmeans)
    points, centroids = kmeans_inputs()
    assert kernels.cost(points, centroids) == pytest.approx(float(direct_cost(points, centroids)), rel=1e-12)
    gradient, hvp_ones = kernels.grad_and_hvp(points, centroids, np.ones_like(centroids))
    assert_close(gradient, kernels.cost_grad(points, centroids), rtol=1e-14, what="jvp(grad) primal output")
    assert_close(gradient, central_difference(kernels.cost, [points, centroids], 1), rtol=1e-6, atol=1e-8,
                 what="kmeans gradient vs FD")
    assert_close(gradient, autograd.grad(direct_cost, 1)(points, centroids), rtol=1e-12, what="vs autograd")
    assert_close(gradient, autograd.grad(autograd_kernels(kmeans.SOURCE)["cost"], 1)(points, centroids),
                 rtol=1e-12, what="vs autograd on the kernel source")
    # The Hessian is diagonal, so H @ ones is its diagonal.
    size = centroids.size
    hessian = autograd.hessian(direct_cost, 1)(points, centroids).reshape(size, size)
    assert_close(hessian, np.diag(np.diag(hessian)), atol=0, what="the kmeans Hessian is diagonal")
    assert_close(hvp_ones.reshape(-1), np.diag(hessian), rtol=1e-12, what="Hessian diagonal vs autograd")
    fd = [central_difference(lambda c: kernels.cost_grad(points, c)[j, l], [centroids], 0)[j, l]
          for j in range(centroids.shape[0]) for l in range(centroids.shape[1])]
    assert_close(hvp_ones.reshape(-1), fd, rtol=1e-6, what="Hessian diagonal vs FD of the gradient")


def test_kmeans_tool_dir_is_the_newton_step_to_the_cluster_means():
    points, centroids = kmeans_inputs(n=12, k=4, d=3, seed=1)
    output = evaluate("kmeans", "dir", {"points": points.tolist(), "centroids": centroids.tolist()})
    closest = np.argmin(((points[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    expected = [centroids[j] - points[closest == j].mean(axis=0) for j in range(len(centroids))]
    assert_close(np.array(output), np.array(expected), rtol=1e-12, atol=1e-14, what="kmeans dir")
    cost = evaluate("kmeans", "cost", {"points": points.tolist(), "centroids": centroids.tolist()})
    assert cost == pytest.approx(float(direct_cost(points, centroids)), rel=1e-12)


# det ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ell", [1, 2, 3, 5])
def test_det_expansion_by_minors_and_its_gradient(ell):
    kernels = generated(det)
    a = np.random.default_rng(ell).random((ell, ell))
    tables = det.tables(ell)
    assert kernels.primal(a, *tables) == pytest.approx(np.linalg.det(a), rel=1e-12, abs=1e-15)
    gradient = kernels.gradient(a, *tables)
    assert_close(gradient, central_difference(lambda a: kernels.primal(a, *tables), [a], 0),
                 rtol=1e-6, atol=1e-9, what="det gradient vs FD")
    assert_close(gradient, autograd.grad(anp.linalg.det)(a), rtol=1e-10, atol=1e-14, what="det vs autograd")


def test_det_tool_output_is_row_major():
    a = np.array([[2.0, 1.0, 0.5], [0.0, 3.0, 1.0], [1.0, -1.0, 4.0]])
    assert evaluate("det", "primal", {"A": a.reshape(-1).tolist(), "ell": 3}) == pytest.approx(np.linalg.det(a))
    cofactors = np.linalg.det(a) * np.linalg.inv(a).T
    assert evaluate("det", "gradient", {"A": a.reshape(-1).tolist(), "ell": 3}) == pytest.approx(
        cofactors.reshape(-1).tolist())


# lstm -----------------------------------------------------------------------------------------------------------

def lstm_inputs(layers=2, bits=3, chars=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((layers, 8, bits)), rng.random((3, bits)), rng.random((layers, 2, bits)),
            (rng.random((chars, bits)) > 0.5).astype(np.float64))


def lstm_loss(main, extra, state, sequence):
    """ADBench's LSTM loss written independently of the kernel: state as Python lists, no in-place updates."""
    def sigmoid(x):
        return 1.0 / (1.0 + anp.exp(-x))

    hidden, cell = [state[i, 0] for i in range(len(state))], [state[i, 1] for i in range(len(state))]
    total = 0.0
    for t in range(len(sequence) - 1):
        x = sequence[t] * extra[0]
        for i in range(len(main)):
            gates = [main[i, g] for g in range(4)], [main[i, 4 + g] for g in range(4)]
            forget = sigmoid(x * gates[0][0] + gates[1][0])
            ingate = sigmoid(hidden[i] * gates[0][1] + gates[1][1])
            outgate = sigmoid(x * gates[0][2] + gates[1][2])
            change = anp.tanh(hidden[i] * gates[0][3] + gates[1][3])
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * anp.tanh(cell[i])
            x = hidden[i]
        prediction = x * extra[1] + extra[2]
        total = total + anp.sum(sequence[t + 1] * (prediction - anp.log(anp.sum(anp.exp(prediction)) + 2.0)))
    return -total / ((len(sequence) - 1) * sequence.shape[1])


def test_lstm_gradient_agrees_with_finite_differences_and_autograd():
    kernels = generated(lstm)
    args = lstm_inputs()
    state = args[2].copy()
    assert kernels.objective(*args) == pytest.approx(float(lstm_loss(*args)), rel=1e-13)
    dmain, dextra = kernels.jacobian(*args)
    assert_close(args[2], state, atol=0, what="the kernel leaves its state input alone")
    for index, gradient in ((0, dmain), (1, dextra)):
        assert_close(gradient, central_difference(kernels.objective, list(args), index), rtol=1e-6, atol=1e-9,
                     what=f"lstm gradient {index} vs FD")
        assert_close(gradient, autograd.grad(lstm_loss, index)(*args), rtol=1e-11, atol=1e-14,
                     what=f"lstm gradient {index} vs autograd")


def test_lstm_tool_reads_the_eval_layout():
    main, extra, state, sequence = lstm_inputs(layers=2, bits=3, chars=5, seed=2)
    input = {"main_params": main.reshape(4, 12).tolist(), "extra_params": extra.tolist(),
             "state": state.reshape(4, 3).tolist(), "sequence": sequence.tolist()}
    assert evaluate("lstm", "objective", input) == pytest.approx(float(lstm_loss(main, extra, state, sequence)))
    expected = np.concatenate([g.reshape(-1) for g in autograd.grad(lstm_loss, (0, 1))(main, extra, state, sequence)])
    assert_close(evaluate("lstm", "jacobian", input), expected, rtol=1e-11, atol=1e-14, what="flattened jacobian")


# ba -------------------------------------------------------------------------------------------------------------

BA_INPUT = {"n": 3, "m": 4, "p": 17, "w": 0.417022, "feat": [271.760969, 834.209256],
            "x": [7.203245, 0.001144, 3.023326],
            "cam": [-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673, 419.194514, 5.864426, -8.51887,
                    0.087812, 0.002739]}  # the head of GradBench's evals/ba/data/ba1_n49_m7776_p31843.txt


def test_ba_jacobian_blocks_agree_with_finite_differences_and_autograd():
    kernels = generated(ba)
    rng = np.random.default_rng(5)
    cams, points, w, camera, point, feats = ba.prepare("jacobian", BA_INPUT | {"p": 5})
    cams = cams + 0.05 * rng.normal(size=cams.shape)  # distinct cameras, points and weights
    points = points + 0.05 * rng.normal(size=points.shape)
    w = w + 0.1 * rng.random(size=w.shape)
    values, _, columns = ba.entry(kernels, "jacobian")(cams, points, w, camera, point, feats)
    blocks = values[:-5].reshape(5, 2, 15)
    args = [cams[camera], points[point], w, feats]
    oracle = autograd_kernels(ba.SOURCE)["residuals"]
    assert_close(kernels.residuals(*args), oracle(*args), rtol=1e-14, what="residuals")
    dense = [autograd.jacobian(oracle, k)(*args) for k in range(3)]  # (p, 2, p, ...)
    for i in range(5):
        expected = np.concatenate((dense[0][i, :, i], dense[1][i, :, i], dense[2][i, :, i:i + 1]), axis=1)
        assert_close(blocks[i], expected, rtol=1e-11, atol=1e-12, what=f"block {i} vs autograd")
        for k, width, offset in ((0, 11, 0), (1, 3, 11), (2, 1, 14)):
            for c in range(width):
                plus, minus = [a.copy() for a in args], [a.copy() for a in args]
                if k == 2:
                    plus[k][i] += 1e-6
                    minus[k][i] -= 1e-6
                else:
                    plus[k][i, c] += 1e-6
                    minus[k][i, c] -= 1e-6
                fd = (kernels.residuals(*plus)[i] - kernels.residuals(*minus)[i]) / 2e-6
                assert_close(blocks[i, :, offset + c], fd, rtol=1e-5, atol=1e-6, what=f"obs {i} input {k}.{c} vs FD")
    assert_close(values[-5:], -2.0 * w, rtol=1e-15, what="weight error derivatives")
    assert list(columns[:15]) == [*range(11), 33, 34, 35, 45]


def test_ba_split_by_hand_gives_the_ports_numbers():
    """benchmarks/gradbench/ba_split.py times the port against its model written on columns: the same numbers."""
    from benchmarks.gradbench import ba_split

    split = load_source(ba_split.SPLIT_SOURCE, "ba_split_kernel.py")
    rng = np.random.default_rng(6)
    cams, points, w, camera, point, feats = ba.prepare("jacobian", BA_INPUT | {"p": 9})
    cams = cams + 0.05 * rng.normal(size=cams.shape)
    cams[1, :3] = 0.0  # a rotation of angle 0: the other branch
    args = (cams, points + 0.05 * rng.normal(size=points.shape), w + 0.1 * rng.random(size=w.shape), camera, point,
            feats)
    for function in ("objective", "jacobian"):
        for port, by_hand in zip(ba_split.flat(ba.entry(generated(ba), function)(*args)),
                                 ba_split.flat(ba.entry(split, function)(*args))):
            assert_close(by_hand, port, rtol=1e-12, atol=1e-12, what=f"split {function}")


def test_ba_tool_matches_the_reference_output():
    """The values below are what GradBench's C++ `manual` reference prints for BA_INPUT (block of observation 0)."""
    output = evaluate("ba", "jacobian", BA_INPUT)
    reference_x_row = [-461.4463210015994, 178.86792801444557, -19.42391647220627, -3.0615983420410324,
                       6.392457556226442, -3.340282281299017, 0.2647602492070315, 0.417022, 0.0, 243.62824566082992,
                       676.4867782658685, 3.0615983420410324, -6.392457556226442, 3.340282281299017,
                       0.24299878163373023]
    assert output["vals"][:15] == pytest.approx(reference_x_row, rel=1e-12)
    assert output["vals"][-1] == pytest.approx(-0.834044)
    assert output["rows"] == [*range(0, 450, 15), 527]
    assert output["cols"] == [*range(11), 33, 34, 35, 45] * 2 + [61]
    objective = evaluate("ba", "objective", BA_INPUT)
    assert objective["reproj_error"]["elements"] == pytest.approx([0.10133583791446145, -0.06896776592448106])
    assert objective["w_err"] == {"element": pytest.approx(0.826092651516), "repeated": 17}


# ht -------------------------------------------------------------------------------------------------------------

def ht_inputs(points=4, vertices=7, seed=0):
    """A small random hand: 22 bones (the count the 26 parameters address), a chain of parents, few vertices."""
    rng = np.random.default_rng(seed)
    bones = 22
    parents = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, bones)])

    def transforms():
        matrices = np.tile(np.eye(4), (bones, 1, 1))
        matrices[:, :3, :] += 0.3 * rng.normal(size=(bones, 3, 4))
        return matrices

    weights = rng.random((vertices, bones)) * (rng.random((vertices, bones)) < 0.3)
    weights[:, 0] += 0.1
    model = {"parents": parents.tolist(), "base_relatives": transforms().tolist(), "is_mirrored": True,
             "inverse_base_absolutes": transforms().tolist(),
             "base_positions": np.concatenate((rng.normal(size=(vertices, 3)), np.ones((vertices, 1))), 1).tolist(),
             "weights": (weights / weights.sum(axis=1, keepdims=True)).tolist(),
             "triangles": rng.integers(0, vertices, size=(5, 3)).tolist(), "bone_names": [f"b{i}" for i in range(22)]}
    return {"theta": (0.3 * rng.normal(size=26)).tolist(), "us": rng.random((points, 2)).tolist(),
            "data": {"model": model, "correspondences": rng.integers(0, 5, size=points).tolist(),
                     "points": rng.normal(size=(points, 3)).tolist()}}


def ht_residuals(theta, us, model, correspondences, points):
    """The reference's objective written independently of the kernel (Python lists of matrices, no in-place)."""
    def rotation_x(t):
        c, s = anp.cos(t), anp.sin(t)
        return anp.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])

    def rotation_y(t):
        c, s = anp.cos(t), anp.sin(t)
        return anp.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])

    def rotation_z(t):
        c, s = anp.cos(t), anp.sin(t)
        return anp.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])

    bones = len(model["parents"])
    angles = {}  # column of the pose matrix -> (x angle, y angle)
    k, column = 6, 5
    for _finger in range(5):
        for joint in range(2, 5):
            angles[column] = (theta[k], theta[k + 1] if joint == 2 else 0.0)
            k += 2 if joint == 2 else 1
            column += 1
        column += 1
    absolutes = []
    for i in range(bones):
        x, z = angles.get(i + 3, (0.0, 0.0))  # pose rows are (x, z, y); the y row is never set
        rotation = rotation_z(z) @ rotation_y(0.0) @ rotation_x(x)
        posed = anp.concatenate((anp.concatenate((rotation, anp.zeros((3, 1))), 1), anp.eye(4)[3:]), 0)
        relative = anp.array(model["base_relatives"][i]) @ posed
        parent = model["parents"][i]
        absolutes.append(relative if parent < 0 else absolutes[parent] @ relative)
    base = anp.array(model["base_positions"])
    weights = anp.array(model["weights"])
    vertices = sum(weights[:, i:i + 1] * (base @ (absolutes[i] @ anp.array(model["inverse_base_absolutes"][i])).T)
                   for i in range(bones))[:, :3]
    vertices = vertices * anp.array([-1.0 if model["is_mirrored"] else 1.0, 1.0, 1.0])
    axis_angle = theta[0:3]
    norm = anp.sqrt(anp.sum(axis_angle ** 2))
    x, y, z = axis_angle / norm
    c, s = anp.cos(norm), anp.sin(norm)
    rotation = anp.array([[x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
                          [x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s],
                          [x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c]])
    vertices = vertices @ rotation.T + theta[3:6]
    corners = anp.array(model["triangles"])[correspondences]
    hand = (us[:, 0:1] * vertices[corners[:, 0]] + us[:, 1:2] * vertices[corners[:, 1]]
            + (1 - us[:, 0:1] - us[:, 1:2]) * vertices[corners[:, 2]])
    return points - hand


def test_ht_objective_and_jacobian_agree_with_finite_differences_and_autograd():
    kernels = generated(ht)
    raw = ht_inputs()
    args = ht.prepare("jacobian", raw)
    theta, us = args[0], args[1]
    model, correspondences, points = raw["data"]["model"], np.array(raw["data"]["correspondences"]), args[-1]
    assert_close(kernels.objective(*args), ht_residuals(theta, us, model, correspondences, points), rtol=1e-12,
                 atol=1e-14, what="ht residuals")
    jacobian = ht.entry(kernels, "jacobian")(*args)
    assert jacobian.shape == (3 * len(points), 28)
    oracle_theta = autograd.jacobian(ht_residuals, 0)(theta, us, model, correspondences, points).reshape(-1, 26)
    assert_close(jacobian[:, 2:], oracle_theta, rtol=1e-10, atol=1e-12, what="theta columns vs autograd")
    steps = 1e-6 * np.eye(26)
    fd_theta = np.stack([(kernels.objective(theta + e, *args[1:]) - kernels.objective(theta - e, *args[1:]))
                         .reshape(-1) / 2e-6 for e in steps], axis=1)  # central differences, all rows at once
    assert_close(jacobian[:, 2:], fd_theta, rtol=1e-6, atol=1e-8, what="theta columns vs FD")
    oracle_us = autograd.jacobian(ht_residuals, 1)(theta, us, model, correspondences, points)  # (n, 3, n, 2)
    for i in range(len(points)):
        assert_close(jacobian[3 * i:3 * i + 3, :2], oracle_us[i, :, i, :], rtol=1e-12, atol=1e-14,
                     what=f"u columns of point {i}")
    assert_close(ht.entry(kernels, "objective")(*args), kernels.objective(*args), atol=0, what="objective")


def test_ht_pose_index_follows_the_reference_layout():
    index = ht.pose_index(22)
    assert index[:, 0].tolist() == [0, 1, 2] and index[:, 1].tolist() == [27] * 3 and index[:, 2].tolist() == [3, 4, 5]
    assert sorted(index[index < 26].tolist()) == list(range(26))  # every parameter used once
    assert index[:, 3:5].tolist() == [[26, 26]] * 3  # wrist and the first finger bone stay at zero


# the backend switch ---------------------------------------------------------------------------------------------

def switch_inputs(name: str) -> list[tuple[str, dict]]:
    """Small inputs in the eval's JSON layout, one per timed function."""
    rng = np.random.default_rng(11)
    if name == "lse":
        x = {"x": rng.uniform(-3, 3, size=37).tolist()}
        return [("primal", x), ("gradient", x)]
    if name == "llsq":
        return [("gradient", {"x": rng.normal(size=6).tolist(), "n": 9})]
    if name == "gmm":
        d, k, n = 3, 4, 7
        gmm = {"d": d, "k": k, "n": n, "m": 0, "gamma": 1.0, "alpha": rng.normal(size=k).tolist(),
               "mu": rng.normal(size=(k, d)).tolist(), "q": (0.3 * rng.normal(size=(k, d))).tolist(),
               "l": rng.normal(size=(k, d * (d - 1) // 2)).tolist(), "x": rng.normal(size=(n, d)).tolist()}
        return [("objective", gmm), ("jacobian", gmm)]
    if name == "ode":
        return [("gradient", {"x": rng.uniform(0.5, 1.5, size=8).tolist(), "s": 3})]
    if name == "kmeans":
        points, centroids = kmeans_inputs(n=12, k=4, d=3, seed=1)
        return [("dir", {"points": points.tolist(), "centroids": centroids.tolist()})]
    if name == "det":
        return [("gradient", {"A": rng.random(16).tolist(), "ell": 4})]
    if name == "lstm":
        main, extra, state, sequence = lstm_inputs(layers=2, bits=3, chars=5, seed=2)
        return [("jacobian", {"main_params": main.reshape(4, 12).tolist(), "extra_params": extra.tolist(),
                              "state": state.reshape(4, 3).tolist(), "sequence": sequence.tolist()})]
    if name == "ba":
        return [("objective", BA_INPUT), ("jacobian", BA_INPUT)]
    if name == "ht":
        return [("objective", ht_inputs()), ("jacobian", ht_inputs())]
    raise KeyError(name)


needs_compiler = pytest.mark.skipif(shutil.which(os.environ.get("CXX", "c++").split()[0]) is None,
                                    reason="the C backend needs a C++ compiler")


def agree_across_backends(name: str) -> None:
    """`--backend c` gives the NumPy backend's outputs (themselves checked above against FD and autograd), from
    the C backend's module (no fallback)."""
    for function, input in switch_inputs(name):
        defined: dict = {}
        compiled = evaluate(name, function, input, backend="c", defined=defined)
        assert defined["backend"] == "c" and "fallback" not in defined, defined
        assert_close(numbers(compiled), numbers(evaluate(name, function, input)), rtol=1e-10, atol=1e-12,
                     what=f"{name} {function}: C backend vs NumPy backend")


def numbers(output) -> np.ndarray:
    """Every number of a JSON output (dicts by key), flattened."""
    if isinstance(output, dict):
        return np.concatenate([numbers(output[key]) for key in sorted(output)])
    return np.asarray(output, dtype=float).reshape(-1)


@needs_compiler
@pytest.mark.parametrize("name", ["lse", "kmeans", "ba"])
def test_c_backend_switch_runs_the_eval_on_fused_kernels_and_agrees_with_numpy(name):
    agree_across_backends(name)


@needs_compiler
@pytest.mark.slow  # each compiles its kernels once (cached under $LIFTED_CACHE_DIR): ht's take about 30 s loaded
@pytest.mark.parametrize("name", ["ht", "llsq", "gmm", "ode", "det", "lstm"])
def test_c_backend_switch_on_the_other_evals(name):
    agree_across_backends(name)


def test_a_module_the_c_backend_refuses_falls_back_to_numpy_and_says_what(monkeypatch):
    """A refusal is never hidden: the define response (and the runner's define line) names the construct and its
    location, and the eval runs on the NumPy backend."""
    from benchmarks.gradbench import lse
    from benchmarks.gradbench.runner import define_line

    dist = "\n\nfrom lifted import dist\n\n\n@dist\ndef coin():\n    return flip(0.5)\n"
    monkeypatch.setattr(lse, "SOURCE", lse.SOURCE + dist)
    defined: dict = {}
    x = np.array([0.5, -1.0, 2.0])
    assert evaluate("lse", "gradient", {"x": x.tolist()}, backend="c", defined=defined) == pytest.approx(
        np.exp(x) / np.sum(np.exp(x)))
    assert defined["backend"] == "numpy"
    assert "the C backend refused `lse`" in defined["fallback"]
    assert "lse_kernel.py:" in defined["fallback"] and "`@dist` functions have no `c` backend" in defined["fallback"]
    assert "FALLBACK to the NumPy backend" in define_line(defined)


def test_unknown_backend_is_refused():
    from benchmarks.gradbench.tool import LiftedTool

    with pytest.raises(ValueError, match="unknown backend 'cuda'"):
        LiftedTool("cuda")


def test_compare_versus_table_gives_each_runs_own_ratios():
    """`compare --table AFTER --before BEFORE`: Lifted-C's time in both runs, and in each its ratio to that run's
    best peer and C++ reference (a peer's invalid output does not count)."""
    from benchmarks.gradbench.compare import versus

    def run(c, jax, manual, jax_verdict="valid"):
        row = lambda ms, verdict="valid": {"function": "gradient", "description": "n=8", "ns": [ms * 1e6, 9e9],
                                           "verdict": verdict}
        return {"llsq": {"lifted-c": {"rows": [row(c)]}, "jax": {"rows": [row(jax, jax_verdict)]},
                         "manual": {"rows": [row(manual)]}}}

    table = versus(run(8.0, 2.0, 4.0), run(3.0, 1.0, 6.0, jax_verdict="INVALID: x"))
    assert table.splitlines()[2] == "| llsq | n=8 | 8 | 3 | 0.38 | 4.00 | 0.50 | 2.00 | 0.50 | - |"
