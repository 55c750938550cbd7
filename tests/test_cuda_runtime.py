"""The CUDA target's host path (lifted.cuda) without a GPU: argument marshalling, launch configuration, device
allocations and copies, cuBLAS calls, results on the device or on the host.

pycuda is replaced by tests/fake_pycuda.py, which checks every launch against the kernel's C signature and the
buffers' extents, then runs the CPU build of the same `.cu` text on the stand-in's device memory. The NumPy
backend is the reference, as in tests/test_c_backend.py; the kernels' own execution on a GPU (warps, atomics) is
left to the `gpu`-marked tests.
"""
from __future__ import annotations

import numpy as np
import pytest

import fake_pycuda
from gradcheck import load_source
from lifted.loader import import_path
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import (C_CASES, EMPTY_REDUCTIONS, PROPERTY_SEEDS, RK4, assert_agree, corpus_case, example_case,
                          functions_of, golden_case)
from test_c_launch import PROGRAM, layouts
from test_programs import PROGRAMS
from test_property import inputs_for, program_for_seed


@pytest.fixture
def device(monkeypatch):
    return fake_pycuda.install(monkeypatch)


def cuda_module(text: str, folder, name: str):
    """Transpile for the CUDA target into `folder` and import the host module (through the stand-in)."""
    out = transpile_c(text, f"{name}.py", target="cuda")
    (folder / f"{name}.cu").write_text(out.kernels)
    (folder / f"{name}.py").write_text(out.host)
    return import_path(folder / f"{name}.py")


def host(value):
    """A result with every device array read back (exactly, whatever its strides), through trees."""
    from lifted import cuda

    if isinstance(value, (tuple, list)):
        return type(value)(host(v) for v in value)
    if isinstance(value, dict):
        return {k: host(v) for k, v in value.items()}
    return cuda.to_host(value) if hasattr(value, "gpudata") else value


def to_device(value):
    """Arguments with every NumPy array (0-d ones too) a device array, through trees."""
    import pycuda.gpuarray as gpuarray

    if isinstance(value, (tuple, list)):
        return type(value)(to_device(v) for v in value)
    if isinstance(value, dict):
        return {k: to_device(v) for k, v in value.items()}
    return gpuarray.to_gpu(value) if isinstance(value, np.ndarray) else value


def leaves(value) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    return [value]


def compare_all(text: str, folder, args: list, name: str, device: bool = False) -> None:
    """Every function of the module on `args`, NumPy backend against the CUDA host path (the names are the CPU
    target tests', so that the stand-in finds their builds of the same kernel text); with `device`, also on the
    arguments as device arrays, whose array results must stay on the device."""
    import pycuda.gpuarray as gpuarray

    reference = load_source(text, f"{name}.py")
    module = cuda_module(text, folder, name)
    for fn_name in functions_of(reference):
        try:
            expected = getattr(reference, fn_name)(*args)
        except Exception:  # noqa: BLE001  (these inputs do not suit this function: NumPy itself fails)
            continue
        assert_agree(getattr(module, fn_name)(*args), expected, f"{name}.{fn_name}")
        if device:
            got = getattr(module, fn_name)(*to_device(list(args)))
            assert not any(isinstance(leaf, np.ndarray) and leaf.ndim for leaf in leaves(got)), \
                f"{name}.{fn_name}: an array result came back to the host"
            assert all(isinstance(leaf, gpuarray.GPUArray) or np.ndim(leaf) == 0 for leaf in leaves(got))
            assert_agree(host(got), expected, f"{name}.{fn_name} on device arrays")


# --- numbers: the corpora through the CUDA host path --------------------------------------------------------------
@pytest.mark.parametrize("case", C_CASES)
def test_golden_inputs_on_the_cuda_host_path(case, device, tmp_path):
    text, args = golden_case(case)
    compare_all(text, tmp_path, args, f"golden_{case}", device=True)


@pytest.mark.slow  # (the golden inputs above cover the kernel signatures; these add programs, ~40 s)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradient_corpus_on_the_cuda_host_path(name, device, tmp_path):
    text, draw = corpus_case(name)
    compare_all(text, tmp_path, draw(), f"prog_{name}", device=True)


@pytest.mark.slow
@pytest.mark.parametrize("seed", PROPERTY_SEEDS)
def test_property_programs_on_the_cuda_host_path(seed, device, tmp_path):
    text, _wrt, _as_tuple = program_for_seed(seed)
    compare_all(text, tmp_path, inputs_for(seed), f"prop_{seed}", device=True)


