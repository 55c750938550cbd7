// Lifted's C-API call path for the CPU target's runs and loop kernels (`lifted.cpu.capi` builds and loads it).
//
// A call through ctypes paid its Python twice: `LoopKernel.__call__` packing each value into an int64 buffer, then
// ctypes converting its two arguments and releasing the GIL. `LoopCall` is the base type of `LoopKernel`: calling
// a kernel object runs `loop_call` below, which checks and packs the values in C (under the GIL: an array's
// layout is read while no other thread can reshape it), calls the kernel function with the GIL released, and
// makes the results (NumPy arrays viewing the call's result block, Python or NumPy scalars). Whatever this file
// does not handle (another dtype or rank, a subclass, a written read-only array, a value undefined on the path
// taken, a tape, a result outside the result block) goes to the Python code of `LoopKernel` (`python_call`,
// `view`, `error`), so both paths accept, refuse and return the same things.
//
// This file follows capi_values.cpp (the plan's types, packing the values, making the results) in one
// translation unit: capi.py joins the two before building.

static PyObject* loop_call(PyObject* object, PyObject* args, PyObject* kwargs)
{
    LoopCall* self = (LoopCall*)object;
    if (!self->function) { PyErr_SetString(PyExc_TypeError, "LoopCall.__init__ was not called"); return nullptr; }
    const Py_ssize_t count = PyTuple_GET_SIZE(args);
    if (!self->fast || count != self->inputs || (kwargs && PyDict_GET_SIZE(kwargs))) return python_path(self, args);
    int64_t stack[STACK_WORDS];
    int64_t* io = self->words <= STACK_WORDS ? stack : (int64_t*)calloc(self->words, 8);
    if (!io) return PyErr_NoMemory();
    memset(io, 0, self->words * 8);
    PyObject* result = nullptr;
    PyObject* block = nullptr;
    PyObject* blocks = nullptr;
    for (Py_ssize_t i = 0; i < count; ++i) {
        const Input& in = self->input[i];
        PyObject* value = PyTuple_GET_ITEM(args, i);
        if (value == Py_None) continue;  // (undefined on the path taken: zero words, the loop never reads it)
        int packed = in.kind == KIND_ARRAY ? pack_array(in, value, io) : pack_scalar(in, value, io);
        if (packed < 0) goto done;
        if (packed == 0) { result = python_path(self, args); goto done; }
    }
    {
        const int64_t memory = self->memory;
        const bool outer = running_blocks == nullptr;  // (a call inside a call gets no scratch)
        if (outer && scratch.block) {
            io[memory] = (int64_t)(intptr_t)scratch.block;
            io[memory + 1] = scratch.bytes;
        }
        if (self->result_bytes) {
            npy_intp size = self->result_bytes + 64;
            block = PyArray_SimpleNew(1, &size, NPY_UINT8);
            if (!block) goto done;
            io[memory + 2] = (int64_t)(intptr_t)PyArray_DATA((PyArrayObject*)block);
            io[memory + 3] = size;
        }
        PyObject** saved_blocks = running_blocks;
        PyObject* saved_allocate = running_allocate;
        running_blocks = &blocks;
        running_allocate = self->allocate;
        int code;
        Py_BEGIN_ALLOW_THREADS
        code = self->function(io, allocate);
        Py_END_ALLOW_THREADS
        running_blocks = saved_blocks;
        running_allocate = saved_allocate;
        if (code) {
            PyObject* error = PyObject_CallMethod(object, "error", "i(LLL)", code, (long long)io[memory + 4],
                                                  (long long)io[memory + 5], (long long)io[memory + 6]);
            if (error) {
                PyErr_SetObject((PyObject*)Py_TYPE(error), error);
                Py_DECREF(error);
            }
            goto done;
        }
        const int64_t wanted = io[memory + 1], results_took = io[memory + 3];
        if (outer && wanted > (scratch.block ? scratch.bytes - 64 : 0) && scratch.bytes < SCRATCH_MOST) {
            int64_t size = (wanted + 65535) / 65536 * 65536;
            size = (size < SCRATCH_MOST ? size : SCRATCH_MOST) + 64;
            char* grown = (char*)malloc(size);
            if (grown) { free(scratch.block); scratch.block = grown; scratch.bytes = size; }
        }
        if (results_took != self->result_bytes && results_took <= RESULT_BLOCK_MOST) self->result_bytes = results_took;
        result = make_results(self, io, block, blocks, args);
    }
done:
    Py_XDECREF(block);
    Py_XDECREF(blocks);
    if (io != stack) free(io);
    return result;
}

