"""vmap against its definition: a Python loop over the examples, calling the unbatched kernel once per example.

Each case is a kernel exercising one construct (a primitive family, an index form, an in-place update, a branch
or loop whose condition differs between examples), batched over several `in_axes`; the batched function must
give what the loop gives, without a floating-point warning (a masked branch runs on safe inputs only).
"""
from __future__ import annotations

import textwrap
import zlib

import numpy as np
import pytest

from lifted.transpiler import TranspileError, transpile_source
from vmap_oracle import assert_same, build, loop, run_quietly

B = 4
SIZES = {"n": 3, "d": 4, "m": 2, "k": 5}


def kernel_source(params: str, body: str, extra: str = "") -> str:
    return ("import numpy as np\nfrom lifted import kernel, grad, jvp, vjp, vmap, stop_gradient, custom_vjp\n\n\n"
            f"@kernel\ndef f({params}):\n{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n{extra}")


def _shape(annotation: str) -> tuple[str, tuple[int, ...]]:
    dtype, dims = annotation.strip('"').rstrip("]").split("[")
    return dtype, tuple(SIZES[d] if d in SIZES else int(d) for d in dims.split(",") if d)


def inputs(case_id: str, params: str, in_axes, domains: dict) -> list:
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    names = [p.split(":")[0].strip() for p in params.split(", ")]
    annotations = [p.split(":")[1].strip() for p in params.split(", ")]
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(names)
    values = []
    for name, annotation, axis in zip(names, annotations, axes):
        dtype, shape = _shape(annotation)
        if axis is not None:
            shape = shape[:axis] + (B,) + shape[axis:]
        domain = domains.get(name, "normal")
        if dtype.startswith("i"):
            low, high = domain if isinstance(domain, tuple) else (0, 3)
            values.append(rng.integers(low, high, size=shape))
        elif dtype == "bool":
            values.append(rng.random(shape) < 0.5)
        elif domain == "pos":
            values.append(rng.uniform(0.5, 2.0, size=shape))
        else:
            values.append(rng.normal(size=shape))
    return values


CASES = []


def case(case_id, params, body, in_axes_list, domains=None, out_axes=0, extra=""):
    for in_axes in in_axes_list:
        CASES.append(pytest.param(params, body, in_axes, domains or {}, out_axes, extra,
                                  id=f"{case_id}-{str(in_axes).replace(' ', '')}"))


# --- elementwise and broadcasting -------------------------------------------------------------------------------
case("elementwise", 'x: "f64[n,d]", y: "f64[d]", s: "f64[]"', "return np.sin(x) * y + s ** 2",
     [(0, 0, 0), (0, None, None), (None, 0, None), (None, None, 0), (1, 0, None)])
case("where_clip", 'x: "f64[n]", y: "f64[]"', "return np.where(x > y, np.clip(x, -0.5, y), np.maximum(x, y))",
     [(0, 0), (None, 0), (0, None)])
case("stop_gradient", 'x: "f64[n]"', "return stop_gradient(x) * x", [0])
case("astype", 'x: "f64[n]", i: "i64[n]"', "return x * i.astype(np.float64)", [(0, 0), (None, 0)])
# --- reductions -------------------------------------------------------------------------------------------------
case("reductions", 'x: "f64[n,d]"', "return np.sum(x, axis=0) + np.max(x, axis=-1, keepdims=True) + np.mean(x)",
     [0, 1, 2])
case("reduction_methods", 'x: "f64[n,d]", y: "f64[d]"', "return x.sum(axis=1) * np.prod(y) + x.min()",
     [(0, None), (None, 0), (0, 0)])
case("logsumexp", 'x: "f64[n,d]"', "return scipy.special.logsumexp(x, axis=1)", [0],
     extra="")
# --- linear algebra ---------------------------------------------------------------------------------------------
for _ra, _rb in [("f64[d]", "f64[d]"), ("f64[d]", "f64[d,k]"), ("f64[n,d]", "f64[d]"), ("f64[n,d]", "f64[d,k]"),
                 ("f64[m,n,d]", "f64[d,k]"), ("f64[d]", "f64[m,d,k]"), ("f64[m,n,d]", "f64[d]"),
                 ("f64[n,d]", "f64[m,d,k]")]:
    case(f"matmul_{_ra}_{_rb}", f'a: "{_ra}", b: "{_rb}"', "return a @ b", [(0, 0), (0, None), (None, 0)])
