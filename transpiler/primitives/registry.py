"""The one registry of primitives: everything the compiler knows about an operation, side by side.

An entry holds its shape/dtype rule, its derivative rules (written over symbolic values, see `symbolic`),
how it renders as NumPy, and its CUDA-C expression. Families (elementwise, reductions, linear algebra, shape
ops) share the rule machinery, so an entry only states what is particular to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..ir.types import TensorType

# infer(arg_types, params) -> output type
InferRule = Callable[[list[TensorType], dict[str, Any]], TensorType]
# render(arg_exprs, params) -> libcst expression (or a list of statements when `statement` is set)
RenderRule = Callable[..., Any]


@dataclass
class Primitive:
    name: str
    infer: InferRule
    render: RenderRule
    family: str
    # vjp(g, out, *args, **params) -> one cotangent (or None for zero) per argument; symbolic values in and out
    vjp: Callable | None = None
    # jvp(tangents, out, *args, **params) -> the output tangent; `tangents[i]` is None where the input is constant
    jvp: Callable | None = None
    cuda: str | None = None
    # a factor of the derivative is infinite at an argument where the value is finite or recovers (sqrt at 0, log
    # at 0 under exp, arcsin at 1): a zero tangent there is NaN, so transforms/peel.py runs a loop's trips where
    # the argument is a constant on their own, where no derivative goes through it
    singular: bool = False
    # sets of arguments that, each at least analysis/positive.py's MIN_POSITIVE, keep the singular factor finite
    # (sqrt's `(0,)`; hypot's `(0,)` or `(1,)`: infinite only where both are 0): there no loop is peeled for it
    finite_when_positive: tuple[tuple[int, ...], ...] = ()
    # where the result is an array and argument `i` one value for every element (a scalar) equal to `value`,
    # NumPy computes another function than `cuda` says: (i, value, C expression) per case. An array's `** 0.5`
    # is NumPy's sqrt (-0.0 stays -0.0, -inf gives NaN), a scalar's is C's pow (0.0, inf).
    cuda_uniform: tuple[tuple[int, float, str], ...] = ()
    # where the arguments at these positions are each one value for every element (0-d, or of size 1), NumPy's
    # loop computes this C expression instead of `cuda` (np.clip between two scalars keeps x at a bound equal to it)
    cuda_uniform_args: tuple[tuple[int, ...], str] | None = None
    # whether the loop kernels (backends/c/loops) evaluate a scalar equation through `cuda` with NumPy's meaning:
    # "any" dtypes, "float" results only (an integer `np.square` wraps around where C's overflow is undefined),
    # "one_dtype" operands (Python compares an int with a float exactly, C through a double); None: never
    scalar_c: str | None = None
    # what the result is on the host beside Python numbers (weak in the dtype rules; the loop kernels' flag saying
    # "a Python number"): None, a NumPy scalar (a NumPy function); "kept", a Python number where every operand is
    # one (Python's operator, `a + b`, `a < b`, `a & b`, unless the source spelled the NumPy function: `spelled`
    # in the equation's parameters); "made", a Python number whatever the operands (`int(a)`)
    python_numbers: str | None = None
    # batch(ctx, prim, args, batched, **params) -> the result with a leading batch axis (see `batching`);
    # None: the entry cannot run batched (vmap refuses it with a located error)
    batch: Callable | None = None
    # which arguments can carry derivatives (others are indices, shapes, conditions)
    diff_args: tuple[int, ...] | None = None
    # the cotangent may arrive smaller than the output (still broadcastable to it)
    broadcast_tolerant: bool = False
    # rendered as statements that assign the output (`out` placeholder) instead of one expression
    statement: bool = False
    # Python evaluation for constant folding (literal arguments only)
    fold: Callable | None = None
    temp_name: str = "t"
    # the module its rendering names beyond numpy (`scipy.special`): imported by generated code that uses it
    imports: str | None = None
    # whether the result may share memory with the first argument: a view of it in NumPy (`x.T`, `np.reshape`,
    # `np.flip`), as both the source's function and the NumPy backend's rendering give it, or that argument itself
    # (`stop_gradient`). True, or a rule over the equation's arguments and parameters (`getitem`: basic indexing
    # only, an index array gives a copy). An update in place of the one changes the other: the normalizer models
    # Python's sharing with it, reverse mode copies what the sweep reads before such an update, the C backend
    # follows memory through it. (An update in place returns its target: `extra["in_place"]`, see `shares_first`.)
    views: bool | Callable[[Sequence[Any], dict[str, Any]], bool] = False
    # the result is a view of the first argument whatever its layout (`x.T`, `np.flip`; not `np.reshape`, which
    # copies an array that is not contiguous): read after that argument is updated in place, it is recomputed
    always_views: bool = False
    # flags the passes read: "in_place" (above), "check" (a run-time check: never dropped), "effect" (a print: no
    # value), "empty_raises" (NumPy raises on an empty operand, as `np.max`: never hoisted out of a loop that may not
    # run)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    def python_result(self, params: dict | None) -> str | None:
        """`python_numbers` for an equation with these parameters (a spelled NumPy function keeps none)."""
        return None if self.python_numbers == "kept" and (params or {}).get("spelled") else self.python_numbers

    def is_diff_arg(self, index: int) -> bool:
        return self.diff_args is None or index in self.diff_args

    def may_view(self, args: Sequence[Any], params: dict[str, Any] | None = None) -> bool:
        """Whether an equation of this entry with these arguments may give a view of its first argument (`views`)."""
        return self.views(args, params or {}) if callable(self.views) else bool(self.views)

    def shares_first(self, args: Sequence[Any], params: dict[str, Any] | None = None) -> bool:
        """Whether the result may share memory with the first argument: a view of it, or it updated in place (the
        tape's pushes aside: a tape is no array)."""
        return self.may_view(args, params) or bool(self.extra.get("in_place")) and self.family != "tape"


REGISTRY: dict[str, Primitive] = {}


def register(prim: Primitive) -> Primitive:
    if prim.name in REGISTRY:
        raise ValueError(f"primitive {prim.name!r} registered twice")
    REGISTRY[prim.name] = prim
    return prim


def lookup(name: str) -> Primitive:
    _load_families()
    return REGISTRY[name]


def all_primitives() -> dict[str, Primitive]:
    _load_families()
    return dict(REGISTRY)


_loaded = False


def _load_families() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import (arithmetic, assertions, bitwise, broadcasting, calls, counting, creation,  # noqa: F401
                       cumprod_vecdot, effects, elementwise, hostile_checks, indexing, integer_arithmetic, linalg,
                       least_squares, logic, masked_reductions, math_functions, matrix_functions, more_elementwise, nan_reductions,
                       python_numbers, reductions, running_extremes, scans, shape_ops, singular_values, sorting,
                       special, structured, tape)
        from . import convolution, matvec, windows  # noqa: F401
