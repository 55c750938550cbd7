"""Call a loop kernel (a host loop compiled whole, see the compiler's backends/c/loops/): pack its inputs into one
int64 buffer, give it an allocator for its arena, and turn what it wrote back into the host module's values.

Arrays travel as (address, dims, element strides); scalars as their bits and a flag saying whether the host held
a NumPy scalar; tapes (the host module's lists) as a table of the segments earlier loop kernels left in them. The
arena is NumPy memory: a result is a view of an arena block (or of an input, when the loop returned a view of
it), and a tape segment keeps the blocks its entries point into alive.
"""
from __future__ import annotations

import array as array_module
import ctypes
import struct

import numpy as np

from .arena import (ALLOCATE, ALLOCATOR, BYTE, NOWHERE, RESULT_BLOCK_MOST, SCRATCH_MOST, allocate_block, arena,
                    as_input, new_scratch, result_view)
from .buffers import HEADER_READABLE, address
from .capi import LOOP_CALL

_DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
_PYTHON = {"f64": float, "f32": float, "i64": int, "i32": int, "bool": bool}
_NUMPY_DTYPES = {name: np.dtype(t) for name, t in _DTYPES.items()}
_empty = np.empty
_FLOAT_BITS = lambda x, _s=struct.Struct("<d"), _i=struct.Struct("<q"): _i.unpack(_s.pack(x))[0]  # noqa: E731
_BITS_FLOAT = lambda w, _s=struct.Struct("<d"), _i=struct.Struct("<q"): _s.unpack(_i.pack(w))[0]  # noqa: E731


class Segment:
    """The entries one loop kernel call pushed on a tape: `count` of `width` int64 words each at `address`
    (in one of `blocks`), pointing into `blocks` ((low, high, array, original) of the memory the call knew, kept
    alive while the segment is in the host module's list)."""

    __slots__ = ("address", "count", "width", "blocks")

    def __init__(self, address: int, count: int, width: int, blocks: list):
        self.address, self.count, self.width, self.blocks = address, count, width, blocks


_ARRAY, _SCALAR, _TAPE = "array", "scalar", "tape"
_PYTHON_SCALARS = (int, float, bool)
_EMPTY_TABLE = array_module.array("q", [0, 0])  # (a tape with no segments: the kernel reads nothing from it)
_ndarray = np.ndarray


def _input_plan(entry: tuple, slot: int) -> tuple:
    """How a call packs one input: (kind, dtype, rank or tape width, written / is-float / pops, the words of
    an undefined value, its first word in the buffer, whether C may read its layout from the array's header)."""
    kind = entry[0]
    if kind == "array":
        blank = array_module.array("q", [0] * (1 + 2 * entry[2]))
        return _ARRAY, np.dtype(_DTYPES[entry[1]]), entry[2], entry[3], blank, slot, \
            HEADER_READABLE and entry[2] > 0 and not entry[3]
    if kind == "scalar":
        return _SCALAR, None, None, entry[1] in ("f64", "f32"), array_module.array("q", [0, 0]), slot, False
    return _TAPE, None, entry[1], entry[2], None, slot, False


def _capi_input(plan: tuple) -> tuple:
    """An input as the C call reads it: (kind: 0 array, 1 scalar, 2 tape; dtype, rank, written, floating, slot)."""
    kind = {_ARRAY: 0, _SCALAR: 1}.get(plan[0], 2)
    rank = plan[2] if kind == 0 else 0
    return kind, plan[1], rank, int(kind == 0 and bool(plan[3])), int(kind == 1 and bool(plan[3])), plan[5]


def _capi_output(entry: tuple, plan: tuple) -> tuple:
    """An output as the C call makes it: (is array, dtype, rank, NumPy scalar type, Python type, floating,
    slot)."""
    if entry[0] == "array":
        return 1, plan[1], plan[2], None, None, 0, plan[3]
    return 0, None, 0, plan[1], plan[2][0], int(plan[2][1]), plan[3]


def _words(entry: tuple) -> int:
    """The int64 words an input or output takes in the call's buffer."""
    return 1 + 2 * entry[2] if entry[0] == "array" else 2 if entry[0] == "scalar" else 4


