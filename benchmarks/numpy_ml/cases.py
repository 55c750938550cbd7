"""The numpy-ml cases: which method of which object becomes which kernel, its seeded inputs, and numpy-ml's
hand-written derivative as an oracle (a function of the compiled oracle module and an input, see __main__)."""
from __future__ import annotations

import inspect
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..scipy_go.convert import Case
from .convert import Builder, leftover_self

N, M = 4, 3  # the examples (rows) and features of every input


@dataclass(kw_only=True)
class NumpyMLCase(Case):
    """A Case with what the numpy-ml checks need: the parameters, inputs, and numpy-ml's own derivative."""
    oracle_text: str = ""  # the module declaring the derivatives compared with numpy-ml's (empty: none)
    oracle: Callable | None = None  # (compiled oracle module, args) -> {form: (ours, numpy-ml's, order)}
    oracle_forms: tuple = ("nm1",)  # what `oracle` returns: nm1 (first derivatives), nm2 (second)

    @property
    def label(self) -> str:
        return self.name


def _rng(label: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(label.encode()))


def _kernel(params: dict[str, str], body: str, name: str = "f") -> str:
    signature = ", ".join(f'{p}: "{a}"' for p, a in params.items())
    return f"@kernel\ndef {name}({signature}):\n    return {body}\n"


def _case(name: str, family: str, build: Callable[[Builder], str], params: dict[str, str], inputs: list,
          oracle_kernels: str = "", oracle: Callable | None = None, builder: Builder | None = None) -> NumpyMLCase:
    """`build(builder)` adds the helpers and returns the kernel's return expression (`builder`: numpy-ml's rules
    unless given, as ML-From-Scratch's driver does)."""
    builder = builder or Builder()
    case = NumpyMLCase(name=name, dimension=N, family=family, params=list(params), inputs=inputs)
    try:
        body = build(builder)
    except Exception as exc:  # noqa: BLE001  numpy-ml's constructor or source not what the rules read
        case.not_converted = f"{type(exc).__name__}: {exc}"[:200]
        return case
    text = builder.module(_kernel(params, body))
    reasons = builder.reasons + leftover_self(text)
    if reasons:
        case.not_converted = "; ".join(dict.fromkeys(reasons))
        return case
    case.text = text
    if oracle is not None:
        case.oracle_text, case.oracle = text + "\n" + oracle_kernels, oracle
    return case


def _with_forms(case: NumpyMLCase, forms: tuple) -> NumpyMLCase:
    case.oracle_forms = forms
    return case


# -- activations: fn, with grad and grad2 (elementwise) as oracles -----------------------------------------------
def activation_inputs(label: str) -> list[list]:
    rng = _rng(label)
    kinks = np.array([[0.0, 2.5, -2.5], [1.0, -1.0, 0.5], [-0.5, 3.0, -3.0], [0.25, -0.25, 2.0]])
    return [[2 * rng.standard_normal((N, M))], [2 * rng.standard_normal((N, M))], [kinks]]


def activation_cases(numpy_ml) -> list[NumpyMLCase]:
    from numpy_ml.neural_nets.activations import activations

    found = []
    for name, cls in vars(activations).items():
        if not (inspect.isclass(cls) and issubclass(cls, activations.ActivationBase) and not inspect.isabstract(cls)):
            continue
        instance = cls()
        ann = f"f64[{N}, {M}]"
        sums = _kernel({"z": ann}, "np.sum(self_fn(z))", "s") + "ds = grad(s, wrt=0)\ndds = jvp(ds, wrt=0)\n"

        def oracle(module, args, instance=instance):
            z = args[0]
            return {"nm1": (module.ds(z.copy()), instance.grad(z.copy()), 1),
                    "nm2": (module.dds(z.copy(), np.ones_like(z))[1], instance.grad2(z.copy()), 2)}
        found.append(_with_forms(_case(name, "activations", lambda b, i=instance: b.method(i, "fn") + "(z)",
                                       {"z": ann}, activation_inputs(name), sums, oracle), ("nm1", "nm2")))
    return found