static void clear_plan(LoopCall* self)
{
    for (Py_ssize_t i = 0; self->input && i < self->inputs; ++i) Py_XDECREF(self->input[i].dtype);
    for (Py_ssize_t i = 0; self->output && i < self->outputs; ++i) {
        Py_XDECREF(self->output[i].dtype);
        Py_XDECREF(self->output[i].numpy_type);
        Py_XDECREF(self->output[i].python_type);
    }
    free(self->input);
    free(self->output);
    self->input = nullptr;
    self->output = nullptr;
    self->function = nullptr;
    Py_CLEAR(self->allocate);
    Py_CLEAR(self->python_call);
}

// LoopCall(function address, io words, memory word, inputs, outputs, allocate): inputs are (kind, dtype or None,
// rank, written, floating, slot) each, outputs (is array, dtype or None, rank, numpy type, python type, floating,
// slot)
static int loop_init(PyObject* object, PyObject* args, PyObject* kwargs)
{
    LoopCall* self = (LoopCall*)object;
    unsigned long long function;
    long long words, memory;
    PyObject *inputs, *outputs, *allocate_block;
    if (!PyArg_ParseTuple(args, "KLLO!O!O", &function, &words, &memory, &PyTuple_Type, &inputs, &PyTuple_Type,
                          &outputs, &allocate_block))
        return -1;
    clear_plan(self);
    self->inputs = PyTuple_GET_SIZE(inputs);
    self->outputs = PyTuple_GET_SIZE(outputs);
    self->input = (Input*)calloc(self->inputs + 1, sizeof(Input));
    self->output = (Output*)calloc(self->outputs + 1, sizeof(Output));
    if (!self->input || !self->output) { PyErr_NoMemory(); return -1; }
    self->fast = true;
    for (Py_ssize_t i = 0; i < self->inputs; ++i) {
        Input& in = self->input[i];
        PyObject* dtype;
        long long slot;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(inputs, i), "iOiiiL", &in.kind, &dtype, &in.rank, &in.written,
                              &in.floating, &slot))
            return -1;
        in.slot = slot;
        if (dtype != Py_None) {
            if (!PyArray_DescrCheck(dtype)) { PyErr_SetString(PyExc_TypeError, "an input's dtype"); return -1; }
            Py_INCREF(dtype);
            in.dtype = (PyArray_Descr*)dtype;
        }
        if (in.kind == KIND_ARRAY && (!in.dtype || in.rank > NPY_MAXDIMS)) in.kind = KIND_OTHER;
        self->fast = self->fast && in.kind != KIND_OTHER;
    }
    for (Py_ssize_t i = 0; i < self->outputs; ++i) {
        Output& out = self->output[i];
        PyObject *dtype, *numpy_type, *python_type;
        long long slot;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(outputs, i), "iOiOOiL", &out.is_array, &dtype, &out.rank,
                              &numpy_type, &python_type, &out.floating, &slot))
            return -1;
        out.slot = slot;
        if (out.is_array && (!PyArray_DescrCheck(dtype) || out.rank > NPY_MAXDIMS)) {
            PyErr_SetString(PyExc_TypeError, "an array output's dtype and rank");
            return -1;
        }
        if (out.is_array) {
            PyObject* itemsize = PyObject_GetAttrString(dtype, "itemsize");
            out.itemsize = itemsize ? PyLong_AsLongLong(itemsize) : -1;
            Py_XDECREF(itemsize);
            if (out.itemsize <= 0) { if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "itemsize"); return -1; }
            Py_INCREF(dtype);
            out.dtype = (PyArray_Descr*)dtype;
        }
        Py_INCREF(numpy_type); out.numpy_type = numpy_type;
        Py_INCREF(python_type); out.python_type = python_type;
    }
    self->function = (kernel_fn)(uintptr_t)function;
    self->words = words;
    self->memory = memory;
    self->result_bytes = 0;
    Py_INCREF(allocate_block);
    self->allocate = allocate_block;
    self->python_call = PyUnicode_InternFromString("python_call");
    return self->python_call ? 0 : -1;
}

static void loop_dealloc(PyObject* object)
{
    clear_plan((LoopCall*)object);
    Py_TYPE(object)->tp_free(object);
}

static PyObject* get_result_bytes(PyObject* object, void*) { return PyLong_FromLongLong(((LoopCall*)object)->result_bytes); }

static int set_result_bytes(PyObject* object, PyObject* value, void*)
{
    long long bytes = value ? PyLong_AsLongLong(value) : -1;
    if (bytes < 0) { if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "result_bytes"); return -1; }
    ((LoopCall*)object)->result_bytes = bytes;
    return 0;
}

static PyObject* get_fast(PyObject* object, void*) { return PyBool_FromLong(((LoopCall*)object)->fast); }

