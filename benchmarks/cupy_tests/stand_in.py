"""A stand-in for `cupy` and `cupy.testing` while CuPy's test modules are loaded and their methods run with
`xp = numpy` (benchmarks/cupy_tests/).

CuPy need not be installed: every `cupy.*`/`cupyx.*` module a test file imports is a permissive stub (`_Stub`:
any attribute, any call, a decorator that returns what it decorates), except `cupy.testing`, which is this
module's `testing()`, and `cupy.exceptions`, which is NumPy's. The decorators of `testing` run nothing: they note
on the test function what to enumerate (`LOOPS`: dtype and order loops over the dtypes Lifted annotates) and how
CuPy compares (`CHECK`: `numpy_cupy_allclose` and its kin, the name of the `xp` argument, `accept_error`). The
`shaped_*` helpers build NumPy arrays and note each with the place of its call (`BUILDS`), so that the converter
(benchmarks/cupy_tests/convert.py) can make each built array a parameter.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import itertools
import sys
import types

import numpy as np

from ..numpy_docs.convert import DTYPES

LOOPS = "_lifted_loops"  # on a test function: [(names, [value tuples])], one entry per loop decorator
CHECK = "_lifted_check"  # on a test function: {"xp": name, "accept_error": ..., "decorator": name}
PARAMS = "_lifted_params"  # on a class: [{attribute: value}] of testing.parameterize
LIFTED_TYPES = tuple(np.dtype(name).type for name in DTYPES)  # float64 float32 int64 int32 bool
BUILDS: list = []  # (code, (line, column), array) of each shaped_* call while a test method runs


class _Stub(types.ModuleType):
    """Any attribute is another stub; a call with one callable returns it (a decorator), any other call a stub."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if f"{self.__name__}.{name}" in ("cupy.testing", "cupy.exceptions"):  # `from cupy import testing`
            return importlib.import_module(f"{self.__name__}.{name}")
        stub = _Stub(f"{self.__name__}.{name}")
        setattr(self, name, stub)
        return stub

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return _Stub(f"{self.__name__}()")

    def __iter__(self):
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __mro_entries__(self, bases):  # `class T(cupy.some.Base)`: a plain object base
        return (object,)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of cupy, cupyx and their submodules: stubs (cupy.testing and cupy.exceptions excepted)."""

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in ("cupy", "cupyx", "cupy_backends"):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        if spec.name == "cupy.testing":
            return testing()
        if spec.name == "cupy.exceptions":
            return np.exceptions
        module = _Stub(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module) -> None:
        parent, _, child = module.__name__.rpartition(".")
        if parent and parent in sys.modules:
            setattr(sys.modules[parent], child, module)


def install() -> _Finder:
    """Put the stand-ins in place (cupy* entries of sys.modules dropped first); `uninstall` undoes it."""
    for name in [n for n in sys.modules if n.split(".")[0] in ("cupy", "cupyx", "cupy_backends")]:
        del sys.modules[name]
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    return finder


def uninstall(finder: _Finder) -> None:
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n.split(".")[0] in ("cupy", "cupyx", "cupy_backends")]:
        del sys.modules[name]


# -- builds ------------------------------------------------------------------------------------------------------
def _note(array: np.ndarray) -> np.ndarray:
    """Note a built array with the place of the call that built it (the caller's current instruction)."""
    frame = sys._getframe(2)
    positions = list(frame.f_code.co_positions())[frame.f_lasti // 2]
    BUILDS.append((frame.f_code, (positions[0], positions[2]), array.copy()))
    return array


def _values(dtype: np.dtype, values: np.ndarray) -> np.ndarray:
    if dtype == np.bool_:
        return values % 2 == 0
    return values.astype(dtype)


def shaped_arange(shape, xp=None, dtype=np.float32, order="C"):
    """1 .. N in `shape` (evens True for bool), as CuPy documents it."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64))
    return _note(np.array(_values(dtype, np.arange(1, size + 1)).reshape(shape), order=order))


def shaped_reverse_arange(shape, xp=None, dtype=np.float32):
    """N .. 1 in `shape` (evens True for bool), as CuPy documents it."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64))
    return _note(np.array(_values(dtype, np.arange(size, 0, -1)).reshape(shape)))


def shaped_random(shape, xp=None, dtype=np.float32, scale=10, seed=0, order="C"):
    """Uniform draws in [0, scale) of a seeded RandomState (True/False with equal odds for bool)."""
    rng = np.random.RandomState(seed)
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    values = rng.randint(2, size=shape) if dtype == np.bool_ else rng.rand(*shape) * scale
    return _note(np.asarray(values, dtype=dtype, order=order))


def shaped_linspace(start, stop, shape, xp=None, dtype=np.float32):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        start, stop = max(start, 0), min(stop, 1)
    size = int(np.prod(shape, dtype=np.int64))
    return _note(np.array(np.linspace(start, stop, size).astype(dtype).reshape(shape)))


# -- decorators --------------------------------------------------------------------------------------------------
def _loop(names: tuple[str, ...], values: list[tuple]):
    def decorate(function):
        setattr(function, LOOPS, [(names, values)] + getattr(function, LOOPS, []))
        return function
    return decorate


def _supported(dtypes) -> list:
    """The dtypes of `dtypes` Lifted annotates, as NumPy's scalar types, in order, once each."""
    found = []
    for dtype in dtypes:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            continue
        if name in DTYPES and np.dtype(name).type not in found:
            found.append(np.dtype(name).type)
    return found


def for_dtypes(dtypes, name="dtype"):
    return _loop((name,), [(t,) for t in _supported(dtypes)])


def for_all_dtypes(name="dtype", no_float16=False, no_bool=False, no_complex=False):
    return for_dtypes([t for t in LIFTED_TYPES if not (no_bool and t is np.bool_)], name)


def for_float_dtypes(name="dtype", no_float16=False):
    return for_dtypes((np.float64, np.float32), name)


def for_signed_dtypes(name="dtype"):
    return for_dtypes((np.int64, np.int32), name)


def for_unsigned_dtypes(name="dtype"):
    return for_dtypes((), name)


def for_int_dtypes(name="dtype", no_bool=False):
    return for_dtypes((np.int64, np.int32) + (() if no_bool else (np.bool_,)), name)


def for_complex_dtypes(name="dtype"):
    return for_dtypes((), name)


def for_dtypes_combination(types, names=("dtype",), full=None):
    """Every combination of the supported `types` over `names` (CuPy samples them unless asked for all)."""
    supported = _supported(types)
    return _loop(tuple(names), list(itertools.product(supported, repeat=len(names))))


def for_all_dtypes_combination(names=("dtype",), no_float16=False, no_bool=False, full=None, no_complex=False):
    return for_dtypes_combination([t for t in LIFTED_TYPES if not (no_bool and t is np.bool_)], names)


def for_signed_dtypes_combination(names=("dtype",), full=None):
    return for_dtypes_combination((np.int64, np.int32), names)


def for_unsigned_dtypes_combination(names=("dtype",), full=None):
    return for_dtypes_combination((), names)


def for_int_dtypes_combination(names=("dtype",), no_bool=False, full=None):
    return for_dtypes_combination((np.int64, np.int32) + (() if no_bool else (np.bool_,)), names)


def for_orders(orders, name="order"):
    return _loop((name,), [(order,) for order in orders])


def for_CF_orders(name="order"):  # noqa: N802  (CuPy's name)
    return for_orders(("C", "F"), name)


def _compared(decorator: str):
    """numpy_cupy_allclose and its kin: note the `xp` argument's name and whether NumPy may raise."""
    def make(*args, name="xp", sp_name=None, scipy_name=None, accept_error=False, **ignored):
        def decorate(function):
            setattr(function, CHECK, {"xp": name, "scipy": bool(sp_name or scipy_name),
                                      "accept_error": accept_error or decorator == "numpy_cupy_raises",
                                      "decorator": decorator})
            return function
        return decorate
    return make


def parameterize(*params, **ignored):
    def decorate(cls):
        setattr(cls, PARAMS, [dict(p) for p in params] or [{}])
        return cls
    return decorate


def product(parameter: dict) -> list[dict]:
    keys = list(parameter)
    return [dict(zip(keys, values)) for values in itertools.product(*(parameter[k] for k in keys))]


def product_dict(*parameters) -> list[dict]:
    return [{k: v for d in combination for k, v in d.items()} for combination in itertools.product(*parameters)]


def testing() -> types.ModuleType:
    """The stand-in `cupy.testing` module (assertions are NumPy's; anything else a permissive stub)."""
    module = _Stub("cupy.testing")
    module.__path__ = []
    for name in ("shaped_arange", "shaped_reverse_arange", "shaped_random", "shaped_linspace", "for_dtypes",
                 "for_all_dtypes", "for_float_dtypes", "for_signed_dtypes", "for_unsigned_dtypes", "for_int_dtypes",
                 "for_complex_dtypes", "for_dtypes_combination", "for_all_dtypes_combination",
                 "for_signed_dtypes_combination", "for_unsigned_dtypes_combination", "for_int_dtypes_combination",
                 "for_orders", "for_CF_orders", "parameterize", "product", "product_dict"):
        setattr(module, name, globals()[name])
    for name in ("numpy_cupy_allclose", "numpy_cupy_array_almost_equal", "numpy_cupy_array_almost_equal_nulp",
                 "numpy_cupy_array_max_ulp", "numpy_cupy_array_equal", "numpy_cupy_array_list_equal",
                 "numpy_cupy_array_less", "numpy_cupy_equal", "numpy_cupy_raises"):
        setattr(module, name, _compared(name))
    for name in ("assert_allclose", "assert_array_almost_equal", "assert_array_equal", "assert_array_less"):
        setattr(module, name, getattr(np.testing, name))
    module.installed = lambda *a, **k: True
    module.numpy_satisfies = lambda *a, **k: True
    return module