@pytest.mark.parametrize("name", ["gaussian", "logistic", "mlp", "rosenbrock"])
def test_examples_on_the_cuda_host_path(name, device, tmp_path):
    text, args = example_case(name)
    compare_all(text, tmp_path, args, f"example_{name}", device=True)
    assert device.cublas.calls or name == "rosenbrock"  # the examples' matrix products went to cuBLAS


@pytest.mark.gpu
@pytest.mark.parametrize("case", C_CASES)
def test_golden_inputs_on_a_gpu(case, tmp_path):
    """The same comparison through the real pycuda, kernels running on the GPU (NumPy and device arguments)."""
    pytest.importorskip("pycuda")
    try:
        import pycuda.autoprimaryctx  # noqa: F401
    except Exception as error:  # noqa: BLE001  (pycuda installed, no usable GPU)
        pytest.skip(f"no CUDA device: {error}")
    text, args = golden_case(case)
    compare_all(text, tmp_path, args, f"gpu_{case}", device=True)


# --- argument handling ------------------------------------------------------------------------------------------
def test_numpy_inputs_in_every_layout_agree_and_come_back_as_numpy(device, tmp_path):
    """Strided, reversed, Fortran-ordered, structured-field (strides of 12 bytes), integer and broadcast inputs."""
    reference = load_source(PROGRAM, "launch_layouts.py")
    module = cuda_module(PROGRAM, tmp_path, "launch_layouts")
    for index, args in enumerate(layouts(np.random.default_rng(0))):
        for name in ("affine", "affine_grad"):
            got = getattr(module, name)(*args)
            assert not any(hasattr(v, "gpudata") for v in (got if isinstance(got, tuple) else (got,)))
            assert_agree(got, getattr(reference, name)(*args), f"{name} #{index}")
    x = np.arange(5.0)
    assert_agree(module.scaled(np.float64(-1.5), x[::2]), -1.5 * x[::2], "scaled on a view")


def device_layouts(gpuarray, rng):
    """(X, w, b) as device arrays in the layouts a pycuda user may hold: views at an offset, transposed, reversed
    (negative strides), made from integers (another dtype is refused at entry: below), and strides that are
    not a whole number of elements (a GPUArray made over a structured array's field)."""
    X, w, b = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(5, 1))
    up = gpuarray.to_gpu
    yield up(X), up(w), up(b)
    yield up(X.T.copy()).T, up(w)[::-1], up(b)  # a transposed view into the kernel's strided read
    yield up(rng.normal(size=(5, 6)))[:, ::2], up(rng.normal(size=8))[2:5], up(rng.normal(size=(7, 1)))[1:6]
    yield up(np.arange(15.0).reshape(5, 3)), up(np.arange(3.0)), up(np.arange(5.0).reshape(5, 1))
    yield up(np.arange(15.0).reshape(3, 5)).T, up(np.arange(6.0))[::2], up(b)
    records = np.zeros(3, dtype=[("a", "f8"), ("pad", "i4")])
    records["a"] = w
    odd = up(records.view(np.uint8))  # the field `a` of each record: a stride of 12 bytes
    yield up(X), gpuarray.GPUArray((3,), np.float64, gpudata=odd.gpudata, strides=(12,), base=odd), up(b)


def test_device_inputs_in_every_layout_agree_and_stay_on_the_device(device, tmp_path):
    import pycuda.gpuarray as gpuarray

    reference = load_source(PROGRAM, "launch_layouts.py")
    module = cuda_module(PROGRAM, tmp_path, "launch_layouts")
    for index, args in enumerate(device_layouts(gpuarray, np.random.default_rng(1))):
        plain = tuple(host(a).astype(np.float64) for a in args)
        total = module.affine(*args)
        assert isinstance(total, np.floating)  # a full reduction: a NumPy scalar
        assert_agree(total, reference.affine(*plain), f"affine #{index}")
        grads = module.affine_grad(*args)
        assert all(isinstance(g, gpuarray.GPUArray) for g in grads), f"affine_grad #{index}: results stay on the GPU"
        assert_agree(host(grads), reference.affine_grad(*plain), f"affine_grad #{index}")
    ints = gpuarray.to_gpu(np.arange(15).reshape(5, 3))  # (Python would compute in int64: refused, not converted)
    with pytest.raises(TypeError, match=r"argument `X` has dtype int64, .* pass X\.astype\(np\.float64\)"):
        module.affine(ints, gpuarray.to_gpu(np.ones(3)), gpuarray.to_gpu(np.ones((5, 1))))


def test_reductions_over_some_axes_stay_on_the_device(device, tmp_path):
    import pycuda.gpuarray as gpuarray

    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n,d]", k: "i64[n,d]"):
    return np.sum(x * 2.0, axis=1), np.mean(x * 3.0, axis=0, keepdims=True), np.max(k * 2, axis=0), \\
        np.sum(x > 0.0, axis=1), np.mean(k, axis=1)
