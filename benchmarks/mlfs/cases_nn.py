"""ML-From-Scratch's deep_learning cases: activation functions and losses (value, with the file's own `gradient` as
the oracle) and the layers' forward passes (with `backward_pass` as the oracle)."""
from __future__ import annotations

import inspect

import numpy as np

from ..numpy_ml.cases import M, N, NumpyMLCase, _case, _kernel, _rng, activation_inputs
from ..numpy_ml.convert import Builder


def mlfs_builder() -> Builder:
    """The converter with ML-From-Scratch's rules (benchmarks/mlfs/__init__.py)."""
    return Builder(package="mlfromscratch.", state_as_locals=True)


def _flat(values) -> np.ndarray:
    values = values if isinstance(values, (tuple, list)) else (values,)
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values])


# -- activation functions: __call__, with gradient (elementwise) as the oracle --------------------------------------
def activation_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.deep_learning import activation_functions as af

    found = []
    for name, cls in vars(af).items():
        if not (inspect.isclass(cls) and cls.__module__ == af.__name__ and hasattr(cls, "gradient")):
            continue
        instance, ann = cls(), f"f64[{N}, {M}]"
        sums = _kernel({"z": ann}, "np.sum(self___call__(z))", "s") + "ds = grad(s, wrt=0)\n"

        def oracle(module, args, instance=instance):
            z = args[0]
            return {"nm1": (module.ds(z.copy()), instance.gradient(z.copy()), 1)}
        found.append(_case(name, "activations", lambda b, i=instance: b.method(i, "__call__") + "(z)", {"z": ann},
                           activation_inputs(name), sums, oracle, builder=mlfs_builder()))
    return found


# -- losses: loss (elementwise), with gradient (in y_pred) as the oracle --------------------------------------------
def loss_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.deep_learning import loss_functions as lf

    ann, found = f"f64[{N}, {M}]", []
    for label, obj in (("SquareLoss", lf.SquareLoss()), ("CrossEntropy", lf.CrossEntropy())):
        rng = _rng(label)
        if label == "SquareLoss":
            inputs = [[rng.standard_normal((N, M)), rng.standard_normal((N, M))] for _ in range(2)]
        else:  # probabilities and one-hot (float) labels, as the library's classifiers pass them
            inputs = [[rng.uniform(0.05, 0.95, (N, M)), np.eye(M)[rng.integers(0, M, N)]] for _ in range(2)]
        sums = _kernel({"y_pred": ann, "y": ann}, "np.sum(self_loss(y, y_pred))", "s") + "ds = grad(s, wrt=0)\n"

        def oracle(module, args, obj=obj):
            y_pred, y = args
            return {"nm1": (module.ds(y_pred.copy(), y.copy()), obj.gradient(y.copy(), y_pred.copy()), 1)}
        found.append(_case(label, "losses", lambda b, o=obj: b.method(o, "loss") + "(y, y_pred)",
                           {"y_pred": ann, "y": ann}, inputs, sums, oracle, builder=mlfs_builder()))
    return found


# -- layers: forward_pass, with backward_pass as the oracle ---------------------------------------------------------
class Recorder:
    """A layer's optimizer that keeps the gradient its backward pass hands over and leaves the weights as they are:
    the layers return only dX, so the weights' gradients are read here."""

    def __init__(self) -> None:
        self.grad: np.ndarray | None = None

    def update(self, w, grad_wrt_w):
        self.grad = np.copy(grad_wrt_w)
        return w


def _layer_oracle(layer, weights: tuple[str, ...], fixed: dict):
    """The layer's `backward_pass` after its `forward_pass` at the kernel's arguments (X, then the weights named
    `weights`, set on the layer): dX and each weight's gradient, beside Lifted's vjp of all."""

    def oracle(module, args):
        X, *values = args
        recorders = {}
        for attr, value in zip(weights, values):
            setattr(layer, attr, np.copy(value))
            recorders[attr] = Recorder()
            setattr(layer, f"{attr}_opt", recorders[attr])
        out = layer.forward_pass(np.copy(X), **fixed)
        dy = np.cos(np.arange(np.size(out))).reshape(np.shape(out))
        dX = layer.backward_pass(dy)
        ours = module.fvjp(*[np.copy(a) for a in args], dy)[1]
        return {"nm1": (_flat(ours), _flat([dX] + [recorders[a].grad for a in weights]), 1)}
    return oracle


