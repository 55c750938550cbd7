"""Random loops whose slots are constant on some trips at a point where a function's derivative is infinite.

Each program carries one to three slots around a loop (`for` upward or downward, `while`, or a run-time trip count
that may be 0): a slot starts at a constant at such a point of the function it goes through (`np.sqrt(a)` at 0,
`np.arcsin(a)` at 1, `a ** 0.3` at 0 ...), or at the input (then it may be set to that constant in the body), and
from some trip on it depends on `x` (through a chain of slots: constant on several trips). Python's derivative
there is a constant's, zero; the judge (`check_zero_tangent_seed`) compares `f` with Python and `jvp(f)`,
`grad(f)` and `jvp(grad(f))` with autograd (`np.cbrt`, which autograd has no rule for, as sign * |a| ** (1 / 3)).
Lifted peels the trips where a slot is constant (transforms/peel.py). Most programs then (`merges`) add a value `b`
that is the constant on one path only: a branch on the input's values, or a loop of `m - k` trips (none where
`m <= k`), before a singular function of it (forward mode's path flags, transforms/forward.py).
"""
from __future__ import annotations

import random
import re
import warnings

import numpy as np

from gradcheck import autograd_kernels, load_source
from lifted.transpiler import TranspileError

# function of a slot `{0}`: (its singular constant, a form of the slot's later values that stays in its domain)
SINGULAR = {
    "np.sqrt({0})": ("0.0", "{0} * {0} + 1.0"),
    "{0} ** 0.5": ("0.0", "{0} * {0} + 0.5"),
    "{0} ** 0.3": ("0.0", "np.exp({0})"),
    "np.power({0}, 0.75)": ("0.0", "{0} * {0} + 1.0"),
    "np.cbrt({0})": ("0.0", "np.tanh({0})"),
    "np.arcsin({0})": ("1.0", "0.5 * np.tanh({0})"),
    "np.arccos({0})": ("-1.0", "0.5 * np.sin({0})"),
    "np.exp(np.log({0}))": ("0.0", "np.exp(-{0} * {0})"),
    "np.exp2(np.log2({0}))": ("0.0", "1.0 + {0} * {0}"),
    "np.tanh(np.arctanh({0}))": ("1.0", "0.5 * np.tanh({0})"),
    "np.hypot({0}, 0.0 * {0})": ("0.0", "{0} * {0} + 1.0"),
    "1.0 / (1.0 + 1.0 / {0})": ("0.0", "{0} * {0} + 1.0"),
    "np.linalg.norm({0}) + 0.0 * {0}": ("0.0", "np.cos({0}) + 2.0"),
}