# -- losses: loss, with grad as the oracle --------------------------------------------------------------------------
def _one_hot(rng: np.random.Generator) -> np.ndarray:
    return np.eye(M, dtype=np.int64)[rng.integers(0, M, N)]


def loss_cases(numpy_ml) -> list[NumpyMLCase]:
    from numpy_ml.neural_nets.activations.activations import Identity
    from numpy_ml.neural_nets.layers.layers import Softmax
    from numpy_ml.neural_nets.losses import losses

    ann = f"f64[{N}, {M}]"
    found = []
    rng = _rng("SquaredError")
    square = losses.SquaredError()

    def squared_oracle(module, args):
        y_pred, y = args
        return {"nm1": (module.g(y_pred.copy(), y.copy()), square.grad(y, y_pred, y_pred, Identity()), 1)}
    found.append(_case("SquaredError", "losses", lambda b: b.method(square, "loss") + "(y, y_pred)",
                       {"y_pred": ann, "y": ann},
                       [[rng.standard_normal((N, M)), rng.standard_normal((N, M))] for _ in range(2)],
                       "g = grad(f, wrt=0)\n", squared_oracle))
    # numpy-ml's CrossEntropy.grad is the derivative in the softmax's input z: the kernel is loss(y, softmax(z))
    rng = _rng("CrossEntropy")
    cross, softmax = losses.CrossEntropy(), Softmax(dim=-1)

    def cross_oracle(module, args):
        z, y = args
        return {"nm1": (module.g(z.copy(), y.copy()), cross.grad(y, softmax._fwd(z)), 1)}
    found.append(_case("CrossEntropy(softmax)", "losses",
                       lambda b: f"{b.method(cross, 'loss')}(y, {b.method(softmax, '_fwd', 'softmax_')}(z))",
                       {"z": ann, "y": f"i64[{N}, {M}]"}, [[rng.standard_normal((N, M)), _one_hot(rng)] for _ in range(2)],
                       "g = grad(f, wrt=0)\n", cross_oracle))
    rng = _rng("VAELoss")
    vae, T = losses.VAELoss(), 2

    def vae_oracle(module, args):
        ours = module.gall(*[a.copy() for a in args])
        theirs = vae.grad(*[args[k] for k in (3, 0, 1, 2)])  # (dY_pred, dLogVar, dMean)
        return {"nm1": (np.concatenate([np.ravel(ours[k]) for k in (0, 2, 1)]),
                        np.concatenate([np.ravel(t) for t in theirs]), 1)}
    found.append(_case("VAELoss", "losses", lambda b: b.method(vae, "loss") + "(y, y_pred, t_mean, t_log_var)",
                       {"y_pred": ann, "t_mean": f"f64[{N}, {T}]", "t_log_var": f"f64[{N}, {T}]", "y": ann},
                       [[rng.uniform(0.05, 0.95, (N, M)), rng.standard_normal((N, T)), rng.standard_normal((N, T)),
                         (rng.random((N, M)) < 0.5).astype(float)] for _ in range(2)],
                       "gall = grad(f, wrt=(0, 1, 2))\n", vae_oracle))
    return found


