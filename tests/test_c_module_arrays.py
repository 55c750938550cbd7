"""Module-level arrays on the C backend: the host module computes them once at its top, as the NumPy module does,
and passes them to the kernels that read them like any other input (so a large table is one array in memory,
never text in the `.cu`). On the CUDA target they are read-only constants that the GPU copies once.

The NumPy backend is the reference (tests/test_module_arrays.py checks it against Python, autograd and finite
differences), on every transform.
"""
from __future__ import annotations

import numpy as np
import pytest

import fake_pycuda
from gradcheck import load_source
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import assert_agree, c_module
from test_cuda_runtime import cuda_module, host
from test_module_arrays import MODULE

FORMS = '''
import numpy as np
from lifted import grad, jvp, kernel, vmap

coefficients = np.array([1.0, 0.5, 0.25, 0.125])
steps = np.arange(4)  # integers, read as floats
scale = np.sum(coefficients) * 2.0  # a 0-d value
mask = np.array([True, False, True])
basis = np.linspace(0.0, 1.0, 6).reshape(2, 3)
table = {"w": np.ones(3) * 0.3, "b": np.array([[0.1875], [0.3125]])}
rows = basis.T  # a transposed view


@kernel
def f(x: "f64[n,3]", y: "f64[n]") -> "f64[]":
    z = np.tanh(x * table["w"] + 0.5) * scale
    z = np.where(mask, z, -z)
    for k in range(4):  # a whole loop per element, reading the tables
        y = y + coefficients[k] * np.sin(y * steps[k])
    s = np.sum(z * z, axis=1) + y
    return np.sum(s * s) + np.sum(basis * table["b"]) + np.sum(rows * rows.sum(axis=0))


@kernel
def g(x: "f64[n,3]") -> "f64[n,3]":
    return x * table["w"] + mask * scale


f_grad = grad(f, wrt=("x", "y"))
f_jvp = jvp(f, wrt=("x",))
g_batched = vmap(g, in_axes=(0,))
'''


def arguments(rng):
    return rng.normal(size=(7, 3)), rng.normal(size=7)


@pytest.mark.parametrize("text,name", [(MODULE, "module_arrays"), (FORMS, "module_forms")])
def test_module_arrays_on_the_cpu_target_agree_with_numpy(text, name, tmp_path):
    reference = load_source(text, f"{name}.py")
    module, kernels = c_module(text, tmp_path, name)
    assert kernels > 0
    rng = np.random.default_rng(0)
    if name == "module_arrays":
        x = np.array([0.3, -0.2, 0.5])
        calls = {"f": (x,), "g": (x,), "fj": (x, np.array([1.0, -2.0, 0.5])), "fv": (x, 3.0), "fh": (x,),
                 "fb": (np.stack([x, 2 * x, -x]),)}
    else:
        x, y = arguments(rng)
        calls = {"f": (x, y), "f_grad": (x, y), "f_jvp": (x, y, rng.normal(size=(7, 3))), "g": (x,),
                 "g_batched": (rng.normal(size=(4, 7, 3)),)}
    for fn, args in calls.items():
        assert_agree(getattr(module, fn)(*args), getattr(reference, fn)(*args), f"{name}.{fn}")


def test_kernels_take_module_arrays_as_inputs_not_as_text():
    out = transpile_c(FORMS, "forms.py")
    for table in ("mask", "basis", "table_w", "table_b", "rows"):  # (`coefficients[k]`: a host read)
        assert f"{table}_data" in out.kernels, table  # a pointer parameter
    assert "0.1875" not in out.kernels  # the values are not in the kernel text
    top = out.host[out.host.index("# module-level arrays"):out.host.index("\ndef f(")]
    assert "coefficients = np.array([1.0, 0.5, 0.25, 0.125])" in top and "rows = basis.T" in top
    assert "read_only" not in out.host  # (the CPU target reads them where they are)


def test_on_the_cuda_target_they_are_copied_to_the_gpu_once(monkeypatch, tmp_path):
    from lifted import cuda

    device = fake_pycuda.install(monkeypatch)
    reference = load_source(FORMS, "module_forms.py")
    module = cuda_module(FORMS, tmp_path, "module_forms")
    assert "_runtime.read_only(" in transpile_c(FORMS, "forms.py", target="cuda").host
    assert not module.coefficients.flags.writeable and not module.basis.flags.writeable
    rng = np.random.default_rng(1)
    x, y = arguments(rng)
    assert_agree(module.f_grad(x, y), reference.f_grad(x, y), "f_grad")
    first = device.uploads
    assert_agree(module.f_grad(x, y), reference.f_grad(x, y), "f_grad again")
    again = device.uploads - first
    copied = sum(1 for _, copy in cuda._constants.values() if copy is not None)
    assert copied == 2 and again == first - copied  # table_w, mask: the second call copies its inputs only
    start = device.uploads
    assert_agree(module.f(x, y), reference.f(x, y), "f")
    first = device.uploads - start
    assert_agree(module.f(x, y), reference.f(x, y), "f again")
    more = sum(1 for _, copy in cuda._constants.values() if copy is not None) - copied
    assert more == 3 and device.uploads - start - first == first - more  # basis, table_b, rows (a `.T` view)
    tables = [module.coefficients, module.basis, module.table_w, module.mask]
    import pycuda.gpuarray as gpuarray

    assert_agree(host(module.g(gpuarray.to_gpu(x))), reference.g(x), "g on the device")
    assert all(not t.flags.writeable for t in tables)