class ZeroTangentGenerator:
    def __init__(self, seed: int, merges: bool = True):
        self.rng = random.Random(seed)
        self.merges = merges  # False: the programs before merges were drawn (the same for every seed)

    def program(self) -> tuple[str, bool]:
        """The source and whether it takes a run-time trip count `m`."""
        rng = self.rng
        slots = rng.randint(1, 3)
        forms = [rng.choice(sorted(SINGULAR)) for _ in range(slots)]
        loop = rng.choice(("up", "down", "while", "run_time"))
        trips = rng.randint(1, 4)
        lines = []
        for k, form in enumerate(forms):
            point = SINGULAR[form][0]
            lines.append(f"    a{k} = np.zeros_like(x) + {point}" if k or rng.random() < 0.8  # the first slot may
                         else f"    a{k} = {SINGULAR[form][1].format('x')}")  # start at the input, then turn constant
        lines.append("    out = x * 1.0")
        header = {"up": f"    for i in range({trips}):", "down": f"    for i in range({2 * trips}, 0, -2):",
                  "run_time": "    for i in range(m):", "while": f"    k = 0\n    while k < {trips}:"}[loop]
        lines.append(header)
        terms = [f"{rng.choice(('', '0.5 * ', 'x * '))}{form.format(f'a{k}')}" for k, form in enumerate(forms)]
        lines.append(f"        out = out + {' + '.join(terms)}")
        for k, form in enumerate(forms):  # a slot reads the next one (a chain) or `out`; the last one may turn constant
            # (through tanh: the later values stay where the derivative is finite, not exp(-700) == 0 or overflow)
            source = f"a{k + 1}" if k + 1 < slots and rng.random() < 0.5 else "np.tanh(out)"
            following = SINGULAR[form][1].format(source)
            if k == 0 and not lines[0].startswith("    a0 = np.zeros_like"):
                following = f"np.zeros_like(x) + {SINGULAR[form][0]}"
            lines.append(f"        a{k} = {following}")
        if loop == "while":
            lines.append("        k = k + 1")
        result = f"    return np.sum(out * {rng.choice(('x', 'np.sin(x)', 'out'))})"
        if self.merges and rng.random() < 0.6:  # (drawn after the old choices: the rest of a program is theirs)
            lines += self.merged_tail(loop == "run_time")
        lines.append(result)
        params = 'x: "f64[n]", m: "i64[]"' if loop == "run_time" else 'x: "f64[n]"'
        source = ("import numpy as np\nfrom lifted import grad, jvp, kernel\n\n\n@kernel\n"
                  f"def f({params}):\n" + "\n".join(lines) + "\n\n\n"
                  'jf = jvp(f, wrt="x")\ngf = grad(f, wrt="x")\nhf = jvp(grad(f, wrt="x"), wrt="x")\n')
        return source, loop == "run_time"

    def merged_tail(self, run_time: bool) -> list[str]:
        """A value `b` that is a constant at a singular point on one path: a branch on the input's values, or a
        loop of a run-time count that may run no trip (`range(m - k)`), then the singular function of it."""
        rng = self.rng
        form = rng.choice(sorted(SINGULAR))
        point, following = SINGULAR[form]
        if run_time and rng.random() < 0.5:
            lines = [f"    b = np.zeros_like(x) + {point}", f"    for j in range(m - {rng.randint(0, 3)}):",
                     f"        b = {following.format('np.tanh(out + b)')}"]
        else:
            lines = [f"    if np.sum(x) > {rng.choice(('0.0', '-1.0', '1.0'))}:",
                     f"        b = {following.format('np.tanh(out)')}", "    else:",
                     f"        b = np.zeros_like(x) + {point}"]
        return lines + [f"    out = out + {rng.choice(('', 'x * '))}{form.format('b')}"]


def zero_tangent_program(seed: int, merges: bool = True) -> tuple[str, bool]:
    return ZeroTangentGenerator(seed, merges).program()


def _differences(f, x, v, rest):
    def gradient(at, h):
        return np.array([(f(at + h * e, *rest) - f(at - h * e, *rest)) / (2 * h) for e in np.eye(len(at))])

    return gradient(x, 1e-6), (gradient(x + 1e-4 * v, 1e-4) - gradient(x - 1e-4 * v, 1e-4)) / 2e-4


def check_zero_tangent_seed(seed: int, merges: bool = True) -> tuple[str, str]:
    """("checked" | "refused" | "unusable" | "failed", a message). Unusable: the oracle itself is not finite."""
    from autograd import grad as autograd_grad, jacobian

    text, run_time = zero_tangent_program(seed, merges)
    try:
        module = load_source(text, f"zero_tangents_{seed}.py")
    except TranspileError as exc:
        return "refused", str(exc).splitlines()[0]
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=4), rng.normal(size=4)
    rest = (np.int64(rng.integers(0, 4)),) if run_time else ()
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        expected = python["f"](x.copy(), *rest)
        try:  # autograd has no rule for np.cbrt: the oracle takes the real cube root as sign * |a| ** (1 / 3)
            oracle = autograd_kernels(re.sub(r"np\.cbrt\((a\d|b)\)", r"(np.sign(\1) * np.abs(\1) ** (1.0 / 3.0))",
                                             text))["f"]
            gradient = autograd_grad(oracle)(x, *rest)
            hvp = jacobian(autograd_grad(oracle))(x, *rest) @ v
            rtol = 1e-7
        except NotImplementedError:  # autograd has no rule
            gradient, hvp = _differences(python["f"], x, v, rest)
            rtol = 2e-4
        if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(hvp)) and np.isfinite(expected)):
            return "unusable", "the oracle is not finite"
        got = {"value": module.f(x.copy(), *rest), "jvp": module.jf(x, *rest, v)[1], "grad": module.gf(x, *rest),
               "hvp": module.hf(x, *rest, v)[1]}
    for name, want in (("value", expected), ("jvp", gradient @ v), ("grad", gradient), ("hvp", hvp)):
        if not np.allclose(got[name], want, rtol=rtol if name != "value" else 1e-12, atol=rtol):
            return "failed", f"{name}: {got[name]!r} where the oracle gives {want!r}"
    return "checked", ""