# -- layers: the forward pass, with _bwd as the oracle -------------------------------------------------------------
def layer_cases(numpy_ml) -> list[NumpyMLCase]:
    from numpy_ml.neural_nets.layers import layers

    ann = f"f64[{N}, {M}]"
    found = []
    rng = _rng("Softmax")
    softmax = layers.Softmax(dim=-1)

    def softmax_oracle(module, args):
        dy = np.cos(np.arange(N * M)).reshape(N, M)
        return {"nm1": (module.fvjp(args[0].copy(), dy)[1], softmax._bwd(dy, args[0]), 1)}
    found.append(_case("Softmax", "layers", lambda b: b.method(softmax, "_fwd") + "(X)", {"X": ann},
                       [[3 * rng.standard_normal((N, M))] for _ in range(2)], "fvjp = vjp(f, wrt=0)\n",
                       softmax_oracle))
    from numpy_ml.neural_nets.activations import activations as a

    for act in (a.Identity(), a.ReLU(), a.Tanh(), a.Sigmoid(), a.Affine(slope=2, intercept=1), a.LeakyReLU(alpha=0.3),
                a.ELU(alpha=1.5), a.SoftPlus()):
        label = f"FullyConnected[{type(act).__name__}]"
        rng = _rng(label)
        layer = layers.FullyConnected(n_out=2, act_fn=act)
        layer.forward(rng.standard_normal((N, M)))  # numpy-ml initialises W and b at the first forward pass
        W, b = layer.parameters["W"].copy(), layer.parameters["b"].copy()

        def fc_oracle(module, args, layer=layer):
            X, W, b = args
            dy = np.cos(np.arange(N * 2)).reshape(N, 2)
            layer.parameters["W"], layer.parameters["b"] = W.copy(), b.copy()
            ours = module.fvjp(X.copy(), W.copy(), b.copy(), dy)[1]
            theirs = layer._bwd(dy, X.copy())
            return {"nm1": (np.concatenate([np.ravel(o) for o in ours]),
                            np.concatenate([np.ravel(t) for t in theirs]), 1)}
        found.append(_case(label, "layers",
                           lambda bl, layer=layer: bl.method(layer, "_fwd", "self_",
                                                             {"W": "W", "b": "b"}) + "(X, W, b)[0]",
                           {"X": ann, "W": f"f64[{M}, 2]", "b": "f64[1, 2]"},
                           [[rng.standard_normal((N, M)), W, b], [rng.standard_normal((N, M)),
                                                                 rng.standard_normal((M, 2)), rng.standard_normal((1, 2))]],
                           "fvjp = vjp(f, wrt=(0, 1, 2))\n", fc_oracle))
    for pool in (None, "sum", "mean"):
        label = f"Embedding[pool={pool}]"
        rng = _rng(label)
        layer = layers.Embedding(n_out=3, vocab_size=6, pool=pool)
        layer._init_params()
        ids = np.array([[0, 2, 2], [5, 1, 0], [3, 3, 3], [4, 1, 2]])  # repeated ids within a row included

        def embedding_oracle(module, args, layer=layer, pool=pool):
            W, X = args
            dy = np.cos(np.arange(N * (1 if pool else 3) * 3)).reshape(N, 1 if pool else 3, 3)
            layer.parameters["W"] = W.copy()
            return {"nm1": (module.fvjp(W.copy(), X.copy(), dy)[1], layer._bwd(dy, X.copy()), 1)}
        found.append(_case(label, "layers",
                           lambda bl, layer=layer: bl.method(layer, "_fwd", "self_", {"W": "W"}) + "(X, W)",
                           {"W": "f64[6, 3]", "X": f"i64[{N}, 3]"},
                           [[layer.parameters["W"].copy(), ids], [rng.standard_normal((6, 3)), ids[::-1].copy()]],
                           "fvjp = vjp(f, wrt=0)\n", embedding_oracle))
    # normalisations: LayerNorm1D's forward (its training form: retain_derived=False only skips storing X), with
    # _bwd as the oracle; BatchNorm1D's with retain_derived=False is the inference form (running statistics)
    for label, layer in (("LayerNorm1D", layers.LayerNorm1D()), ("BatchNorm1D[inference]", layers.BatchNorm1D())):
        rng = _rng(label)
        layer.forward(rng.standard_normal((N, M)), retain_derived=False)  # initialises the parameters
        layer.parameters["scaler"] = rng.uniform(0.5, 1.5, M)
        if "running_mean" in layer.parameters:
            layer.parameters["running_mean"], layer.parameters["running_var"] = rng.normal(size=M), rng.uniform(0.5, 2, M)
        names = {"scaler": "scaler", "intercept": "intercept"}

        def norm_oracle(module, args, layer=layer):
            X, scaler, intercept = args
            dy = np.cos(np.arange(N * M)).reshape(N, M)
            layer.parameters["scaler"], layer.parameters["intercept"] = scaler.copy(), intercept.copy()
            ours = module.fvjp(X.copy(), scaler.copy(), intercept.copy(), dy)[1]
            return {"nm1": (np.concatenate([np.ravel(o) for o in ours]),
                            np.concatenate([np.ravel(t) for t in layer._bwd(dy, X.copy())]), 1)}
        training = label == "LayerNorm1D"
        found.append(_case(label, "layers",
                           lambda bl, layer=layer: bl.method(layer, "forward", "self_", names,
                                                             {"retain_derived": False}) +
                           "(X, retain_derived=False, scaler=scaler, intercept=intercept)",
                           {"X": ann, "scaler": f"f64[{M}]", "intercept": f"f64[{M}]"},
                           [[3 * rng.standard_normal((N, M)) + 1, layer.parameters["scaler"].copy(),
                             rng.normal(size=M)] for _ in range(2)],
                           "fvjp = vjp(f, wrt=(0, 1, 2))\n" if training else "",
                           norm_oracle if training else None))
    # forward passes whose math is interleaved with writes to the layer's state: listed with the reason
    for label, layer, call in (("BatchNorm1D[training]", layers.BatchNorm1D(), "(X)"),
                               ("RNNCell.forward", layers.RNNCell(n_out=3), "(X)"),
                               ("LSTMCell.forward", layers.LSTMCell(n_out=3), "(X)")):
        rng = _rng(label)
        if label.startswith("BatchNorm1D"):
            layer.forward(rng.standard_normal((N, M)), retain_derived=False)  # initialises the parameters
        else:
            layer.forward(rng.standard_normal((N, M)))
        found.append(_case(label, "layers", lambda bl, layer=layer, c=call: bl.method(layer, "forward") + c,
                           {"X": ann}, [[rng.standard_normal((N, M))]]))
    return found