case("dot_outer", 'a: "f64[d]", b: "f64[n]"', "return np.outer(a, b) + np.dot(a, a)", [(0, 0), (0, None), (None, 0)])
case("einsum", 'a: "f64[n,d]", b: "f64[d,k]"', 'return np.einsum("ij,jk->ki", a, b)', [(0, 0), (None, 0), (0, None)])
case("transpose", 'x: "f64[m,n,d]"', "return np.transpose(x, (2, 0, 1)) * x.T.sum(), np.swapaxes(x, 0, -1), x.T", [0, 2])
# --- shape operations -------------------------------------------------------------------------------------------
case("reshape", 'x: "f64[n,d]"', "return x.reshape(2, 6) + np.reshape(x, (12,))[:2, None]", [0, 1])
case("expand_squeeze", 'x: "f64[n,1]"',  # (np.squeeze(x) without axis is refused: at n = 1 NumPy removes n too)
     "return np.expand_dims(np.squeeze(x, axis=1), 0) + np.squeeze(x, axis=-1)[:, None]", [0])
case("concatenate_stack", 'x: "f64[n]", y: "f64[n]"',
     "return np.concatenate((x, y, x)) * np.stack((x, y), axis=1).sum()", [(0, 0), (0, None), (None, 0)])
case("broadcast_to", 'x: "f64[4]"', "return np.broadcast_to(x, (3, 4)) * 2.0", [0])
case("creation", 'x: "f64[3]", s: "f64[]"', "z = np.zeros_like(x) + np.full((2, 3), s)[0]\nreturn z + np.ones(3) * s",
     [(0, 0), (None, 0), (0, None)])
# --- indexing ---------------------------------------------------------------------------------------------------
case("slices", 'x: "f64[n,d]"', "return x[1:, ::2] * x[-1, None, ::2] + x[:, 1][None, :].sum() + x[..., 0][0]", [0, 1])
case("gather", 'x: "f64[n,d]", idx: "i64[k]"', "return x[idx] * 2.0 + x[:, idx].sum()", [(0, None), (None, 0), (0, 0)],
     domains={"idx": (0, 3)})
case("mask", 'x: "f64[n,d]", m: "bool[d]"', "return np.sum(x[:, m], axis=1) + np.sum(x[1][m])", [(0, None)])
case("batched_mask_reductions", 'x: "f64[n,d]", m: "bool[d]", r: "bool[n,d]", s: "f64[]"',
     "return np.sum(x[:, m], axis=1) + x[r].sum() + np.sum(np.log(x[1, m]) * s) + np.sum(x[:, m] * x[:, m] - s)",
     [(0, 0, 0, None), (None, 0, 0, 0), (0, 0, None, 0)], domains={"x": "pos"})
case("batched_mask_writes", 'x: "f64[n,d]", m: "bool[d]", k: "bool[n]", v: "f64[]"',
     "x[:, m] = v\nx[1, m] += np.sqrt(x[1, m]) * 2.0\nx[k, 0] = x[k, 0] - v\nreturn x",
     [(0, 0, 0, 0), (None, 0, None, None), (0, 0, 0, None), (None, 0, None, 0)], domains={"x": "pos", "v": "pos"})
case("batched_mask_in_control_flow", 'x: "f64[n,d]", m: "bool[d]", t: "f64[]"',
     """
     acc = 0.0
     for i in range(3):
         if x[i, 0] > t:
             acc = acc + np.sum(np.log(x[i][m]))
         else:
             x[i, m] = t
         while np.sum(x[i, m]) > 2.0 * t:
             x[i, m] *= 0.5
     return acc + np.sum(x[:, m] * 2.0, axis=1)
     """, [(0, 0, 0), (None, 0, None), (0, 0, None), (None, 0, 0)], domains={"x": "pos", "t": "pos"})
case("batched_mask_copy_selection", 'x: "f64[n,d]", m: "bool[d]", y: "f64[d]"',
     "x[0, m] = y[m] * 2.0\nrow = x[2]\nrow[m] = 1.0\nreturn x + row[0]", [(0, 0, 0), (None, 0, None), (0, 0, None)])