def _layer(label: str, layer, X_shape: tuple, weights: dict[str, np.ndarray], fixed: dict | None = None,
           oracle: bool = True, seeds: int = 2) -> NumpyMLCase:
    """A case of `layer.forward_pass(X, <weights>, **fixed)`: the layer's weights `self.<name>` are parameters."""
    rng = _rng(label)
    fixed = fixed or {}
    params = {"X": f"f64[{', '.join(map(str, X_shape))}]"} | \
        {name: f"f64[{', '.join(map(str, w.shape))}]" for name, w in weights.items()}
    inputs = [[rng.standard_normal(X_shape)] + [rng.standard_normal(w.shape) for w in weights.values()]
              for _ in range(seeds)]
    arguments = ", ".join(["X", *weights] + [f"{k}={v!r}" for k, v in fixed.items()])
    wrt = ", ".join(str(k) for k in range(1 + len(weights)))
    return _case(label, "layers",
                 lambda b: b.method(layer, "forward_pass", "self_", {f"self.{w}": w for w in weights}, fixed) +
                 f"({arguments})", params, inputs,
                 f"fvjp = vjp(f, wrt=({wrt},))\n" if oracle else "",
                 _layer_oracle(layer, tuple(weights), fixed) if oracle else None, builder=mlfs_builder())


def layer_cases(mlfs) -> list[NumpyMLCase]:
    from mlfromscratch.deep_learning import layers as L
    from mlfromscratch.deep_learning.optimizers import StochasticGradientDescent

    def ready(layer, input_shape):
        layer.set_input_shape(input_shape)
        if hasattr(layer, "initialize"):
            layer.initialize(StochasticGradientDescent())
        return layer

    found = [_layer("Dense", ready(L.Dense(2), (M,)), (N, M), {"W": np.zeros((M, 2)), "w0": np.zeros((1, 2))})]
    for padding, stride in (("same", 1), ("valid", 1), ("valid", 2)):
        layer = ready(L.Conv2D(3, (3, 3), padding=padding, stride=stride), (2, 5, 5))
        found.append(_layer(f"Conv2D[{padding} stride={stride}]", layer, (2, 2, 5, 5),
                            {"W": np.zeros((3, 2, 3, 3)), "w0": np.zeros((3, 1))}))
    for training in (True, False):
        layer = ready(L.BatchNormalization(), (M,))
        rng = _rng(f"BatchNormalization[{training}]")
        layer.running_mean, layer.running_var = rng.normal(size=M), rng.uniform(0.5, 2, M)
        found.append(_layer(f"BatchNormalization[training={training}]", layer, (N, M),
                            {"gamma": np.zeros(M), "beta": np.zeros(M)}, {"training": training}, oracle=training))
    for activation in ("tanh", "sigmoid", "relu"):
        layer = ready(L.RNN(3, activation=activation), (3, M))
        found.append(_layer(f"RNN[{activation}]", layer, (2, 3, M),
                            {"U": np.zeros((3, M)), "V": np.zeros((M, 3)), "W": np.zeros((3, 3))}))
    for cls in (L.MaxPooling2D, L.AveragePooling2D):
        for padding in ("valid", 0):  # 0: the class's default, which determine_padding does not know
            layer = ready(cls(pool_shape=(2, 2), stride=1, padding=padding), (2, 4, 4))
            found.append(_layer(f"{cls.__name__}[padding={padding!r}]", layer, (2, 2, 4, 4), {}))
    for training in (False, True):
        found.append(_layer(f"Dropout[training={training}]", ready(L.Dropout(0.3), (M,)), (N, M), {},
                            {"training": training}, oracle=not training))
    for name in ("sigmoid", "relu", "softmax", "elu"):
        found.append(_layer(f"Activation[{name}]", ready(L.Activation(name), (M,)), (N, M), {}))
    found.append(_layer("ZeroPadding2D", ready(L.ZeroPadding2D((1, 2)), (2, 3, 3)), (2, 2, 3, 3), {}))
    found.append(_layer("Flatten", ready(L.Flatten(), (2, 3, 3)), (2, 2, 3, 3), {}))
    found.append(_layer("UpSampling2D", ready(L.UpSampling2D((2, 2)), (2, 3, 3)), (2, 2, 3, 3), {}))
    found.append(_layer("Reshape", ready(L.Reshape((3, 2)), (6,)), (N, 6), {}))
    return found