'''
    module = cuda_module(text, tmp_path, "some_device")
    rng = np.random.default_rng(2)
    x, k = rng.normal(size=(6, 35)), rng.integers(-3, 4, size=(6, 35))
    expected = load_source(text, "some_device.py").f(x, k)
    on_device = module.f(gpuarray.to_gpu(x), gpuarray.to_gpu(k))
    on_host = module.f(x, k)
    for got, from_host, want in zip(on_device, on_host, expected):
        assert isinstance(got, gpuarray.GPUArray) and isinstance(from_host, np.ndarray)
        assert got.shape == want.shape and got.dtype == want.dtype and from_host.dtype == want.dtype
        assert_agree(host(got), want, "on the device")
        np.testing.assert_array_equal(host(got), from_host)  # the mean divided where a host result is


def test_empty_zero_d_and_scalar_arguments(device, tmp_path):
    import pycuda.gpuarray as gpuarray

    text = EMPTY_REDUCTIONS + """

@kernel
def twice(x: "f64[n]", s: "f64[]", flag: "bool[]", k: "i32[]"):
    return np.where(flag, x * s, x) + k
"""
    module = cuda_module(text, tmp_path, "empty_cuda")
    assert module.total(np.zeros(0)) == 0.0 and module.total(gpuarray.to_gpu(np.zeros(0))) == 0.0
    with pytest.raises(ValueError, match="zero-size"):
        module.peak(np.zeros(0))
    empty = module.twice(gpuarray.to_gpu(np.zeros(0)), 2.0, True, 1)
    assert isinstance(empty, gpuarray.GPUArray) and empty.shape == (0,)
    x = np.linspace(-1.0, 1.0, 9)
    for flag in (True, False, np.bool_(True)):  # a bool scalar reaches the kernel as one byte
        assert_agree(module.twice(x, np.float64(0.5), flag, np.int32(3)), np.where(flag, x * 0.5, x) + 3, "twice")
    assert_agree(module.twice(x, np.array(0.5), np.array(False), 2), x + 2, "0-d arrays as scalars")


def test_a_call_with_the_wrong_number_of_inputs_is_refused(device, tmp_path):
    module = cuda_module(PROGRAM, tmp_path, "launch_refuse")
    with pytest.raises(TypeError, match="takes 2 inputs, 1 given"):
        module._kernels.scaled_k0(np.ones(3))
    module._CHECK_ARGS = False  # the launcher's own shape checks, under the host module's
    with pytest.raises(ValueError, match="index space"):
        module.affine(np.ones((3, 2)), np.ones(4), np.ones((3, 1)))


# --- launches ------------------------------------------------------------------------------------------------------
def test_grid_covers_the_index_space_and_tapes_have_a_column_per_thread(device, tmp_path, monkeypatch):
    from lifted import cuda

    module = cuda_module(RK4, tmp_path, "rk4_grid")
    reference = load_source(RK4, "rk4_grid.py")
    rng = np.random.default_rng(3)
    args = [rng.uniform(0.1, 0.9, 1000), rng.uniform(0.5, 1.5, 1000), 0.02, 7]
    assert_agree(module.f_grad(*args), reference.f_grad(*args), "f_grad")
    name, grid, block, values = device.launches[-1]
    assert (name, grid, block) == ("f_grad_k0", (4, 1), (256, 1, 1))  # ceil(1000 / 256) blocks
    monkeypatch.setattr(cuda, "MAX_GRID", 2)  # fewer blocks than elements need: the loops stride over the rest
    assert_agree(module.f_grad(*args), reference.f_grad(*args), "f_grad on 2 blocks")
    assert device.launches[-1][1] == (2, 1)


def test_a_failing_launch_names_the_kernel_and_its_source_line(device, tmp_path):
    module = cuda_module(RK4, tmp_path, "rk4_fail")
    device.failure = "an illegal memory access was encountered"
    with pytest.raises(RuntimeError, match=r"kernel f_k0 \(from rk4_fail\.py:\d+\) failed: an illegal memory"):
        module.f(np.ones(4) * 0.5, np.ones(4), 0.1, 3)
    assert_agree(module.f(np.ones(4) * 0.5, np.ones(4), 0.1, 3), load_source(RK4, "r.py").f(np.ones(4) * 0.5,
                 np.ones(4), 0.1, 3), "the next call")


def test_to_host_reads_any_strides_exactly(device):
    import pycuda.gpuarray as gpuarray

    from lifted import cuda

    x = np.arange(60.0).reshape(3, 4, 5)
    up = gpuarray.to_gpu(x)
    for view, expected in ((up[:, ::-2, 1:], x[:, ::-2, 1:]), (up.transpose((2, 0, 1)), x.transpose(2, 0, 1)),
                           (up[1], x[1]), (up[:, :, None], x[:, :, None]), (up[:0], x[:0])):
        got = cuda.to_host(view)
        assert got.flags.c_contiguous
        np.testing.assert_array_equal(got, expected)


def test_matmul_takes_device_operands_in_any_layout(device):
    import pycuda.gpuarray as gpuarray

    from lifted import cuda

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    up = gpuarray.to_gpu
    cases = [(up(a), up(b)), (up(a.T.copy()).T, up(b)), (up(a)[::-1], up(b)[:, ::2]),
             (up(np.arange(15).reshape(5, 3)), up(b)), (up(a)[:, 0], up(a)), (up(a[:0]), up(b))]
    for x, y in cases:
        got = cuda.matmul(x, y)
        expected = host(x).astype(np.float64) @ host(y)
        assert isinstance(got, gpuarray.GPUArray) and got.shape == expected.shape
        np.testing.assert_allclose(host(got), expected, rtol=1e-12, atol=1e-12)
    assert cuda.matmul(a[:, 0], a[:, 1]) == pytest.approx(a[:, 0] @ a[:, 1], rel=1e-12)  # NumPy's scalar


def test_functions_with_host_array_code_take_device_arrays_through_the_host(device, tmp_path):
    """A gather between kernels runs on the host: device arguments are copied there once and the array results
    go back; a 0-d device array given for a scalar is read back; argument errors name the public function."""
    import pycuda.gpuarray as gpuarray

    text = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", idx: "i64[k]", s: "f64[]") -> "f64[]":
    y = np.tanh(x * s)
    return np.sum(y[idx] ** 2) / 3.0


f_grad = grad(f, wrt=("x", "s"))
'''
    module = cuda_module(text, tmp_path, "host_gather")
    reference = load_source(text, "host_gather.py")
    x, idx = np.linspace(-1.0, 1.0, 9), np.array([0, 3, 3, 8])
    assert "_runtime.call(_f_grad_body, True, x, idx, s)" in (tmp_path / "host_gather.py").read_text()
    for s in (0.7, gpuarray.to_gpu(np.array(0.7))):
        dx, ds = module.f_grad(gpuarray.to_gpu(x), gpuarray.to_gpu(idx), s)
        assert isinstance(dx, gpuarray.GPUArray) and np.ndim(ds) == 0
        assert_agree((host(dx), ds), reference.f_grad(x, idx, 0.7), "f_grad")
        assert_agree(module.f(gpuarray.to_gpu(x), idx, s), reference.f(x, idx, 0.7), "f")
    with pytest.raises(TypeError, match=r"^f_grad\(\): argument `x` has shape \(3, 1\)"):
        module.f_grad(gpuarray.to_gpu(np.ones((3, 1))), idx, 0.7)