static PyGetSetDef loop_getset[] = {
    {"result_bytes", get_result_bytes, set_result_bytes, "bytes of the next call's result block", nullptr},
    {"capi", get_fast, nullptr, "whether calls pack their values in C (else the Python path)", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

static PyTypeObject LoopCallType = {PyVarObject_HEAD_INIT(nullptr, 0)};

// arguments_key(function name, args): what the host module's `_check_args` remembers of a call that passed, the
// tuple (name, then each argument's type, getattr(value, "shape", None), getattr(value, "dtype", None))
static PyObject* attribute_or_none(PyObject* value, PyObject* name)
{
    PyObject* found;
#if PY_VERSION_HEX >= 0x030D0000
    if (PyObject_GetOptionalAttr(value, name, &found) < 0) return nullptr;  // (AttributeError: 0, found NULL)
#else
    if (_PyObject_LookupAttr(value, name, &found) < 0) return nullptr;
#endif
    if (!found) Py_RETURN_NONE;
    return found;
}

static PyObject* arguments_key(PyObject*, PyObject* const* args, Py_ssize_t nargs)
{
    static PyObject* shape_name = PyUnicode_InternFromString("shape");
    static PyObject* dtype_name = PyUnicode_InternFromString("dtype");
    if (nargs != 2 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "arguments_key(function_name, args) takes a name and a tuple");
        return nullptr;
    }
    PyObject* values = args[1];
    const Py_ssize_t count = PyTuple_GET_SIZE(values);
    PyObject* key = PyTuple_New(1 + 3 * count);
    if (!key) return nullptr;
    Py_INCREF(args[0]);
    PyTuple_SET_ITEM(key, 0, args[0]);
    for (Py_ssize_t i = 0; i < count; ++i) {
        PyObject* value = PyTuple_GET_ITEM(values, i);
        PyTypeObject* type = Py_TYPE(value);
        PyObject *shape, *dtype;
        if (type == &PyArray_Type) {  // (the attributes of an exact ndarray, read from it directly)
            PyArrayObject* array = (PyArrayObject*)value;
            shape = PyTuple_New(PyArray_NDIM(array));
            for (int k = 0; shape && k < PyArray_NDIM(array); ++k) {
                PyObject* size = PyLong_FromSsize_t(PyArray_DIM(array, k));
                if (!size) { Py_CLEAR(shape); break; }
                PyTuple_SET_ITEM(shape, k, size);
            }
            dtype = (PyObject*)PyArray_DESCR(array);
            Py_INCREF(dtype);
        } else if (type == &PyFloat_Type || type == &PyLong_Type || type == &PyBool_Type) {
            shape = Py_None; Py_INCREF(shape);
            dtype = Py_None; Py_INCREF(dtype);
        } else {
            shape = attribute_or_none(value, shape_name);
            dtype = shape ? attribute_or_none(value, dtype_name) : nullptr;
        }
        if (!shape || !dtype) { Py_XDECREF(shape); Py_DECREF(key); return nullptr; }
        Py_INCREF(type);
        PyTuple_SET_ITEM(key, 1 + 3 * i, (PyObject*)type);
        PyTuple_SET_ITEM(key, 2 + 3 * i, shape);
        PyTuple_SET_ITEM(key, 3 + 3 * i, dtype);
    }
    return key;
}

static PyMethodDef functions[] = {
    {"arguments_key", (PyCFunction)(void (*)(void))arguments_key, METH_FASTCALL,
     "arguments_key(function_name, args): the host module's argument check's key for a call"},
    {nullptr, nullptr, 0, nullptr},
};

static PyModuleDef module = {PyModuleDef_HEAD_INIT, "lifted_capi",
                             "Lifted's C-API call path for the CPU target's loop kernels.", -1, functions};

PyMODINIT_FUNC PyInit_lifted_capi(void)
{
    import_array();
    LoopCallType.tp_name = "lifted_capi.LoopCall";
    LoopCallType.tp_basicsize = sizeof(LoopCall);
    LoopCallType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE;
    LoopCallType.tp_doc = "A loop kernel's call packed in C (the base of lifted.cpu.loop.LoopKernel).";
    LoopCallType.tp_new = PyType_GenericNew;
    LoopCallType.tp_init = loop_init;
    LoopCallType.tp_dealloc = loop_dealloc;
    LoopCallType.tp_call = loop_call;
    LoopCallType.tp_getset = loop_getset;
    if (PyType_Ready(&LoopCallType) < 0) return nullptr;
    PyObject* made = PyModule_Create(&module);
    if (!made) return nullptr;
    Py_INCREF(&LoopCallType);
    if (PyModule_AddObject(made, "LoopCall", (PyObject*)&LoopCallType) < 0) {
        Py_DECREF(&LoopCallType);
        Py_DECREF(made);
        return nullptr;
    }
    return made;
}
