"""The benchmark harness computes the right things: every Lifted workload's gradient agrees with autograd, and
Lifted's GradBench tool answers the protocol correctly. Tiny sizes only; no timing is ever asserted here.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

autograd = pytest.importorskip("autograd")

from benchmarks.gradbench import SUPPORTED  # noqa: E402
from benchmarks.gradbench.tool import serve  # noqa: E402
from benchmarks.tools import TOOLS  # noqa: E402
from benchmarks.workloads import ALL, get  # noqa: E402


@pytest.mark.parametrize("name", ALL)
def test_lifted_gradient_agrees_with_autograd(name):
    workload = get(name)
    args = workload.inputs(workload.sizes("tiny")[0], seed=3)
    lifted = TOOLS["lifted"].prepare(workload, args)
    oracle = TOOLS["autograd"].prepare(workload, args)
    np.testing.assert_allclose(lifted.primal(), oracle.primal(), rtol=1e-12)
    got, expected = lifted.grad(), oracle.grad()
    assert len(got) == len(expected) == len(workload.wrt)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", [n for n in ALL if hasattr(get(n).module, "numpy_grad")])
def test_hand_written_adjoints_agree_with_autograd(name):
    workload = get(name)
    args = workload.inputs(workload.sizes("tiny")[0], seed=4)
    for g, e in zip(workload.module.numpy_grad(*args), TOOLS["autograd"].prepare(workload, args).grad()):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


def exchange(*messages) -> list[dict]:
    lines = "".join(json.dumps({"id": i} | m) + "\n" for i, m in enumerate(messages))
    out = io.StringIO()
    serve(io.StringIO(lines), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_gradbench_tool_lse_define_and_evaluate():
    x = [1.0, 2.0, 3.0, -0.5]
    start, define, primal, gradient, analysis = exchange(
        {"kind": "start", "eval": "lse"},
        {"kind": "define", "module": "lse"},
        {"kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": x, "min_runs": 3, "min_seconds": 0}},
        {"kind": "evaluate", "module": "lse", "function": "gradient", "input": {"x": x, "min_runs": 1, "min_seconds": 0}},
        {"kind": "analysis", "of": 3, "valid": True},
    )
    assert start == {"id": 0, "tool": "lifted"}
    assert define["id"] == 1 and define["success"] is True
    assert primal["success"] and primal["output"] == pytest.approx(np.log(np.sum(np.exp(x))))
    assert [t["name"] for t in primal["timings"]] == ["evaluate"] * 3
    assert gradient["output"] == pytest.approx(list(np.exp(x) / np.sum(np.exp(x))))
    assert analysis == {"id": 4}


def test_gradbench_tool_llsq_gradient_matches_the_definition():
    x, n = [0.5, -1.0, 2.0], 7
    _, _, response = exchange({"kind": "start"}, {"kind": "define", "module": "llsq"},
                              {"kind": "evaluate", "module": "llsq", "function": "gradient",
                               "input": {"x": x, "n": n, "min_runs": 1, "min_seconds": 0}})
    t = -1 + np.arange(n) * 2 / (n - 1)
    powers = t[:, None] ** np.arange(len(x))
    expected = -powers.T @ (np.sign(t) - powers @ np.array(x))
    assert response["output"] == pytest.approx(list(expected))


def test_gradbench_tool_gmm_jacobian_matches_autograd():
    import autograd.numpy as anp

    from benchmarks.workloads import gmm

    rng = np.random.default_rng(0)
    d, k, n = 3, 2, 4
    raw = {"d": d, "k": k, "n": n, "m": 1, "gamma": 0.8, "alpha": rng.normal(size=k).tolist(),
           "mu": rng.uniform(size=(k, d)).tolist(), "q": rng.normal(size=(k, d)).tolist(),
           "l": rng.normal(size=(k, 3)).tolist(), "x": rng.normal(size=(n, d)).tolist()}
    _, _, objective, jacobian = exchange(
        {"kind": "start"}, {"kind": "define", "module": "gmm"},
        {"kind": "evaluate", "module": "gmm", "function": "objective", "input": raw | {"min_runs": 1, "min_seconds": 0}},
        {"kind": "evaluate", "module": "gmm", "function": "jacobian", "input": raw | {"min_runs": 1, "min_seconds": 0}})
    args = gmm.packed_inputs(*(np.array(raw[key]) for key in ("alpha", "mu", "q", "l", "x")), gamma=0.8, m=1)
    assert objective["output"] == pytest.approx(float(gmm.xp_f(np, *args)))
    expected = autograd.grad(lambda *a: gmm.xp_f(anp, *a), (0, 1, 2, 3))(*args)
    for key, e in zip(("alpha", "mu", "q", "l"), expected):
        np.testing.assert_allclose(np.array(jacobian["output"][key]), e, rtol=1e-9, atol=1e-12)


def test_gradbench_tool_refuses_unsupported_evals_with_the_reason():
    _, define = exchange({"kind": "start"}, {"kind": "define", "module": "hello"})
    assert define["success"] is False and "hello" in define["error"]


def test_memory_child_reports_a_peak():
    from benchmarks import memory

    workload = get("logsumexp")
    result = memory.measure("logsumexp", workload.label(workload.sizes("tiny")[0]), "lifted", timeout_s=60)
    assert "error" not in result, result
    assert result["rss_delta_bytes"] >= 0 and result["tracemalloc_peak_bytes"] > 0


@pytest.mark.slow
def test_one_command_writes_the_report(tmp_path):
    pytest.importorskip("matplotlib")
    from benchmarks.__main__ import main

    assert main(["--quick", "--workloads", "logsumexp", "--tools", "lifted", "autograd", "--no-memory",
                 "--docs", str(tmp_path)]) == 0
    text = (tmp_path / "benchmarks.md").read_text()
    assert "| n=1e2 | autograd |" in text and (tmp_path / "img" / "bench_scaling.png").exists()


def test_gradbench_runner_stands_in_for_missing_eval_data(tmp_path):
    from benchmarks.gradbench.runner import LSTM_TEXT, eval_root, ht_args

    root = tmp_path / "gradbench"
    (root / "tools" / "manual").mkdir(parents=True)
    (root / "evals" / "lstm").mkdir(parents=True)
    text = tmp_path / "text.txt"
    text.write_text("some stand-in text")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert eval_root(root, "lse", text, scratch) == root
    cwd = eval_root(root, "lstm", text, scratch)
    assert cwd == scratch and (cwd / LSTM_TEXT).read_text() == "some stand-in text"
    assert (cwd / "tools" / "manual").is_dir()
    hands = root / "evals" / "ht" / "data" / "complicated_big"
    hands.mkdir(parents=True)
    for i in (1, 2, 3):
        (hands / f"hand{i}_t26_c100.txt").write_text("")
    assert ht_args(root, ["--min-seconds", "0"]) == ["--min-seconds", "0", "--max", "3"]
    assert ht_args(root, ["--max", "2"]) == ["--max", "2"]


def test_vmap_benchmark_computes_what_it_times():
    """benchmarks/vmap.py checks its contenders agree before timing them (per-example gradients against the loop,
    the batched Jacobians against the column loop; JAX, when installed, only in the real run)."""
    from benchmarks import vmap

    rows = vmap.per_example(0.001, sizes=(1, 3), d=4, h=3, with_jax=False)
    assert {(r["workload"], r["B"]) for r in rows} == {(w, b) for w in ("logistic", "mlp") for b in (1, 3)}
    rows = vmap.jacobians(0.001, n=5, with_jax=False)
    assert [r["workload"] for r in rows] == ["f_jacfwd", "f_jacrev", "g_hessian"]


def test_warm_start_benchmark_runs_and_never_imports_the_compiler_when_warm(capsys):
    from benchmarks import warm_start

    assert warm_start.main(["--runs", "1"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "cached" in line or "floor" in line]
    assert len(rows) == 3 and all(row.endswith("  no") for row in rows)


def test_prod_gradient_benchmark_runs_and_agrees_with_the_old_rule(capsys):
    from benchmarks import prod_gradient

    prod_gradient.main(["--n", "16", "--repeats", "1"])  # checks both gradients against the dividing rule before timing
    assert capsys.readouterr().out.count("of the old rule") == 7


def test_inplace_loops_benchmark_checks_its_contenders_agree(capsys):
    """benchmarks/inplace_loops.py compares both backends (and autograd, JAX where installed) before timing."""
    from benchmarks import inplace_loops

    assert inplace_loops.main(["--quick", "--rows", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[2:]] == ["primal", "grad", "jvp"]


@pytest.mark.slow
def test_lane_loops_benchmark_checks_both_builds_give_the_same_bits(capsys):
    """benchmarks/c/lane_loops.py builds each workload twice (lane loops kept, calls allowed) and compares bits."""
    from benchmarks.c import lane_loops as c_lane_loops

    assert c_lane_loops.main(["--quick"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 9


@pytest.mark.slow
def test_stored_calls_benchmark_checks_every_plan_agrees(capsys):
    """benchmarks/c/stored_calls.py builds lse and gmm with and without call costs and checks the results agree."""
    from benchmarks.c import stored_calls as c_stored_calls

    assert c_stored_calls.main(["--quick"]) == 0
    assert sum(line.startswith(("lse", "gmm")) for line in capsys.readouterr().out.splitlines()) == 11


@pytest.mark.slow
def test_c_benchmark_times_another_trees_emitted_code_beside_this_one(capsys):
    """benchmarks/c/backend.py --before TREE has TREE's transpiler (here this very tree, as a checkout) emit the
    workload, checks its results against this tree's C module and adds a `before` column."""
    from pathlib import Path

    from benchmarks.c import backend as c_backend

    tree = Path(__file__).resolve().parents[1]
    assert c_backend.main(["--quick", "--only", "rosenbrock", "--before", str(tree)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "before" in lines[2].split() and [line.split()[2] for line in lines[3:]] == ["primal", "gradient"]
