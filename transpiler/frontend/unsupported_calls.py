"""What a call of an unsupported function says: a refusal with a hint, random draws, a typo's likely meaning."""
from __future__ import annotations

from .ufunc_handlers import Handler


def refuse(message: str, hint: str) -> Handler:
    """A handler that refuses its call with `message` and `hint`, located at the call."""
    def handle(lowering, node, builder, positional, keywords):
        raise lowering.error(node, message, hint)

    return handle


# the draws of numpy.random's functions and of a `RandomState`/`Generator` (methods people call on `rs`)
RANDOM_DRAWS = frozenset({"rand", "randn", "randint", "random", "random_sample", "normal", "uniform", "choice",
                          "standard_normal", "integers", "permutation", "shuffle", "binomial", "poisson", "gamma",
                          "beta", "exponential", "multivariate_normal", "dirichlet", "laplace", "logistic"})
RANDOM_MESSAGE = "random draws are not supported in kernels: each generated function (the gradient's forward " \
                 "sweep, the JVP, the C target) would draw other numbers than the source"
RANDOM_HINT = 'draw the noise outside the kernel and pass it in as a parameter (`noise: "f64[n,d]"`), then ' \
              "compute with it as the source does (`noise * np.exp(log_std) + mean`)"


def unsupported_message(path: str, code: str) -> tuple[str, str]:
    """The error and hint for a call of an unsupported module function (`code` as written)."""
    if path.startswith(("numpy.random.", "jax.random.")):
        return f"`{code}`: {RANDOM_MESSAGE}", RANDOM_HINT
    if path.startswith("math."):  # `from math import sqrt`
        from .imports import MATH_HINT, MATH_MESSAGE

        return f"`{code}` (`{path}`): {MATH_MESSAGE}", MATH_HINT
    return f"`{code}` is not supported in kernels", unsupported_hint(path)


def unsupported_hint(path: str) -> str:
    """For an unsupported function: the supported one it is probably a typo of, else where the list is."""
    import difflib

    module, _, name = path.rpartition(".")
    from .numpy_api import FUNCTIONS  # (the table imports this module)

    candidates = {key.rpartition(".")[2]: key for key in FUNCTIONS if key.rpartition(".")[0] == module}
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.8)
    if close:
        short = candidates[close[0]].replace("numpy.", "np.").replace("builtins.", "")
        return f"did you mean `{short}`? (see the README's list of supported NumPy functions)"
    return "see the README's list of supported NumPy functions"
