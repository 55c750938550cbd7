"""The C target's buffer cache (lifted.cpu.buffers): a block is handed out again only when no array on it is alive,
so an array the runtime returned is its caller's alone; reuse changes no number.

The gradient corpus and the property programs run with every output and tape going through the cache (its
size threshold at one byte), each function called twice on different inputs: the first call's results must be
untouched by the second, share memory with no other result and no input, and agree with the NumPy backend.
"""
from __future__ import annotations

import ctypes
import threading

import numpy as np
import pytest

from gradcheck import load_source
from lifted import cpu
from lifted.cpu import buffers
from lifted.cpu import launch as cpu_launch
from test_c_backend import RK4, assert_agree, c_module, corpus_case, functions_of
from test_programs import PROGRAMS
from test_property import inputs_for, program_for_seed

F64 = np.dtype(np.float64)


@pytest.fixture
def every_array_cached(monkeypatch):
    """The runtime's cache with no size threshold and no idle limit: every output and tape goes through it."""
    cache = buffers.BufferCache(minimum=1, limit=1 << 30)
    monkeypatch.setattr(buffers, "cache", cache)
    return cache


def flat(results) -> list:
    return [r for r in (results if isinstance(results, tuple) else (results,)) if isinstance(r, np.ndarray)]


def check_twice(text: str, folder, first_args: list, second_args: list, name: str) -> int:
    """Call every function of the module on two sets of inputs; the calls checked as the module docstring says.
    Returns how many results were checked."""
    reference = load_source(text, f"{name}.py")
    compiled, _ = c_module(text, folder, name)
    checked = 0
    for fn_name in functions_of(reference):
        try:
            expected = [getattr(reference, fn_name)(*args) for args in (first_args, second_args)]
        except Exception:  # noqa: BLE001  (these inputs do not suit this function: NumPy itself fails)
            continue
        first = getattr(compiled, fn_name)(*first_args)
        saved = [r.copy() for r in flat(first)]
        second = getattr(compiled, fn_name)(*second_args)
        what = f"{name}.{fn_name}"
        assert_agree(first, expected[0], what)
        assert_agree(second, expected[1], what)
        for before, after in zip(saved, flat(first)):
            np.testing.assert_array_equal(after, before, err_msg=f"{what}: a later call wrote into a result")
        results = flat(first) + flat(second)
        inputs = [a for a in list(first_args) + list(second_args) if isinstance(a, np.ndarray)]
        for k, result in enumerate(results):
            for other in results[k + 1:] + inputs:
                assert result.size == 0 or not np.shares_memory(result, other), f"{what}: results share memory"
        checked += len(results)
    return checked


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradient_corpus_through_the_cache(name, tmp_path, every_array_cached):
    text, draw = corpus_case(name)
    # named as in test_c_backend, so the kernels are the same text and built once
    check_twice(text, tmp_path, draw(), draw(), f"prog_{name}")


@pytest.mark.parametrize("seed", range(8))
def test_property_programs_through_the_cache(seed, tmp_path, every_array_cached):
    text, _wrt, _as_tuple = program_for_seed(seed)
    first = inputs_for(seed)
    second = [a * 0.5 + 0.25 if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in first]
    check_twice(text, tmp_path, first, second, f"prop_{seed}")


def test_rk4_tapes_and_outputs_are_reused_and_agree(tmp_path, every_array_cached):
    rng = np.random.default_rng(2)
    make = lambda: (rng.uniform(0.1, 0.9, 50), rng.uniform(0.5, 1.5, 50), np.float64(0.05), 30)  # noqa: E731
    assert check_twice(RK4, tmp_path, list(make()), list(make()), "cached_rk4") > 0
    assert every_array_cached.reused > 0  # the second calls ran on the first calls' released blocks


def test_a_block_is_reused_only_when_no_array_on_it_is_alive():
    cache = buffers.BufferCache(minimum=1, limit=1 << 20)
    a, address = cache.empty((100,), F64, 800)
    assert address == a.__array_interface__["data"][0] and address % 64 == 0
    view = a[10:20]
    a[:] = 1.0
    del a
    b, _ = cache.empty((100,), F64, 800)  # `view` still holds the first block
    assert not np.shares_memory(b, view)
    b[:] = 2.0
    assert (view == 1.0).all()
    del view
    c, again = cache.empty((99,), F64, 792)  # released: reused, whatever the shape within the same pages
    assert again == address and cache.reused == 1
    assert c.shape == (99,) and c.dtype == F64 and c.flags.c_contiguous and c.flags.writeable


def test_idle_memory_stays_under_the_limit_and_release_frees_it():
    cache = buffers.BufferCache(minimum=1, limit=3 * 4096)
    arrays = [cache.empty((512,), F64, 4096)[0] for _ in range(5)]
    assert cache.live_bytes == 5 * 4096
    del arrays
    assert cache.idle_bytes == 3 * 4096 and cache.live_bytes == 0
    assert cache.release() == 3 * 4096 and cache.idle_bytes == 0