case("batched_scalar_index", 'x: "f64[n,d]", i: "i64[]"', "return x[i] + x[:, i].sum() + x[..., i][i % 2]",
     [(None, 0), (0, 0)], domains={"i": (-3, 3)})
case("batched_index_array", 'x: "f64[n,d]", idx: "i64[k]"', "return x[1:, idx] * x[0, idx]", [(0, 0), (None, 0)],
     domains={"idx": (-4, 4)})
case("batched_index_assignment", 'x: "f64[n,d]", i: "i64[]", v: "f64[d]"',
     "x[i] = v\nx[i, 0] += 1.0\nx[0, i] -= v[0]\nreturn x", [(0, 0, 0), (None, 0, None), (0, 0, None), (None, 0, 0)],
     domains={"i": (-3, 3)})
# --- in-place updates -------------------------------------------------------------------------------------------
case("setitem", 'a: "f64[n,d]", v: "f64[d]"', "a[1] = v\na[:, 0] += 1.0\na[2, 1:] -= v[1:] * 2.0\nreturn a",
     [(0, 0), (0, None), (None, 0)])
case("setitem_gather", 'a: "f64[n]", v: "f64[]", idx: "i64[2]"', "a[idx] = v\na[idx] += v\nreturn a",
     [(0, 0, None), (None, 0, None), (0, None, None)], domains={"idx": (0, 3)})
case("augmented", 'x: "f64[n]", y: "f64[n]"', "x += y\nx *= 2.0\nreturn x", [(0, 0), (None, 0), (0, None)])
# --- kernel calls, custom_vjp -------------------------------------------------------------------------------------
case("kernel_call", 'x: "f64[n]", y: "f64[]"', "return g(x) * y", [(0, 0), (0, None), (None, 0)],
     extra='\n\n@kernel\ndef g(z: "f64[n]"):\n    return np.tanh(z) + z[0]\n')
# --- control flow whose condition differs between examples ------------------------------------------------------
case("if_safe_inputs", 'x: "f64[n]", t: "f64[]"',
     """
     s = 0.0
     if np.sum(x) > t:
         s = np.sum(np.log(x))
     else:
         s = -np.sum(np.sqrt(-x))
     return s
     """, [(0, None), (0, 0), (None, 0)], domains={"x": "pos"})
case("if_elif_nested", 'x: "f64[n]", t: "f64[]"',
     """
     y = x * 1.0
     if x[0] > t:
         y[1] = 0.0
         if x[1] > 0.0:
             y = y * 3.0
     elif x[2] > 0.0:
         y = -y
     return y
     """, [(0, None), (0, 0), (None, 0)])
case("if_in_loop_with_updates", 'x: "f64[n]", t: "f64[]"',
     """
     acc = np.zeros(3)
     for i in range(3):
         if x[i] > t:
             acc[i] = x[i] * 2.0
         else:
             acc += x[i]
     return acc
     """, [(0, None), (0, 0), (None, 0)])
case("while_per_example", 'x: "f64[]", y: "f64[n]"',
     """
     v = x * np.sum(y)
     steps = 0
     while v > 0.1 and steps < 50:
         v = v * 0.5 + 0.01 * y[0]
         steps += 1
     return v * steps
     """, [(0, None), (0, 0), (None, 0)], domains={"x": "pos", "y": "pos"})
case("for_batched_trip_count", 'x: "f64[n]", m: "i64[]"',
     """
     s = 0.0
     for i in range(m):
         s = s + x[i % 3] * i
     return s
     """, [(None, 0), (0, 0)], domains={"m": (0, 5)})
case("break_continue_return", 'x: "f64[n]", t: "f64[]"',
     """
     s = 0.0
     for i in range(3):
         if x[i] < -t:
             continue
         if x[i] > t:
             break
         s = s + x[i]
     if s > 0.5:
         return s * 2.0
     return s
     """, [(0, None), (0, 0), (None, 0)])
case("while_break", 'x: "f64[]"',
     """
     v = x
     while True:
         v = v * 0.5
         if v < 0.3:
             break
     return v
     """, [0], domains={"x": "pos"})
case("same_condition_stays_plain", 'x: "f64[n]", t: "f64[]"',
     """
     if t > 0.0:
         x = x * t
     return x
     """, [(0, None)])
