"""Array literals: `np.array` and `np.asarray` of numbers, arrays and nested lists or tuples, the array NumPy
makes of a list where it takes an array (`np.sum([1.0, a * a])`), and NumPy's scalar types called on a value
(`np.float64(x)`, `np.float32(0.5)`, `np.int64(k)`). A list's shape and dtype are NumPy's; a ragged list or a Python
number NumPy would not make an array of is a located error."""
from __future__ import annotations

from ..errors import TranspileError
from ..ir import Atom, Const, Var
from ..ir.python_ints import INTEGER_RANGES, check_fits, known_int_fits, out_of_bounds
from .call_args import Emitter, arity, dtype_params

def _numbers(value):
    """The nested tuple of Python numbers `value` stands for, or None when it holds arrays."""
    if isinstance(value, tuple):
        items = tuple(_numbers(v) for v in value)
        return None if any(i is None for i in items) else items
    if isinstance(value, Const) and isinstance(value.value, (bool, int, float)):
        return value.value
    return None


def _stacked(emit: Emitter, value):
    if isinstance(value, tuple):
        if not value:
            raise emit.error("an empty list has no shape to make an array from", "np.zeros(0)")
        return emit("stack", *[_stacked(emit, v) for v in value], axis=0)
    return emit.atom(value)


def array(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.array", positional, keywords, 1, 1, ("dtype",))
    emit = Emitter(lowering, node, builder)
    params = dtype_params(lowering, keywords)
    value = positional[0]
    numbers = _numbers(value)
    if numbers is not None:
        _rectangular(emit, numbers)
        return emit("array", value=numbers, **params)
    if not isinstance(value, tuple):
        _not_a_python_number(emit, emit.atom(value), "np.array")
    if params.get("dtype") in INTEGER_RANGES and isinstance(value, tuple):
        _python_ints_fit(emit, value, params["dtype"])
    try:
        result = _stacked(emit, value) if isinstance(value, tuple) else \
            emit("copy", value, **({"scalar": True} if emit.atom(value).type.shape == () else {}))
    except TranspileError as exc:  # a shape rule's error: say what NumPy needs of a list
        exc.hint = exc.hint or ("NumPy makes an array of a list only when its items have one shape; give them one "
                                "(np.full_like(x, a) for a number beside arrays of x's shape), or np.concatenate")
        raise
    if params and result.type.dtype != params["dtype"]:
        result = emit("astype", result, dtype=params["dtype"])
    return result


def _python_ints_fit(emit: Emitter, value, dtype: str) -> None:
    """`np.array([k, 2], dtype=np.int32)`: NumPy converts each Python int itself and raises OverflowError where one
    does not fit; the stack of them (int64) cast to int32 wraps instead, so each int is checked (at build time where
    it is known)."""
    if isinstance(value, tuple):
        for item in value:
            _python_ints_fit(emit, item, dtype)
        return
    atom = emit.atom(value)
    if not (isinstance(atom, Atom.__args__) and atom.type.weak and atom.type.dtype == "i64" and atom.type.shape == ()):
        return
    if not known_int_fits(atom, dtype):
        raise emit.error(out_of_bounds(dtype, atom.value), "NumPy raises OverflowError: a value in the dtype's range")
    if not isinstance(atom, Const):
        check_fits(lambda prim, args, params: emit(prim, *args, **params), atom, dtype)


def _not_a_python_number(emit: Emitter, atom, name: str) -> None:
    """A Python number (a literal, a size, arithmetic on them) made into a 0-d array: Lifted keeps such values as
    Python numbers, which have no array methods and promote as Python's (weak) numbers do."""
    if isinstance(atom, Atom.__args__) and atom.type.weak and atom.type.shape == ():
        raise emit.error(f"`{name}` of a Python number (a 0-d array in NumPy) is not supported in kernels",
                         "combine it with an array of the dtype you want (`x + 0 * a`), or keep it a number")


def _rectangular(emit: Emitter, numbers) -> None:
    if isinstance(numbers, tuple) and numbers:
        shapes = set()
        for item in numbers:
            _rectangular(emit, item)
            shapes.add(_shape_of(item))
        if len(shapes) != 1:
            raise emit.error("the rows of this array literal have different lengths")


def _shape_of(value) -> tuple:
    return (len(value),) + _shape_of(value[0]) if isinstance(value, tuple) and value else ()


def asarray(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.asarray", positional, keywords, 1, 1, ("dtype",))
    emit = Emitter(lowering, node, builder)
    params = dtype_params(lowering, keywords)
    value = positional[0]
    if isinstance(value, tuple):
        return array(lowering, node, builder, positional, keywords)
    atom = emit.atom(value)  # the same array, as NumPy returns it (no copy)
    _not_a_python_number(emit, atom, "np.asarray")
    if params and atom.type.dtype != params["dtype"]:
        return emit("astype", atom, dtype=params["dtype"])
    kind = lowering.zero_d_kind(atom) if isinstance(atom, Var) and atom.type.shape == () else "array"
    if kind in ("scalar", "unknown", "param"):
        # of a NumPy scalar (or a number) NumPy makes a new 0-d array, which `+=` then updates in place
        # (normalize/zero_d.py tracks it from here); a 0-d array or view is returned as it is. A rank-0 parameter
        # may be either: a new array here, whose update in place is also checked as one of the parameter
        # (normalize/zero_d.py, `note_asarray_of_param`)
        made = emit("copy", atom, scalar=True)
        if kind == "param":
            lowering.note_asarray_of_param(made, atom)
        return made
    return atom


def array_like(lowering, node, builder, value):
    """A list or tuple where NumPy takes an array (`np.sum([1.0, a * a])`): the array NumPy makes of it, as
    `np.array(value)` does; other values as they are."""
    return array(lowering, node, builder, [value], {}) if isinstance(value, tuple) else value




def scalar_type(name: str, dtype: str):
    """`np.float64(x)` and its kin: of a number or a 0-d value a NumPy scalar of that dtype (a new value: a 0-d
    array updated in place later does not change it); of an array of that dtype the array itself, as NumPy returns
    it; of another array or a list, a new array in that dtype. The conversion is NumPy's cast, as `.astype` makes it
    (a float's fraction dropped; NaN or a float past the integers' range gives what the cast gives, with NumPy's
    warning); a Python int past the integer type's range is NumPy's OverflowError, a located error here."""

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 1)
        emit = Emitter(lowering, node, builder)
        value = positional[0]
        if isinstance(value, tuple):
            return array(lowering, node, builder, [value], {"dtype": (dtype, node)})
        atom = emit.atom(value)
        if dtype in INTEGER_RANGES and not known_int_fits(atom, dtype):
            raise emit.error(f"`{name}({atom.value})`: {out_of_bounds(dtype, atom.value)}",
                             "NumPy raises OverflowError: a value in the type's range")
        if atom.type.shape == ():
            return emit("astype", atom, dtype=dtype, scalar=True)
        return atom if atom.type.dtype == dtype else emit("astype", atom, dtype=dtype)

    return handle
