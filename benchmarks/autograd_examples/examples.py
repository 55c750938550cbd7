"""What the driver needs to know about each of autograd's examples that the source does not say: the sizes.

For every call of an autograd transform in `examples/` there is one entry: the function it differentiates (as the
example names it), the inputs of its own parameters at a small size (made with the example's own functions where it
has them: `init_random_params(0.1, [4, 3, 2])`, `build_toy_dataset(n_data=6)`), and what each captured name of a
closure becomes (an extra parameter with its data, or a module constant at a small size). An entry with `reason`
is what the driver cannot turn into a kernel, and says why; it is counted "not converted".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Target:
    """One differentiated function of one example."""

    example: str  # the path under examples/
    function: str  # its name in the example (a `def`, or a name bound to a `lambda`)
    transform: str  # how the example differentiates it
    own: Callable | None = None  # (namespace, rng) -> the inputs of the function's own parameters
    data: dict[str, Callable] = field(default_factory=dict)  # captured name -> (namespace, rng) -> its value
    constants: dict = field(default_factory=dict)  # captured name -> a module constant (source, or (ns) -> array)
    scope: str | None = None  # where it is defined: "module", "__main__" or a factory's name
    line: int | None = None  # the line of the transform's call (a name defined twice: the def before it)
    label: str | None = None  # the name in the report, where one example differentiates two functions
    reason: str | None = None  # why it is not converted
    siblings: tuple[str, ...] = ()  # sibling examples it imports functions from

    @property
    def name(self) -> str:
        return f"{self.example.removesuffix('.py')}:{self.label or self.function}"

    def inputs(self, namespace: dict, params: list[str]) -> list[list]:
        """Two input sets (seeds 0 and 1), one value per parameter."""
        sets = []
        for seed in (0, 1):
            rng = np.random.RandomState(seed)
            own = list(self.own(namespace, rng))
            extra = [self.data[name](namespace, rng) for name in params[len(own):]]
            sets.append(own + extra)
        return sets


def one_hot(rng, shape, size):
    return np.eye(size)[rng.randint(0, size, size=shape)]


RANDOM_SVI = "its gradient is black_box_svi.py's variational objective, which draws samples inside the function"

TARGETS = [
    Target("logistic_regression.py", "training_loss", "grad", own=lambda ns, rs: [0.5 * rs.randn(3)]),
    Target("rosenbrock.py", "rosenbrock", "value_and_grad", own=lambda ns, rs: [rs.randn(2)]),
    Target("sinusoid.py", "fun", "grad, grad(grad)", own=lambda ns, rs: [float(rs.uniform(-3, 3))], line=11,
           label="fun (sin)"),
    Target("sinusoid.py", "fun", "grad, grad(grad)", own=lambda ns, rs: [float(rs.uniform(-3, 3))], line=38,
           label="fun (Taylor series)"),
    Target("tanh.py", "tanh", "elementwise_grad, nested 4 deep", own=lambda ns, rs: [np.linspace(-7, 7, 7) + rs.rand()]),
    Target("fixed_points.py", "np.sqrt", "grad, grad(grad)", own=lambda ns, rs: [2.0 + rs.rand()]),
    Target("fixed_points.py", "sqrt", "grad, grad(grad)", own=lambda ns, rs: [2.0 + rs.rand()]),
    Target("neural_net.py", "objective", "grad",
           own=lambda ns, rs: [ns["init_random_params"](0.1, [4, 3, 2], rs), 1],
           data={"train_images": lambda ns, rs: rs.rand(6, 4), "train_labels": lambda ns, rs: one_hot(rs, 6, 2)},
           constants={"L2_reg": "1.0", "num_batches": "2", "batch_size": "3"}),
    Target("neural_net_regression.py", "objective", "grad",
           own=lambda ns, rs: [ns["init_random_params"](0.1, [1, 4, 4, 1], rs), 0],
           data={"inputs": lambda ns, rs: ns["build_toy_dataset"](n_data=6)[0],
                 "targets": lambda ns, rs: ns["build_toy_dataset"](n_data=6)[1]},
           constants={"weight_prior_variance": "10.0"}),
    Target("rnn.py", "training_loss", "grad",
           own=lambda ns, rs: [ns["create_rnn_params"](5, 3, 5, param_scale=0.5, rs=rs), 0],
           data={"train_inputs": lambda ns, rs: one_hot(rs, (4, 2), 5)}),
    Target("lstm.py", "training_loss", "grad", siblings=("rnn",),
           own=lambda ns, rs: [ns["init_lstm_params"](5, 3, 5, param_scale=0.5, rs=rs), 0],
           data={"train_inputs": lambda ns, rs: one_hot(rs, (4, 2), 5)}),
    Target("gaussian_process.py", "objective", "value_and_grad", own=lambda ns, rs: [0.1 * rs.randn(4)],
           data={"X": lambda ns, rs: ns["build_toy_dataset"](D=1, n_data=6)[0],
                 "y": lambda ns, rs: ns["build_toy_dataset"](D=1, n_data=6)[1]},
           constants={"D": "1"}),
    Target("deep_gaussian_process.py", "objective", "value_and_grad", siblings=("gaussian_process",),
           own=lambda ns, rs: [0.1 * rs.randn(4 + 4 + 6)],
           constants={"n_data": "6", "input_dimension": "1", "hidden_dimension": "1",
                      "X": lambda ns: ns["build_step_function_dataset"](D=1, n_data=6)[0],
                      "y": lambda ns: ns["build_step_function_dataset"](D=1, n_data=6)[1]}),
    Target("gplvm.py", "objective", "value_and_grad", siblings=("gaussian_process",),
           own=lambda ns, rs: [0.1 * rs.randn(2 * 5 + 5 * 2)],
           data={"data": lambda ns, rs: rs.randn(5, 2)},
           constants={"data_dimension": "2", "latent_dimension": "2", "datalen": "5"}),
    Target("ica.py", "objective", "value_and_grad", own=lambda ns, rs: [0.5 * rs.randn(3 * 2 + 2 * 4 + 1)],
           data={"data": lambda ns, rs: rs.randn(4, 3)},
           constants={"observed_dimension": "3", "latent_dimension": "2", "n_samples": "4"}),
    Target("gmm.py", "objective", "grad and hessian_vector_product of flatten_func(objective, init_params)",
           own=lambda ns, rs: [ns["init_gmm_params"](3, 2, 0.5, rs)],
           data={"data": lambda ns, rs: rs.randn(5, 2)}),
    Target("hmm_em.py", "log_partition_function", "value_and_grad (as vgrad, inside EM)",
           own=lambda ns, rs: [[np.log(ns["normalize"](rs.rand(*shape))) for shape in ((3,), (3, 3), (3, 4))],
                               [rs.randint(0, 4, size=5), rs.randint(0, 4, size=3)]]),
    Target("negative_binomial_maxlike.py", "loglike", "grad(argnum=(0, 1))", scope="__main__",
           own=lambda ns, rs: [5.0 + rs.rand(), 0.3 + 0.4 * rs.rand()],
           data={"data": lambda ns, rs: rs.poisson(4.0, size=6)}),
    Target("negative_binomial_maxlike.py", "loglike", "grad (inside rprime)", scope="fit_maxlike",
           label="loglike (fit_maxlike)", own=lambda ns, rs: [5.0 + rs.rand(), 0.3 + 0.4 * rs.rand()],
           data={"x": lambda ns, rs: rs.poisson(4.0, size=6)}),
    Target("negative_binomial_maxlike.py", "f", "grad, grad(grad) (inside newton)", label="f (newton)",
           reason="the differentiated function is newton's parameter `f` (rprime, itself a call of grad)"),
    Target("define_gradient.py", "example_func", "grad", own=lambda ns, rs: [rs.randn(10)]),
    Target("fluidsim/fluidsim.py", "objective", "value_and_grad", own=lambda ns, rs: [0.1 * rs.randn(2 * 4 * 4)],
           data={"init_smoke": lambda ns, rs: rs.rand(4, 4), "target": lambda ns, rs: rs.rand(4, 4)},
           constants={"simulation_timesteps": "2", "rows": "4", "cols": "4"}),
    Target("fluidsim/wing.py", "objective", "value_and_grad",  # (its occlusion may be nonzero in [10:30, 10:30])
           own=lambda ns, rs: [-np.ones(12 * 12) + 0.5 * rs.rand(144)],
           constants={"simulation_timesteps": "2", "rows": "12", "cols": "12", "init_vx": "np.ones((rows, cols))",
                      "init_vy": "np.zeros((rows, cols))"}),
    Target("black_box_svi.py", "variational_objective", "grad (inside black_box_variational_inference)",
           own=lambda ns, rs: [rs.randn(4), 0]),
    Target("bayesian_neural_net.py", "variational_objective", "black_box_svi's gradient", reason=RANDOM_SVI),
    Target("natural_gradient_black_box_svi.py", "variational_objective", "black_box_svi's gradient",
           reason=RANDOM_SVI),
    Target("mixture_variational_inference.py", "objective", "grad",  # (k = 10 components of 2 * D parameters)
           own=lambda ns, rs: [0.1 * rs.randn(10 + 10 * 2 * 2), 0], constants={"D": "2"}),
    Target("variational_autoencoder.py", "objective", "grad", own=lambda ns, rs: [None, 0]),
    Target("generative_adversarial_net.py", "objective", "grad(argnum=(0, 1))", own=lambda ns, rs: [None, None, 0]),
    Target("convnet.py", "loss_fun", "grad",
           reason="the network is built of user classes (WeightsParser, conv_layer, maxpool_layer) and "
                  "autograd.scipy.signal.convolve, which has no NumPy equivalent"),
    Target("rkhs.py", "logprob", "grad",
           reason="the differentiated value is a user class (RKHSFun, a function in a reproducing kernel Hilbert "
                  "space, with its own autograd vector space), not an array"),
    Target("ode_net.py", "train_loss", "grad",
           reason="autograd.scipy.integrate.odeint: SciPy's adaptive ODE solver (LSODA) has no NumPy equivalent"),
    Target("bayesian_optimization.py", "objective", "value_and_grad (inside choose_next_point)",
           reason="the differentiated function is a parameter of choose_next_point (the acquisition function, "
                  "a closure over a GP refit in a loop at run time)"),
    Target("print_trace.py", "fun", "grad (traced)",
           reason="the example is about autograd's tracer (autograd.tracer.Node, trace): the call differentiates "
                  "under a user Node class"),
]

