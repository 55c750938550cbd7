"""Render a lowered module for the C targets: the host module (Python) and the kernels (`.cu`)."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from ...analysis.liveness import eliminate_dead_code
from ...analysis.python_numbers import int_sensitive, python_number_merges, rounded_numbers, weak_sensitive
from ...errors import TranspileError
from ...ir import Var, equations
from ...ir.types import NUMPY_DTYPES
from ..numpy import render_function
from ..templates import render_module
from ...ir.names import check_names
from ...ir.verify import names_enabled
from .emit import SHORT_ROW, emit_kernel
from .clamped import assumptions_of
from .cpu_products import route_cpu_products
from .fused_kernel import module_arrays
from .fusion import fuse
from .cuda_products import route_cuda_products
from .host_code import argument_names, runs_numpy_on_arrays, split_entry_checks
from .layouts import stepped_values, strided_values
from .logsumexp import expand_logsumexp
from .norm import expand_norm
from .masked_products import mask_products
from .python_ints import check_python_int_ranges
from .loops import make_loop_kernels

TARGETS = {"c": "cpu", "cuda": "cuda"}  # backend name -> the runtime module that loads its kernels


@dataclass
class COutput:
    host: str  # the Python host module
    kernels: str  # the .cu text
    kernel_count: int


def render_c(lowered, exact: dict, assumed: set, module_lines: list, module_block, header: dict, path: str,
             target: str = "c", delete_dead: bool = True, cu_file: str | None = None, check_args: bool = True,
             loop_kernels: bool = True) -> COutput:
    """The host module and the `.cu` text of a lowered module for `target` ("c" or "cuda"). The pipeline lowers
    (`pipeline.transpile_c`): `exact` holds each function lowered without the slices `assumed` typed as
    polynomials (clamped.py), `module_lines`/`module_block` the module-level arrays' code, `header` the generated
    files' version and source hash; `loop_kernels`: on the "c" target, run each host loop the C side can run whole
    as one C call (loops/)."""
    display = os.path.basename(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    rendered, emitted, constants, entries, loops, guarded = [], [], set(), [], [], []
    for index, fn in enumerate(lowered.functions):
        fn = check_python_int_ranges(eliminate_dead_code(fn))  # (NumPy's OverflowError for an int past int32)
        typed_scalars = {p.name for p in weak_sensitive(fn)}  # (kernels are typed from the annotations)
        _refuse_number_merges(fn, target)
        constants |= {c.value.name for c in module_arrays(fn.body) if c.type.shape != ()}
        fn = expand_norm(expand_logsumexp(fn))
        if target == "c":  # (a product that reads a tie mask where its operand was; the CUDA target keeps cuBLAS)
            fn = mask_products(fn)
        host, kernels = fuse(fn, cpu=target == "c")
        host = route_cuda_products(host) if target == "cuda" else route_cpu_products(host)
        strided = frozenset(strided_values(host))
        stepped = frozenset(stepped_values(host))
        regions = [emit_kernel(k, display, strided, stepped) for k in kernels]
        if target == "c" and loop_kernels:  # host loops the C side can run whole: one call each
            skippable: dict[str, set[int]] = {}
            host, made = make_loop_kernels(host, {k.name: k for k in regions}, display, skippable)
            loops += made
            # (outputs a loop's last trip leaves unstored: those kernels again, storing them through non-null
            # pointers only; the same parameters, so the loop kernels' calls stand)
            regions = [emit_kernel(k, display, strided, stepped, frozenset(skippable[k.name]))
                       if k.name in skippable else region for k, region in zip(kernels, regions)]
        emitted += regions
        # (a Python int given for a float parameter that a loop kernel reads: the kernel holds it as a float, its
        # flag says only "a Python number", so `-a` after the loop would come back a float where Python has an int)
        # (a transform's code takes float64 scalars as np.float64 at entry: numpy_scalars below)
        launched = {a.name for e in equations(host.body) if e.prim.name == "loop_launch" for a in e.args
                    if isinstance(a, Var)}
        int_scalars = {p.name for p in int_sensitive(fn) if p.name in launched} - typed_scalars \
            if index < lowered.kernel_count else set()
        checks, body = split_entry_checks(host) if target == "cuda" else (None, host)
        rendered.append(render_function(body, display, delete_dead, check_args,
                                        typed_scalars=tuple(p for p in body.params if p.name in typed_scalars),
                                        numpy_scalars=index >= lowered.kernel_count,  # (a transform's)
                                        int_scalars=tuple(p for p in body.params if p.name in int_scalars)))
        if target == "cuda":  # the public function calls the body through lifted.cuda.call (device arrays)
            public = rendered[-1]
            rendered[-1] = dataclasses.replace(public, name=f"_{fn.name}_body", doc=None)
            if checks is not None:  # on the caller's arguments, before they are copied to the device
                rendered.append(render_function(checks, display, delete_dead, check_args=False))
            entries.append((public, rendered[-1 if checks is None else -2].name, ", ".join(argument_names(host)),
                            runs_numpy_on_arrays(body), checks.name if checks is not None else None))
        guard = assumptions_of(fn, assumed) if fn.name in exact else ()
        if guard:  # the fast version where its lengths hold, else the exact one, as host code (clamped.py)
            exact_fn = check_python_int_ranges(eliminate_dead_code(exact[fn.name]))
            exact_body = render_function(
                exact_fn, display, delete_dead, check_args,
                typed_scalars=tuple(p for p in exact_fn.params if p.name in typed_scalars),
                numpy_scalars=index >= lowered.kernel_count,
                int_scalars=tuple(p for p in exact_fn.params if p.name in int_scalars))
            arguments = ", ".join(argument_names(host))
            if target == "cuda":  # both through lifted.cuda.call: the exact one as NumPy on host copies
                public, body_name, _, on_arrays, checks_name = entries[-1]
                entries[-1] = (dataclasses.replace(public, name=f"_{fn.name}_fast", doc=None), body_name, arguments,
                               on_arrays, checks_name)
                rendered.append(dataclasses.replace(exact_body, name=f"_{fn.name}_exact_body", doc=None))
                entries.append((dataclasses.replace(public, name=f"_{fn.name}_exact", doc=None),
                                f"_{fn.name}_exact_body", arguments, True, None))
            else:
                public = rendered[-1]
                rendered[-1] = dataclasses.replace(public, name=f"_{fn.name}_fast", doc=None)
                rendered.append(dataclasses.replace(exact_body, name=f"_{fn.name}_exact", doc=None))
            # the public entry carries the exact annotations (`ct: "f64[max(n-1,0),m]"`): both versions check
            # their arguments against them by its name, and at n = 0 the fast one's `n-1` refused NumPy's 0 rows
            guarded.append((dataclasses.replace(public, signature=exact_body.signature), repr(guard), arguments))
    # the CPU's normcdf (CUDA has its own) only where the module calls it: other modules' text, and so their
    # compiled libraries in the cache, stay as they were
    cpu_normcdf = target == "c" and any(e.prim.name == "ndtr" for fn in lowered.functions for e in equations(fn.body))
    kernels_text = render_module("c_kernels.cu.j2", kernels=emitted, loops=loops, short_row=SHORT_ROW,
                                 cpu_normcdf=cpu_normcdf, **header)
    imports = set().union(*[f.imports for f in rendered + ([module_block] if module_block else [])])
    host_text = render_module(
        "c_host_module.py.j2", functions=rendered, transforms=lowered.transforms, target=target,
        runtime=TARGETS[target], cu_file=cu_file or f"{stem}.cu", specs=[(k.name, repr(k.spec)) for k in emitted + loops],
        imports=sorted(imports), module_lines=module_lines, entries=entries,
        guarded=guarded,
        read_only=sorted(constants) if target == "cuda" else [],
        helpers=set().union(*[f.helpers for f in rendered], {"slice_lengths"} if guarded else set()), **header)
    if names_enabled():  # (the test suite's: see pipeline.check_generated)
        check_names(host_text, path)
    return COutput(host_text, kernels_text, len(emitted))


def _refuse_number_merges(fn, target: str) -> None:
    """A value that is a Python number on some runs and a NumPy scalar on others, where it meets arrays that
    Python then computes in another dtype (`v = 0.0` before a loop that may not run, then `v * x32`: float32 for
    the number, float64 after an iteration): the host keeps the number (its loop kernels flag it), but the
    kernels that compute with it are typed once."""
    for merge in python_number_merges(fn, numbers_kept=True) + rounded_numbers(fn):
        name = merge.out.name.rsplit("_", 1)[0] if merge.out.name.rsplit("_", 1)[-1].isdigit() else merge.out.name
        dtype = NUMPY_DTYPES[merge.out.type.dtype]
        raise TranspileError(
            f"the {target} target: {merge.describe(name)}: a kernel has one dtype, which here depends on the data",
            merge.loc, f"start `{name}` from a {dtype} value (computed from an array of that dtype; for float64 a "
            "NumPy function of a number such as `np.sqrt(0.0)`), so that it has one dtype on every run; or build "
            "with the NumPy backend, which computes what Python computes")