# -- utils/kernels.py: Gram matrices (no hand-written derivative) -------------------------------------------------
def kernel_cases(numpy_ml) -> list[NumpyMLCase]:
    from numpy_ml.utils import kernels

    found = []
    objects = {"LinearKernel": kernels.LinearKernel(c0=1.0), "PolynomialKernel": kernels.PolynomialKernel(d=3, c0=1.0),
               "RBFKernel": kernels.RBFKernel(sigma=1.5), "RBFKernel[default sigma]": kernels.RBFKernel()}
    for label, obj in objects.items():
        rng = _rng(label)
        found.append(_case(label, "kernels", lambda b, o=obj: b.method(o, "_kernel") + "(X, Y)",
                           {"X": f"f64[{N}, {M}]", "Y": f"f64[5, {M}]"},
                           [[rng.standard_normal((N, M)), rng.standard_normal((5, M))] for _ in range(2)]))
    rng = _rng("pairwise_l2_distances")
    found.append(_case("pairwise_l2_distances", "kernels",
                       lambda b: b.global_name("pairwise_l2_distances", kernels.pairwise_l2_distances) + "(X, Y)",
                       {"X": f"f64[{N}, {M}]", "Y": f"f64[5, {M}]"},
                       [[rng.standard_normal((N, M)), rng.standard_normal((5, M))] for _ in range(2)]))
    return found


