"""Constructs that autograd's public examples (variational autoencoder, GAN, black-box SVI, Bayesian neural net,
convnet, fixed points) use, each in a minimal program of its own: what compiles is checked against Python,
finite differences and autograd; what cannot is refused where it is written, with a hint that says what to write.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError, transpile_source


def refusal(text: str) -> TranspileError:
    with pytest.raises(TranspileError) as info:
        transpile_source(text, "example.py")
    return info.value


def test_np_shape_and_np_ndim_as_the_attributes():
    """`D = np.shape(params)[-1] // 2` (the VAE's unpack_gaussian_params) and `np.ndim`."""
    text = '''
import numpy as np
from lifted import kernel, grad


def split(params):
    half = np.shape(params)[-1] // 2
    return params[:, :half], params[:, half:]


@kernel
def f(p: "f64[n,m]", x: "f64[]"):
    mean, log_std = split(p)
    rows, = np.shape(np.sum(p, axis=1))
    scale = x * np.ndim(p) + rows + len(np.shape(x))
    return np.sum(mean * np.exp(log_std)) * scale


g = grad(f, wrt=("p", "x"))
'''
    rng = np.random.default_rng(0)
    check_against_python(text, [rng.normal(size=(3, 6)), 0.7])


def test_itertools_pairwise_chain_and_product_at_build_time():
    """The layer shapes of the Bayesian neural net (`itertools.pairwise(layer_sizes)`) and the other two
    itertools people reach for, in a factory and in a kernel."""
    text = '''
import itertools
from itertools import chain

import numpy as np
from lifted import kernel, grad


def make_funs(sizes):
    shapes = list(itertools.pairwise(sizes))

    @kernel
    def f(w: "f64[n]", x: "f64[]"):
        total = 0.0
        start = 0
        for m, n in shapes:
            total = total + np.sum(w[start:start + m * n] ** 2) * x
            start += m * n
        for a, b in itertools.product([1.0, 2.0], (3.0,)):
            total = total + a * b * x
        for c in chain([x], (x * x, 2.0)):
            total = total * c
        return total

    return f


f = make_funs([1, 2, 3])
g = grad(f, wrt=("w", "x"))
'''
    rng = np.random.default_rng(1)
    check_against_python(text, [rng.normal(size=8), 1.3])


def test_names_a_factory_returns_as_a_tuple_are_callable_from_kernels():
    """`num_weights, predictions, logprob = make_nn_funs(...)`, then a kernel calling `logprob`: the tuple of
    names is evaluated at build time as a single name is (it was refused as 'rebound unpredictably')."""
    text = '''
import numpy as np
from lifted import kernel, grad


def make_funs(scale):
    def predict(w, x):
        return np.tanh(x * w)

    def logprob(w, x):
        return -np.sum(predict(w, x) ** 2) * scale

    return 2, predict, logprob


count, predict, logprob = make_funs(0.5)


@kernel
def f(w: "f64[n]", x: "f64[n]"):
    return logprob(w, x) * count + np.sum(predict(w, x))


g = grad(f)
'''
    rng = np.random.default_rng(2)
    check_against_python(text, [rng.normal(size=4), rng.normal(size=4)])


def test_tuple_augmented_assignment_builds_a_new_tuple():
    """`new_shape += (width // pool, pool)` (the convnet's max pooling)."""
    text = '''
import numpy as np
from lifted import kernel, grad


@kernel
def f(x: "f64[b,c,4,6]"):
    shape = x.shape[:2]
    for i in [0, 1]:
        shape += (x.shape[i + 2] // 2, 2)
    pooled = np.max(np.max(x.reshape(shape), axis=3), axis=4)
    twice = (1.0,)
    twice *= 2
    return np.sum(pooled ** 2) * twice[1]


g = grad(f)
'''
    rng = np.random.default_rng(3)
    check_against_python(text, [rng.normal(size=(2, 3, 4, 6))])


@pytest.mark.parametrize("draw, underlined", [
    ("np.random.randn(3)", "np.random.randn"),
    ("npr.randn(3)", "npr.randn"),
])
def test_random_draws_in_a_kernel_are_refused_as_such(draw, underlined):
    error = refusal(f'''import numpy as np
import numpy.random as npr
from lifted import kernel


@kernel
def f(x: "f64[3]"):
    return np.sum(x * {draw})
''')
    assert (error.loc.line, error.loc.col) == (8, 23)
    assert error.loc.text[error.loc.col - 1:].startswith(underlined)
    assert "random draws are not supported" in error.message
    assert "pass it in as a parameter" in error.hint


def test_a_random_state_passed_in_is_refused_at_its_draw():
    """The GAN's `rs.rand(num_samples, noise_dim)`, with `rs` a RandomState argument (was: 'the array attribute
    `.rand` is not supported')."""
    error = refusal('''import numpy as np
from lifted import kernel


def noise_for(n, rs):
    return rs.rand(n, 2)


@kernel
def f(w: "f64[2]", rs):
    return np.sum(noise_for(3, rs) @ w)
''')
    assert (error.loc.line, error.loc.col) == (6, 12)
    assert "`rs.rand(...)`: random draws are not supported" in error.message
    assert "noise" in error.hint


def test_a_function_from_an_ad_library_is_named_where_a_kernel_calls_it():
    """autograd's `fixed_point` (was: 'rebound at module level ... assign it a number')."""
    error = refusal('''import autograd.numpy as np
from autograd.misc.fixed_points import fixed_point
from lifted import kernel


def step(a):
    return lambda x: 0.5 * (x + a / x)


@kernel
def f(a: "f64[]"):
    return fixed_point(step, a, 1.0, lambda x, y: np.abs(x - y), 1e-6)
''')
    assert (error.loc.line, error.loc.col) == (12, 12)
    assert "`fixed_point` is `autograd.misc.fixed_points.fixed_point`" in error.message
    assert "while" in error.hint


def test_the_fixed_point_iteration_written_as_a_loop_compiles():
    """What the hint asks for: the iteration to a tolerance as a `while` loop (differentiated through its steps,
    as autograd differentiates the same source)."""
    text = '''
import numpy as np
from lifted import kernel, grad


@kernel
def f(a: "f64[]", guess: "f64[]"):
    x, previous = guess - 0.05 * (guess ** 2 - a), guess
    while np.abs(x - previous) > 1e-4:
        x, previous = x - 0.05 * (x ** 2 - a), x
    return x


g = grad(f)
'''
    check_against_python(text, [2.0, 10.0])


def test_transforms_a_factory_makes_are_declared_by_the_names_holding_them():
    """black_box_svi's factory declares `gradient = grad(variational_objective)` inside and returns both: the
    module-level names holding them are the kernel and its gradient (was: '`objective` is not a @kernel
    function of this module' for a declaration over `objective`). autograd's `grad(f, argnum)` and a nested
    `jvp(grad(f))` too."""
    text = '''
import numpy as np
from autograd import grad as autograd_grad
from lifted import kernel, grad, jvp


def make(scale):
    def penalty(p):
        return np.sum(p ** 2) * scale

    @kernel
    def objective(p: "f64[n]", x: "f64[n]"):
        return penalty(p) + np.sum(np.sin(p * x))

    gradient = grad(objective)
    by_x = autograd_grad(objective, 1)
    hvp = jvp(grad(objective), wrt="p")
    return objective, gradient, by_x, hvp


f, gradient, by_x, hvp = make(2.0)
g = grad(f, wrt=("p", "x"))
'''
    rng = np.random.default_rng(4)
    p, x, v = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
    module = check_against_python(text, [p, x])
    d_p, d_x = module.g(p, x)
    assert np.array_equal(module.gradient(p, x), d_p) and np.array_equal(module.by_x(p, x), d_x)
    gradient, hessian_v = module.hvp(p, x, v)
    assert np.array_equal(gradient, d_p)
    hessian = 4.0 * np.eye(3) - np.diag(np.sin(p * x) * x * x)
    np.testing.assert_allclose(hessian_v, hessian @ v, rtol=1e-12)


def test_a_transform_of_a_function_no_module_name_holds_is_refused():
    error = refusal('''import numpy as np
from lifted import kernel, grad


def make(scale):
    @kernel
    def objective(p: "f64[n]"):
        return np.sum(p ** 2) * scale

    return grad(objective)


gradient = make(2.0)
''')
    assert error.loc.line == 10
    assert "`gradient` transforms a function that no module-level name holds" in error.message
    assert "loss, gradient = make(...)" in error.hint


def test_a_factory_that_cannot_run_says_why():
    """A declaration over a name whose factory failed at build time gives the factory's reason."""
    error = refusal('''import numpy as np
import numpy.random as npr
from lifted import kernel, grad


def make(scale):
    rs = npr.RandomState(0)

    @kernel
    def objective(p: "f64[n]"):
        return np.sum(p ** 2) * scale

    return objective


objective = make(2.0)
objective_grad = grad(objective)
''')
    assert error.loc.line == 17
    assert "`objective` has no value at build time" in error.message and "random draws" in error.message


def test_np_prod_of_sizes_is_numpys_int64_scalar():
    """`np.prod(x.shape[1:])` is the product NumPy makes of the tuple of sizes, an int64 scalar: a size for reshape,
    and a strong integer in arithmetic (`x32 * np.prod(...)` is float64, as in NumPy)."""
    text = '''import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[b,n,m]"):
    return np.sum(x.reshape((x.shape[0], np.prod(x.shape[1:]))) * np.arange(6.0))


@kernel
def g(x: "f32[b,n,m]"):
    return x * np.prod(x.shape[1:])


f_grad = grad(f)
'''
    module = load_source(text, "prod_of_sizes.py")
    namespace: dict = {}
    exec(compile(text, "prod_of_sizes_python.py", "exec"), namespace)
    x = np.arange(12.0).reshape(2, 2, 3)
    assert module.f(x) == namespace["f"](x)
    np.testing.assert_array_equal(module.f_grad(x), np.broadcast_to(np.arange(6.0).reshape(2, 3), (2, 2, 3)))
    got, expected = module.g(x.astype(np.float32)), namespace["g"](x.astype(np.float32))
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_a_generator_helper_is_refused_with_the_list_to_build():
    error = refusal('''import numpy as np
from lifted import kernel


def layers(w):
    for k in range(2):
        yield w[k]


@kernel
def f(w: "f64[2,3]"):
    return sum(np.sum(layer) for layer in layers(w))
''')
    assert error.loc.line == 7
    assert "generator" in error.message and "append" in error.hint


def test_the_noise_passed_in_gives_the_sources_numbers():
    """The documented rule for sampling objectives (VAE, GAN, black-box SVI): the same draw, made outside, gives
    the same value and gradient as the source with the draw inside."""
    text = '''
import numpy as np
from lifted import kernel, grad


@kernel
def f(params: "f64[4]", noise: "f64[s,2]"):
    mean, log_std = params[:2], params[2:]
    samples = noise * np.exp(log_std) + mean
    return -(np.sum(log_std) + np.mean(-0.5 * np.sum(samples ** 2, axis=1)))


g = grad(f)
'''
    module = load_source(text)
    params = np.array([0.1, -0.3, -1.0, 0.5])
    noise = np.random.RandomState(0).randn(50, 2)
    samples = np.random.RandomState(0).randn(50, 2) * np.exp(params[2:]) + params[:2]
    expected = -(np.sum(params[2:]) + np.mean(-0.5 * np.sum(samples ** 2, axis=1)))
    assert module.f(params, noise) == expected
    check_against_python(text, [params, noise])


@pytest.mark.parametrize("function", ["ndtr", "erf", "erfc", "expit", "logit", "gammaln"])
def test_scipy_special_functions_on_the_c_target(function, tmp_path):
    """Each scipy.special function with a C expression compiles for the CPU target and agrees with SciPy, value
    and gradient (`norm.cdf`'s `normcdf` is CUDA's: the CPU prelude defines it; bayesian_optimization's expected
    improvement failed to compile)."""
    from test_c_backend import c_module

    text = f'''
import numpy as np
from scipy.special import {function}
from lifted import kernel, grad


@kernel
def f(x: "f64[n]"):
    return {function}(x)


@kernel
def total(x: "f64[n]"):
    return np.sum(f(x) * x)


g = grad(total)
'''
    module, _ = c_module(text, tmp_path)
    reference = load_source(text)
    rng = np.random.default_rng(5)
    x = rng.uniform(0.05, 0.95, size=50) if function == "logit" else \
        np.concatenate([rng.normal(size=50) * 4, np.linspace(-30.0, 30.0, 61) + (0.5 if function == "gammaln" else 0)])
    if function == "gammaln":
        x = np.abs(x) + 0.1
    np.testing.assert_allclose(module.f(x), reference.f(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(module.g(x), reference.g(x), rtol=1e-10, atol=1e-300)


def test_a_transform_made_by_an_imported_factory(tmp_path):
    """natural_gradient_black_box_svi imports black_box_svi's factory, which declares `gradient` inside with
    autograd's grad, and calls `gradient` in its own kernel."""
    (tmp_path / "svi.py").write_text('''import numpy as np
from autograd import grad
from lifted import kernel


def make(scale):
    @kernel
    def objective(params: "f64[2]", noise: "f64[s]"):
        samples = noise * np.exp(params[1]) + params[0]
        return np.mean(samples ** 2) * scale - params[1]

    gradient = grad(objective, 0)
    return objective, gradient
''')
    text = '''import numpy as np
from svi import make
from lifted import kernel, grad

objective, gradient = make(0.5)


@kernel
def natural(params: "f64[2]", noise: "f64[s]"):
    return np.sum(gradient(params, noise) / np.array([1.0, 2.0]) * params)


g = grad(natural)
'''
    (tmp_path / "main.py").write_text(text)
    module = load_source(text, str(tmp_path / "main.py"))
    params, noise = np.array([0.3, -0.4]), np.random.default_rng(6).normal(size=20)
    samples = noise * np.exp(params[1]) + params[0]
    d_mean = np.mean(2 * samples) * 0.5
    d_log_std = np.mean(2 * samples * noise * np.exp(params[1])) * 0.5 - 1.0
    np.testing.assert_allclose(module.gradient(params, noise), [d_mean, d_log_std], rtol=1e-12)
    np.testing.assert_allclose(module.natural(params, noise), d_mean * 0.3 - d_log_std / 2 * 0.4, rtol=1e-12)
    from treecheck import fd_gradient

    np.testing.assert_allclose(module.g(params, noise), fd_gradient(module.natural, [params, noise], 0), rtol=1e-6)


def test_gmm_jvp_on_the_c_target(tmp_path):
    """The C partition lost a scalar waiting to be hoisted (`d * log(2 pi)` of mvn.logpdf) when per-row work went
    to the side region after it: the host module read a name nothing defined (UnboundLocalError in gmm's JVP)."""
    from pathlib import Path

    from test_c_backend import c_module

    text = (Path(__file__).parent / "models" / "gmm.py").read_text() + \
        "\nfrom lifted import jvp\n\nlikelihood_jvp = jvp(gmm_log_likelihood, wrt='params')\n"
    module, _ = c_module(text, tmp_path, "gmm_jvp")
    reference = load_source(text)
    rng = np.random.default_rng(14)
    params = {"log proportions": rng.normal(size=3), "means": rng.normal(size=(3, 2)),
              "lower triangles": np.eye(2) + 0.1 * rng.normal(size=(3, 2, 2))}
    tangent = {key: rng.normal(size=np.shape(value)) for key, value in params.items()}
    data = rng.normal(size=(8, 2))
    value, derivative = module.likelihood_jvp(params, data, tangent)
    expected_value, expected_derivative = reference.likelihood_jvp(params, data, tangent)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(derivative, expected_derivative, rtol=1e-10)