def test_strided_view_inputs_on_the_cuda_host_path(device, tmp_path):
    """Inputs the host makes as strided views (column views, a transpose, a flip, a gather on a trailing axis:
    layouts.py) reach the kernels as strided reads on the CUDA target too: on NumPy arguments (uploaded) and on
    device arrays (the views read in place), the numbers agree with the NumPy backend."""
    from test_c_host_work import VIEWS

    cuda, cpu = transpile_c(VIEWS, "views.py", target="cuda"), transpile_c(VIEWS, "views.py")
    assert cuda.kernels.count("_s0") == cpu.kernels.count("_s0") > 0  # the same inputs read through strides
    rng = np.random.default_rng(7)
    args = [rng.normal(size=(6, 3)), rng.normal(size=(6, 6)), np.array([4, 0, 5, 5])]
    compare_all(VIEWS, tmp_path, args, "views", device=True)


def test_einsums_stay_einsums_on_the_cuda_target(device, tmp_path):
    """The stacked-matmul routing of einsums is the CPU target's (np.matmul, BLAS); the CUDA host keeps
    np.einsum (or its own cuBLAS routing), with the same numbers."""
    from test_c_host_work import COMPONENTS

    out = transpile_c(COMPONENTS, "components.py", target="cuda")
    assert "np.matmul(" not in out.host
    rng = np.random.default_rng(6)
    compare_all(COMPONENTS, tmp_path, [0.3 * rng.normal(size=(4, 3, 3)), rng.normal(size=(7, 3)),
                                      rng.normal(size=(4, 3))], "components")