case("out_axes", 'x: "f64[n,d]"', "return x.T, np.sum(x)", [0], out_axes=(1, 0))
case("out_axes_unbatched", 'x: "f64[n]", y: "f64[]"', "return x * y, y * 2.0", [(0, None)], out_axes=(0, None))


@pytest.mark.parametrize("params, body, in_axes, domains, out_axes, extra", CASES)
def test_vmap_matches_a_loop_over_examples(params, body, in_axes, domains, out_axes, extra, request):
    decl = f"\nbatched = vmap(f, in_axes={in_axes!r}, out_axes={out_axes!r})\n"
    source = kernel_source(params, body, extra + decl)
    if "scipy" in body:
        source = "import scipy.special\n" + source
    m = build(source)
    args = inputs(request.node.callspec.id, params, in_axes, domains)
    expected = loop(m.f, args, in_axes, out_axes)
    got = run_quietly(m.batched, *args)
    assert_same(got, expected)


def test_vmap_generated_code_reads_like_batched_numpy():
    m_source = transpile_source(kernel_source('w: "f64[d]", x: "f64[d]"', "return np.tanh(x @ w) * x",
                                              "\nbatched = vmap(f, in_axes=(None, 0))\n"), "readable.py")
    code = m_source[m_source.index("def batched"):]
    assert 'x: "f64[B,d]"' in code
    assert "np.tanh(x @ w)[:, None] * x" in code
    assert "for " not in code  # no loop over the examples


def test_a_condition_the_same_for_every_example_stays_a_plain_if():
    code = transpile_source(kernel_source('x: "f64[n]", t: "f64[]"', "if t > 0.0:\n    x = x * t\nreturn x",
                                          "\nbatched = vmap(f, in_axes=(0, None))\n"), "plain.py")
    code = code[code.index("def batched"):]
    assert "if t > 0.0:" in code and "np.where" not in code and "np.any" not in code


def test_batch_sizes_that_differ_are_a_clear_run_time_error():
    m = build(kernel_source('x: "f64[n]", y: "f64[n]"', "return x * y", "\nbatched = vmap(f)\n"))
    with pytest.raises(TypeError, match=r"argument `y` has shape \(3, 3\).*asks for B = 4 on axis 0"):
        m.batched(np.ones((4, 3)), np.ones((3, 3)))  # the argument checks at entry: B is a named dimension
    m._CHECK_ARGS = False  # without them (LIFTED_CHECK_ARGS=0), vmap's own check still refuses
    with pytest.raises(ValueError, match=r"different batch sizes \(x: 4, y: 3\)"):
        m.batched(np.ones((4, 3)), np.ones((3, 3)))


@pytest.mark.parametrize("params, body, in_axes, message", [
    ('x: "f64[n]", m: "i64[]"', "return np.zeros(m) + x[0]", (None, 0), "differ between examples"),
    ('x: "f64[n]", i: "i64[]"', "return x[:i]", (None, 0), "bounds differ between examples"),
    ('x: "f64[n,d]", m: "bool[d]"', "return x[:, m]", (None, 0), "boolean mask that differs"),
    ('x: "f64[n,d]", m: "bool[d]"', "return np.max(x[:, m])", (None, 0), "boolean mask that differs"),
    ('x: "f64[n,d]", m: "bool[d]"', "return np.sum(x[:, m], axis=0)", (None, 0), "boolean mask that differs"),
    ('x: "f64[n,d]", m: "bool[d]", v: "f64[d]"', "x[0, m] = v\nreturn x", (0, 0, None), "mask that differs"),
    ('x: "f64[n]", i: "i64[2]"', "x[i] = 1.0\nreturn x", (0, 0), "index arrays that differ between examples"),
], ids=["shape_from_batched_value", "slice_bound", "batched_mask_returned", "batched_mask_max",
        "batched_mask_sum_keeps_selection", "batched_mask_array_written", "batched_index_assignment"])
def test_what_cannot_be_batched_is_a_located_error(params, body, in_axes, message):
    source = kernel_source(params, body, f"\nbatched = vmap(f, in_axes={in_axes!r})\n")
    with pytest.raises(TranspileError) as info:
        transpile_source(source, "refused.py")
    assert message in str(info.value)
    assert "refused.py:7" in str(info.value) or "refused.py:8" in str(info.value)