# -- neural_nets/utils: convolutions by im2col (and the naive loops), with Conv2D._bwd as the oracle ---------------
def convolution_cases(numpy_ml) -> list[NumpyMLCase]:
    from numpy_ml.neural_nets.layers.layers import Conv2D
    from numpy_ml.neural_nets.utils import utils

    found = []
    x_ann, w_ann = "f64[2, 5, 5, 2]", "f64[3, 3, 2, 3]"
    for function, stride, pad, dilation in (("conv2D", 1, 1, 0), ("conv2D", 2, 0, 0), ("conv2D", 1, "same", 1),
                                            ("conv2D_naive", 1, 1, 0)):
        label = f"{function}[stride={stride} pad={pad} dilation={dilation}]"
        rng = _rng(label)
        layer = Conv2D(out_ch=3, kernel_shape=(3, 3), pad=pad, stride=stride, dilation=dilation)

        def conv_oracle(module, args, layer=layer, stride=stride, pad=pad, dilation=dilation):
            X, W = args
            Z = utils.conv2D(X, W, stride, pad, dilation)
            dy = np.cos(np.arange(Z.size)).reshape(Z.shape)
            layer.parameters = {"W": W.copy(), "b": np.zeros((1, 1, 1, 3))}
            ours = module.fvjp(X.copy(), W.copy(), dy)[1]
            theirs = layer._bwd(dy, X.copy(), Z)[:2]
            return {"nm1": (np.concatenate([np.ravel(o) for o in ours]),
                            np.concatenate([np.ravel(t) for t in theirs]), 1)}
        found.append(_case(label, "convolutions",
                           lambda b, f=function, s=stride, p=pad, d=dilation:
                           f"{b.global_name(f, getattr(utils, f))}(X, W, {s}, {p!r}, {d})",
                           {"X": x_ann, "W": w_ann},
                           [[rng.standard_normal((2, 5, 5, 2)), rng.standard_normal((3, 3, 2, 3))] for _ in range(2)],
                           "fvjp = vjp(f, wrt=(0, 1))\n", conv_oracle))
    rng = _rng("conv1D")
    found.append(_case("conv1D[stride=1 pad=1]", "convolutions",
                       lambda b: b.global_name("conv1D", utils.conv1D) + "(X, W, 1, 1)",
                       {"X": "f64[2, 6, 2]", "W": "f64[3, 2, 3]"},
                       [[rng.standard_normal((2, 6, 2)), rng.standard_normal((3, 2, 3))] for _ in range(2)]))
    rng = _rng("im2col")
    found.append(_case("im2col", "convolutions",
                       lambda b: b.global_name("im2col", utils.im2col) + "(X, (3, 3, 2, 3), 1, 1)[0]",
                       {"X": x_ann}, [[rng.standard_normal((2, 5, 5, 2))]]))
    return found


# -- linear_models: logistic regression's penalised NLL, with _NLL_grad as the oracle --------------------------------
def linear_model_cases(numpy_ml) -> list[NumpyMLCase]:
    from numpy_ml.linear_models import logistic

    found = []
    for penalty in ("l2", "l1"):
        label = f"LogisticRegression._NLL[{penalty}]"
        rng = _rng(label)
        model = logistic.LogisticRegression(penalty=penalty, gamma=0.7)

        def nll_oracle(module, args, model=model):
            beta, X, y = args
            model.beta = beta.copy()
            return {"nm1": (module.g(beta.copy(), X.copy(), y.copy()),
                            model._NLL_grad(X, y, logistic._sigmoid(X @ beta)), 1)}
        found.append(_case(label, "linear models",
                           lambda b, m=model: f"{b.method(m, '_NLL', 'self_', {'self.beta': 'beta'})}(X, y, "
                                              f"{b.global_name('_sigmoid', logistic._sigmoid)}(X @ beta), beta)",
                           {"beta": f"f64[{M}]", "X": f"f64[{N}, {M}]", "y": f"i64[{N}]"},
                           [[rng.standard_normal(M), rng.standard_normal((N, M)), rng.integers(0, 2, N)]
                            for _ in range(2)], "g = grad(f, wrt=0)\n", nll_oracle))
    return found


FAMILIES = {"activations": activation_cases, "losses": loss_cases, "layers": layer_cases, "kernels": kernel_cases,
            "convolutions": convolution_cases, "linear models": linear_model_cases}


def cases(numpy_ml, only: set[str] | None = None) -> list[NumpyMLCase]:
    found = [case for make in FAMILIES.values() for case in make(numpy_ml)]
    return [case for case in found if not only or case.name in only]