def test_by_default_idle_memory_is_bounded_by_the_largest_working_set():
    cache = buffers.BufferCache(minimum=1)
    pair = [cache.empty((512,), F64, 4096)[0] for _ in range(2)]
    del pair
    big, _ = cache.empty((4096,), F64, 8 * 4096)  # idle would be 2 pages; the peak is now 8 pages live
    del big
    assert cache.idle_bytes <= cache.peak_live_bytes == 8 * 4096


def test_a_limit_of_zero_turns_the_cache_off():
    cache = buffers.BufferCache(minimum=1, limit=0)
    a, _ = cache.empty((1000,), F64, 8000)
    assert a.base is None  # a plain NumPy array
    del a
    assert cache.idle_bytes == 0 and cache.fresh == 0


def test_small_arrays_come_from_numpy():
    cache = buffers.BufferCache()
    a, address = cache.empty((10,), F64, 80)
    assert a.base is None and address == a.__array_interface__["data"][0]


def test_a_block_given_back_while_the_lock_is_held_is_kept_later():
    cache = buffers.BufferCache(minimum=1, limit=1 << 20)
    a, address = cache.empty((512,), F64, 4096)
    with cache._lock:  # as if another thread were inside the cache, or a collection ran inside `empty`
        del a
    assert cache.idle_bytes == 0
    b, again = cache.empty((512,), F64, 4096)
    assert again == address


def test_arrays_from_many_threads_never_share_memory():
    cache = buffers.BufferCache(minimum=1, limit=1 << 22)
    errors = []

    def work(value: float):
        for _ in range(200):
            a, _ = cache.empty((512,), F64, 4096)
            a[:] = value
            if not (a == value).all():
                errors.append(value)

    threads = [threading.Thread(target=work, args=(float(k),)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


class Tagged(np.ndarray):
    """A subclass, as a caller may pass one."""


def test_the_fast_address_read_agrees_with_numpy():
    base = np.arange(24.0).reshape(4, 6)
    for array in (base, base[1:, ::2], base.T, np.ones(0), np.arange(5, dtype=np.int32)[::-1], np.zeros(3, bool),
                  np.asfortranarray(base), np.ones(()), base.view(np.int64),
                  np.float64(2.0), np.ma.masked_array(base), base.view(Tagged)):
        assert buffers.address(array) == array.__array_interface__["data"][0]
        if type(array) is np.ndarray and buffers.DATA_FIELD is not None:  # the launcher's read in place
            held = cpu_launch._HEADER(id(array) + cpu_launch._DATA)
            assert held.value == array.__array_interface__["data"][0]


@pytest.mark.parametrize("variable", ["LIFTED_BUFFER_MIN", "LIFTED_BUFFER_CACHE"])
def test_settings(variable, monkeypatch):
    monkeypatch.delenv(variable, raising=False)
    assert buffers._bytes_setting(variable, None) is None
    monkeypatch.setenv(variable, "4096")
    assert buffers._bytes_setting(variable, None) == 4096
    monkeypatch.setenv(variable, "lots")
    with pytest.raises(ValueError, match=variable):
        buffers._bytes_setting(variable, None)


def test_release_is_offered_by_the_cpu_runtime():
    assert cpu.release_buffers is buffers.release


def test_a_forked_child_gets_a_fresh_lock():
    cache = buffers.BufferCache(minimum=1, limit=1 << 20)
    cache._lock.acquire()  # as if another thread of the parent held it when the process forked
    cache.after_fork()
    a, _ = cache.empty((512,), F64, 4096)
    assert a.shape == (512,)



def _owner(array: np.ndarray):
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array.base


def test_reductions_over_some_axes_store_into_the_cache(tmp_path, every_array_cached):
    """A `rows` or `columns` reduction stores every output once, so its result is a block of the cache (no fresh
    array filled with the identity first) and a second call reuses the first call's blocks; a reduction over an
    empty axis still gives the identity."""
    text = '''
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[p,3]", y: "f64[p,40]", z: "f64[q,p]"):
    return np.sum(x * x, axis=1), np.max(y, axis=1), np.prod(z + 1.0, axis=0), np.min(y, axis=0)


@kernel
def g(z: "f64[q,p]"):
    return np.prod(z + 1.0, axis=0), np.sum(z * 2.0, axis=0)
'''
    rng = np.random.default_rng(3)
    make = lambda p: [rng.normal(size=(p, 3)), rng.normal(size=(p, 40)), rng.normal(size=(5, p))]  # noqa: E731
    assert check_twice(text, tmp_path, make(600), make(600), "stored_reductions") == 8
    module, _ = c_module(text, tmp_path, "stored_reductions_again")
    results = module.f(*make(600))
    assert all(isinstance(_owner(r), ctypes.Array) for r in results)  # (the lease: a block of the cache)
    del results
    fresh = every_array_cached.fresh
    module.f(*make(600))
    assert every_array_cached.fresh == fresh
    ones, zeros = module.g(np.zeros((0, 4)))
    assert_agree(ones, np.ones(4), "empty prod")
    assert_agree(zeros, np.zeros(4), "empty sum")
