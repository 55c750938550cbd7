"""The rank-3 generator (tests/rank3_programs.py): random kernels with a rank-3 parameter, rank-3 values and 0-d
arrays, judged as tests/test_property_semantics.py judges its programs (Python's value, gradients against finite
differences of Python and autograd, compositions).

Default suite: a fixed sample of seeds. Long run: `LIFTED_RANK3_PROGRAMS=200 pytest -m slow
tests/test_property_rank3.py -s` (seeds from $LIFTED_PROPERTY_FIRST_SEED on). The C target runs the same programs
in tests/test_c_random_programs.py (`rank3`).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from rank3_programs import rank3_inputs, rank3_program
from test_property_semantics import check_program

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")

CONSTRUCTS = ('T: "f64[n,d,2]"', "axis=2)", "axis=-1)", ".transpose(2, 0, 1)", "np.swapaxes(", "np.moveaxis(",
              "axis=(0, 2)", "axis=(1, 2)", "keepdims=True", "[:, None, None]", "np.einsum('ijk,kl->ijl'",
              "np.einsum('ij,k->ijk'", " @ np.array([[", "np.swapaxes(T", ".reshape(len(x), M.shape[1], -1)",
              "np.concatenate((", "axis=1)", "[:, 1:, ::2]", "[1:, :, ::-1]", "for i", "for row", "np.array(",
              "np.asarray(", "np.zeros(())", ".shape\n", "[..., ", "np.linalg.norm(", "'T'")


def check_seed(seed: int) -> tuple[str, str]:
    return check_program(rank3_program, rank3_inputs, seed)


def test_generator_writes_the_constructs():
    corpus = "\n".join(rank3_program(seed)[0] for seed in range(300))
    missing = [construct for construct in CONSTRUCTS if construct not in corpus]
    assert not missing, missing


def test_generator_is_deterministic_per_seed():
    assert rank3_program(5) == rank3_program(5)


@pytest.mark.parametrize("seed", range(12))
def test_random_rank3_programs_match_python(seed):
    outcome, message = check_seed(seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{rank3_program(seed)[0]}"


def test_a_hessian_autograd_cannot_give():
    """Seed 1193: `np.tanh(z2 + (3.0 * z1) ** 3)` with z1 of order 10 in a `while` loop. autograd's Hessian-vector
    product is NaN (its tanh rule `g / cosh(x) ** 2`, differentiated, is inf / inf past |x| = 710), Lifted's 0,
    which finite differences of the first derivative give: judged by them (test_property_semantics.py)."""
    outcome, message = check_seed(1193)
    assert outcome in ("checked", "fd-skipped"), message


def test_a_second_derivative_autograd_gets_wrong():
    """Seed 2267: autograd's `grad(grad(f, s))` is 13.42 through `np.where(T > 0.0, T, np.sqrt(1.0 + s * s))`,
    Lifted's -3.4334, which `hessian(f, s)`, differences of `grad(f, s)` and of autograd's own first derivative
    give. Judged by those differences where they side with Lifted and not with autograd (test_property_semantics.py,
    `_side_with_differences`), with the tolerance differences get everywhere."""
    outcome, message = check_seed(2267)
    assert outcome in ("checked", "fd-skipped"), message


@pytest.mark.slow
def test_many_random_rank3_programs_match_python():
    count = int(os.environ.get("LIFTED_RANK3_PROGRAMS", "200"))
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    tally: dict[str, int] = {}
    failures = []
    for seed in range(first, first + count):
        outcome, message = check_seed(seed)
        tally[outcome] = tally.get(outcome, 0) + 1
        print(f"seed {seed}: {outcome} {message[:300]}", flush=True)
        if outcome == "failed":
            failures.append((seed, message[:300]))
    print(f"\nrank-3 programs, seeds {first}-{first + count - 1}: {tally}")
    assert not failures, failures[:10]


# ---------------------------------------------------------------------------------------------------------
# vmap: the same kernels batched (T too, a rank-4 argument then), against a Python loop over the examples
# ---------------------------------------------------------------------------------------------------------
def check_rank3_vmap(seed: int) -> str:
    """vmap(f) and vmap(f_grad) against a loop of the generated f and f_grad (already judged against Python)."""
    from gradcheck import load_source
    from lifted.transpiler import TranspileError
    from test_property import _same

    text, wrt, _ = rank3_program(seed)
    rnd = np.random.default_rng(seed ^ 0x5EED)
    in_axes = tuple(0 if rnd.random() < 0.6 else None for _ in range(5)) + (0,)  # (T always batched)
    text = text.replace("from lifted import grad,", "from lifted import vmap, grad,")
    text += f"f_batched = vmap(f, in_axes={in_axes!r})\nf_grad_batched = vmap(f_grad, in_axes={in_axes!r})\n"
    try:
        module = load_source(text, "rank3_vmap_case.py")
    except TranspileError:
        return "refused"
    examples = [rank3_inputs(seed * 7919 + k) for k in range(3)]
    batched = [np.stack([np.asarray(e[i]) for e in examples]) if axis == 0 else examples[0][i]
               for i, axis in enumerate(in_axes)]
    per_example = [[e[i] if axis == 0 else examples[0][i] for i, axis in enumerate(in_axes)] for e in examples]
    with np.errstate(all="ignore"):
        copies = lambda e: [a.copy() if isinstance(a, np.ndarray) else a for a in e]  # noqa: E731 (s stays a float)
        values = [module.f(*copies(e)) for e in per_example]
        if not all(np.isfinite(v) and abs(v) < 1e6 for v in values):
            return "unusable"
        grads = [module.f_grad(*copies(e)) for e in per_example]
        try:
            got, got_grads = module.f_batched(*batched), module.f_grad_batched(*batched)
        except TranspileError:
            return "refused"
    _same(got, np.stack(values), "vmap(f)")
    _same(got_grads, tuple(np.stack([g[i] for g in grads]) for i in range(len(wrt))), "vmap(grad(f))")
    return "checked"


@pytest.mark.parametrize("seed", range(6))
def test_random_rank3_programs_under_vmap(seed):
    check_rank3_vmap(seed)


@pytest.mark.slow
def test_many_random_rank3_programs_under_vmap():
    count = int(os.environ.get("LIFTED_RANK3_PROGRAMS", "200"))
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    tally: dict[str, int] = {}
    failures = []
    for seed in range(first, first + count):
        try:
            outcome = check_rank3_vmap(seed)
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its seed
            outcome = "failed"
            failures.append((seed, f"{type(exc).__name__}: {exc}"[:300]))
        tally[outcome] = tally.get(outcome, 0) + 1
        print(f"seed {seed}: {outcome} {failures[-1][1] if outcome == 'failed' else ''}", flush=True)
    print(f"\nrank-3 programs under vmap, seeds {first}-{first + count - 1}: {tally}")
    assert not failures, failures[:10]