class LoopKernel(LOOP_CALL):
    """One loop kernel of a loaded library, callable as `kernel(*inputs)` with the values its loop reads from
    outside (arrays, scalars, tape lists); returns the loop's results as the host loop would leave them.

    With the C-API extension (`lifted.cpu.capi`), calling the kernel runs its base type's C call, which packs arrays
    and scalars, calls the kernel and makes the results itself, and turns to `python_call`, `view` and `error`
    below for anything else (a tape, a value to convert, a result outside the result block, a failure), so both
    paths take, return and raise the same things. Without it (`LOOP_CALL` is `object`) `python_call` is the call.

    What the spec says of each input and output (dtypes, ranks, widths, where each goes in the call's int64
    buffer) is read once, here: a call writes the values into a buffer an earlier call left (`free`), passes one
    shared allocator callback (making a ctypes callback costs microseconds a call) and wraps the results as views
    of the blocks the call allocated. An ndarray of the compiled dtype and rank passes as its own address, and
    the C side reads its data, dims and strides from its header (`lifted_load_input`): packing them in Python
    cost about 0.4 µs an array."""

    def __init__(self, function, spec: dict):
        self.function = function
        # the same function called with the GIL held, for calls whose C side reads arrays' headers: another thread
        # could reshape an array (and free its dims) while a call that released the GIL reads them
        self.holding_gil = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ALLOCATOR)(
            ctypes.cast(function, ctypes.c_void_p).value)
        self.spec = spec
        function.restype = ctypes.c_int
        function.argtypes = [ctypes.c_void_p, ALLOCATOR]
        self.count = len(spec["inputs"])
        self.io = spec["io"]
        self.memory = spec["memory"]
        self.result_bytes = 0  # what the last call's results took (the next call's result block)
        self.inputs, slot = [], 0
        for entry in spec["inputs"]:
            self.inputs.append(_input_plan(entry, slot))
            slot += _words(entry)
        self.outputs = []
        for entry in spec["outputs"]:
            self.outputs.append((True, _NUMPY_DTYPES[entry[1]], entry[2], slot) if entry[0] == "array" else
                                (False, _DTYPES[entry[1]], (_PYTHON[entry[1]], entry[1] in ("f64", "f32")), slot))
            slot += _words(entry)
        self.free: list = []  # (buffer, address) pairs no call is using (calls from several threads take their own)
        # every input an array C may read by its header: (dtype, rank, first word) each, for a quick call
        self.quick = tuple((plan[1], plan[2], plan[5]) for plan in self.inputs) \
            if all(plan[6] for plan in self.inputs) else None
        if LOOP_CALL is not object:
            LOOP_CALL.__init__(self, ctypes.cast(function, ctypes.c_void_p).value, self.io, self.memory,
                               tuple(_capi_input(plan) for plan in self.inputs),
                               tuple(_capi_output(entry, plan) for entry, plan in zip(spec["outputs"], self.outputs)),
                               allocate_block)

    def python_call(self, *args):
        if len(args) != self.count:
            raise TypeError(f"the loop kernel takes {self.count} inputs, {len(args)} given")
        free = self.free
        try:
            io, at = free.pop()
        except IndexError:
            io = array_module.array("q", bytes(8 * self.io))
            at = io.buffer_info()[0]
        try:
            quick = self.quick
            if quick is not None:
                # the common call, where every input is an ndarray of its compiled dtype and rank: each passes as
                # its header's address (and no owners list: a result not in the call's blocks looks at the inputs)
                for value, (dtype, rank, word) in zip(args, quick):
                    if type(value) is not _ndarray or value.dtype is not dtype or value.ndim != rank:
                        break
                    io[word] = id(value)
                    io[word + 1] = -1
                else:
                    return self._run(io, at, args, None, (), True)
            return self._call(io, at, args, True)
        finally:
            free.append((io, at))

    if LOOP_CALL is object:
        __call__ = python_call

    view = staticmethod(lambda *args: result_view(*args))  # (for the C call: a result it did not place itself)
    error = staticmethod(lambda code, details: _error(code, details))  # (for the C call: the exception of a code)

    def _call(self, io, io_address: int, args: tuple, headers: bool):
        """One call with the buffer `io`; `headers`: array inputs may pass as their header's address."""
        owners: list = []  # (low, high, array, original): memory a result or a pushed entry may point into
        tapes = []
        by_header = False  # (whether an array passes as its header's address)
        for value, (kind, dtype, rank, flag, blank, at, readable) in zip(args, self.inputs):
            if kind is _ARRAY:
                if value is None:  # undefined on the path taken: the loop never reads it
                    io[at:at + len(blank)] = blank
                    continue
                if type(value) is _ndarray and value.dtype is dtype and value.ndim == rank and not flag:
                    array = value  # (the common case, read as it is unless a stride is not whole elements)
                    if readable and headers:
                        io[at] = id(value)
                        io[at + 1] = -1
                        owners.append((None, None, value, value))
                        by_header = True
                        continue
                else:
                    array = as_input(value, dtype, rank, flag)
                itemsize = array.itemsize
                raw = array.strides
                strides = [s // itemsize for s in raw]
                for stride in raw:
                    if stride % itemsize:  # (a field of a structured array: as_input copies it)
                        array = as_input(value, dtype, rank, flag)
                        strides = [s // itemsize for s in array.strides]
                        break
                io[at] = address(array)
                io[at + 1:at + 1 + 2 * rank] = array_module.array("q", array.shape + tuple(strides))
                owners.append((None, None, array, value))  # (its extent: worked out only if a result needs it)
            elif kind is _SCALAR:
                if value is None:
                    io[at:at + 2] = blank
                    continue
                io[at] = _FLOAT_BITS(float(value)) if flag else int(value)
                io[at + 1] = type(value) not in _PYTHON_SCALARS
            else:
                width, pops = rank, flag
                # a kernel that only pushes reads no segment: neither checked nor tabled, so a host loop calling it
                # once a step costs the same at every step (the kernel that pops them checks them)
                for segment in value if pops else ():
                    if type(segment) is not Segment or segment.width != width:
                        raise RuntimeError("a tape shared by a loop kernel holds entries it did not write")
                if not value or not pops:
                    table = _EMPTY_TABLE
                elif len(value) == 1:
                    table = array_module.array("q", (value[0].address, value[0].count))
                else:
                    table = array_module.array("q", [w for s in value for w in (s.address, s.count)])
                tapes.append((at, value, table, width, pops))
                io[at:at + 4] = array_module.array("q", (table.buffer_info()[0], len(value) if pops else 0, 0, 0))
        return self._run(io, io_address, args, owners, tapes, by_header)

    def _run(self, io, io_address: int, args: tuple, owners: list | None, tapes: list, by_header: bool):
        """Call the kernel on the packed buffer and turn what it wrote into the results. `owners`: the inputs'
        (low, high, array, original), or None where each input is its own array (a quick call); `by_header`:
        the C side reads an array's header, so the call holds the GIL."""
        memory = self.memory
        blocks: list = []
        outer, arena.blocks = arena.blocks, blocks
        scratch = arena.scratch if outer is None else None  # (not while a call runs)
        if scratch is not None:
            io[memory] = scratch[1]
            io[memory + 1] = scratch[2]
        else:
            io[memory] = io[memory + 1] = 0
        if self.result_bytes:
            block = _empty(self.result_bytes + 64, BYTE)
            at = address(block)
            blocks.append((at, at + self.result_bytes + 64, block, block))
            io[memory + 2] = at
            io[memory + 3] = self.result_bytes + 64
        else:
            io[memory + 2] = io[memory + 3] = 0
        try:
            code = (self.holding_gil if by_header else self.function)(io_address, ALLOCATE)
        finally:
            arena.blocks = outer
        if code:
            if code == 16:  # (a stride that is not whole elements, before anything ran: pass converted copies)
                return self._call(io, io_address, args, False)
            raise _error(code, io[memory + 4:memory + 7])
        wanted, results_took = io[memory + 1], io[memory + 3]
        if outer is None and wanted > (scratch[2] - 64 if scratch is not None else 0) and \
                (scratch is None or scratch[2] < SCRATCH_MOST):
            arena.scratch = new_scratch(wanted)
        if results_took != self.result_bytes and results_took <= RESULT_BLOCK_MOST:
            self.result_bytes = results_took
        # the blocks of the segments of tapes it pops may hold results too; a tape's list keeps every block a
        # segment's entries may point into alive while it holds them
        if owners is None:  # (each input is its array: looked at only where a result is not in the call's blocks)
            owners, inputs = blocks, args
        else:
            owners, inputs = blocks + owners, None
        if tapes:
            owners = blocks + [o for _, tape, _, _, pops in tapes if pops for s in tape for o in s.blocks] + \
                owners[len(blocks):]
        for at, tape, table, width, pops in tapes:
            if tape and pops:  # (the counts the kernel's pops left)
                for segment, count in zip(tape, table[1::2]):
                    segment.count = count
            while tape and tape[-1].count == 0:
                tape.pop()
            if io[at + 3]:
                tape.append(Segment(io[at + 2], io[at + 3], width, owners))
        results = []
        for is_array, dtype, extra, slot in self.outputs:
            if is_array:
                rank, at = extra, io[slot]
                shape = tuple(io[slot + 1:slot + 1 + rank])
                low, high, block, _ = blocks[0] if blocks else NOWHERE
                if low <= at < high and 0 not in shape:  # (in the call's first block: its view, at once)
                    itemsize = dtype.itemsize
                    results.append(_ndarray(shape, dtype, block, at - low,
                                            tuple([s * itemsize for s in io[slot + 1 + rank:slot + 1 + 2 * rank]])))
                    continue
                results.append(result_view(at, shape, io[slot + 1 + rank:slot + 1 + 2 * rank], dtype, owners, inputs))
            else:
                python, floating = extra
                value = _BITS_FLOAT(io[slot]) if floating else io[slot]
                results.append(dtype(value) if io[slot + 1] else python(value))
        return results[0] if len(results) == 1 else tuple(results) if results else None


def _error(code: int, details) -> Exception:
    a, b, c = (int(x) for x in details)
    if code == 1:
        return IndexError(f"index {a} is out of bounds for axis {b} with size {c}")
    if code == 2:
        return ZeroDivisionError("division by zero")
    if code == 3:
        return ValueError(f"dimension {a} of a kernel's index space is {b}, but an input has {c}; "
                          "the C backend needs the sizes the annotations promise")
    if code == 4:
        return ValueError("could not broadcast the assigned value into the indexed region")
    if code == 5:
        return MemoryError("a loop kernel could not allocate its arena")
    if code == 6:
        return IndexError("pop from empty list")
    if code == 7:
        op = {0: "maximum", 1: "scalar", 2: "minimum", 3: "fmax", 4: "fmin", 5: "argmax", 6: "argmin"}[a]
        if op == "scalar":
            return ValueError("this kernel computes a scalar per element, and the arrays are empty; "
                              "the C backend cannot run it on empty arrays")
        if op.startswith("arg"):  # (NumPy's words for np.argmax of an empty axis)
            return ValueError(f"attempt to get {op} of an empty sequence")
        return ValueError(f"zero-size array to reduction operation {op} which has no identity")
    if code == 8:
        return ValueError("slice step cannot be zero")
    if code == 9:
        return OverflowError("integer overflow in a loop kernel's scalar arithmetic")
    if code == 10:
        return ValueError("negative dimensions are not allowed")
    if code == 11:
        return ValueError(f"all the input array dimensions except for the concatenation axis must match exactly, "
                          f"but along dimension {a}, the arrays have sizes {b} and {c}")
    if code == 12:
        return ValueError("cannot select an axis to squeeze out which has size not equal to one")
    if code == 13:
        return ValueError(f"operands could not be broadcast together: axis {a} of size {b} into size {c}")
    if code == 14:
        return ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                          f"(n?,k),(k,m?)->(n?,m?) (size {a} is different from {b})")
    if code == 15:
        return ValueError(f"operands could not be broadcast together: matmul of a stack of {a} matrices and a "
                          f"stack of {b}")
    if code == 17:
        return ValueError(f"operands could not be broadcast together: axis {a} has sizes {b} and {c}")
    if code == 18:
        return ValueError("array is not broadcastable to correct shape")
    if code == 19:
        return ValueError("all input arrays must have the same shape")
    if code == 20:  # (the host module's `_same_shape` says the same)
        return ValueError(f"an array whose axis {a} has size {b} meets one whose axis {a} has size {c}: the sizes "
                          "that the annotations name differently must be equal")
    return RuntimeError(f"loop kernel failed with code {code}")
