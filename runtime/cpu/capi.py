"""The C-API call path of the CPU target (`capi.cpp`): a CPython extension built once per interpreter and NumPy
(cached by content hash with the kernel libraries, `lifted.cpu.build`), whose `LoopCall` type is the base of
`lifted.cpu.loop.LoopKernel`, so a run's or loop kernel's call packs its values, calls the kernel and makes its
results in C, and whose `arguments_key` makes the key the C host modules' argument checks remember.

Where it cannot be built (no `Python.h` or NumPy headers, no compiler) or `$LIFTED_CAPI` is `0` at import,
`LOOP_CALL` is `object` and every call takes the Python path (ctypes), with the same results and errors;
`UNAVAILABLE` then says why.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

import numpy as np

from .build import BuildError, build, compiler

# one translation unit: the values of a call (capi_values.cpp), then the LoopCall type and module (capi.cpp)
SOURCES = (Path(__file__).with_name("capi_values.cpp"), Path(__file__).with_name("capi.cpp"))
FLAGS = ("-x", "c++", "-std=c++14", "-O2", "-fPIC", "-shared", "-w")


def _load():
    """The extension module, or the reason it is not there."""
    if os.environ.get("LIFTED_CAPI", "1").strip() == "0":
        return None, "turned off by LIFTED_CAPI=0"
    include = sysconfig.get_paths().get("include")
    if not include or not Path(include, "Python.h").is_file():
        return None, f"no Python.h under {include}"
    # the interpreter's and NumPy's versions are part of the cache key: another Python or NumPy builds its own
    flags = FLAGS + (f"-I{include}", f"-I{np.get_include()}",
                     f"-DLIFTED_ABI={sys.implementation.cache_tag}-{np.__version__}")
    try:
        path = build("\n".join(source.read_text() for source in SOURCES), "lifted_capi", flags, ())
    except (BuildError, OSError) as exc:
        return None, f"building the extension with {' '.join(compiler())} failed: {exc}"
    spec = importlib.util.spec_from_file_location(
        "lifted_capi", path, loader=importlib.machinery.ExtensionFileLoader("lifted_capi", str(path)))
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as exc:
        return None, f"loading {path} failed: {exc}"
    return module, None


def _arguments_key(function_name: str, args: tuple) -> tuple:
    """What the host module's `_check_args` remembers of a call that passed: all the check reads."""
    passed = [function_name]
    for value in args:
        passed += type(value), getattr(value, "shape", None), getattr(value, "dtype", None)
    return tuple(passed)


extension, UNAVAILABLE = _load()
LOOP_CALL = extension.LoopCall if extension is not None else object
arguments_key = extension.arguments_key if extension is not None else _arguments_key
