// The values of a LoopCall's call (capi.cpp, which follows this file in one translation unit: capi.py joins
// them): the call's plan (Input, Output, LoopCall), the thread's scratch and arena allocator, the inputs packed
// into the kernel's int64 words, and the results made from them as the Python path makes them.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void* (*alloc_fn)(int64_t bytes);
typedef int (*kernel_fn)(int64_t* io, alloc_fn alloc);

enum { KIND_ARRAY = 0, KIND_SCALAR = 1, KIND_OTHER = 2 };
enum { SCRATCH_MOST = 4 << 20, RESULT_BLOCK_MOST = 1 << 18, STACK_WORDS = 256 };

struct Input { int kind, rank, written, floating; int64_t slot; PyArray_Descr* dtype; };
struct Output { int is_array, rank, floating; int64_t slot, itemsize; PyArray_Descr* dtype; PyObject* numpy_type;
                PyObject* python_type; };

struct LoopCall {
    PyObject_HEAD
    kernel_fn function;
    int64_t words, memory, result_bytes;
    Py_ssize_t inputs, outputs;
    Input* input;
    Output* output;
    PyObject* allocate;  // (size) -> (block, address): the arena's blocks, NumPy memory from the buffer cache
    PyObject* python_call;  // name of the Python path's method
    bool fast;  // every input an array or a scalar (a kernel with tapes takes the Python path)
};

// Per thread: the scratch block (arrays that die with a call; malloc'd, never seen by Python), whether a call runs
// on the thread (a call inside one, from the allocator, gets no scratch, as on the Python path), and the arena
// blocks list of the call that runs.
struct Scratch {
    char* block = nullptr;
    int64_t bytes = 0;
    ~Scratch() { free(block); }
};
static thread_local Scratch scratch;
static thread_local PyObject** running_blocks = nullptr;  // (the list is made at the first block)
static thread_local PyObject* running_allocate = nullptr;

// the kernel's allocator: called with the GIL released, on the calling thread; the block joins the call's list
static void* allocate(int64_t bytes)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    void* at = nullptr;
    PyObject* made = PyObject_CallFunction(running_allocate, "L", (long long)bytes);
    if (made && PyTuple_Check(made) && PyTuple_GET_SIZE(made) == 2) {
        PyObject* block = PyTuple_GET_ITEM(made, 0);
        long long address = PyLong_AsLongLong(PyTuple_GET_ITEM(made, 1));
        PyObject* entry = Py_BuildValue("(LLOO)", address, address + (long long)bytes, block, block);
        if (!*running_blocks) *running_blocks = PyList_New(0);
        if (entry && *running_blocks && PyList_Append(*running_blocks, entry) == 0) at = (void*)(intptr_t)address;
        Py_XDECREF(entry);
    }
    Py_XDECREF(made);
    if (!at) PyErr_WriteUnraisable(running_allocate);  // (the kernel stops with its memory error)
    PyGILState_Release(gil);
    return at;
}

static PyObject* python_path(LoopCall* self, PyObject* args)
{
    PyObject* method = PyObject_GetAttr((PyObject*)self, self->python_call);
    if (!method) return nullptr;
    PyObject* result = PyObject_Call(method, args, nullptr);
    Py_DECREF(method);
    return result;
}

// an input's words, or false where the Python path must pack it (nothing is raised then)
static bool pack_array(const Input& in, PyObject* value, int64_t* io)
{
    if (Py_TYPE(value) != &PyArray_Type) return false;
    PyArrayObject* array = (PyArrayObject*)value;
    if (PyArray_DESCR(array) != in.dtype || PyArray_NDIM(array) != in.rank) return false;
    if (in.written && !PyArray_ISWRITEABLE(array)) return false;
    const npy_intp itemsize = PyArray_ITEMSIZE(array);
    const npy_intp* dims = PyArray_DIMS(array);
    const npy_intp* strides = PyArray_STRIDES(array);
    io[in.slot] = (int64_t)(intptr_t)PyArray_DATA(array);
    for (int k = 0; k < in.rank; ++k) {
        if (strides[k] % itemsize) return false;  // (a structured array's field: the Python path copies it)
        io[in.slot + 1 + k] = dims[k];
        io[in.slot + 1 + in.rank + k] = strides[k] / itemsize;
    }
    return true;
}

// a scalar's bits and flag as the Python path makes them (float(value) or int(value); flagged unless a Python
// number); -1 with an exception set, 0 where the Python path must pack it, 1 when packed
static int pack_scalar(const Input& in, PyObject* value, int64_t* io)
{
    PyTypeObject* type = Py_TYPE(value);
    const bool python_number = type == &PyFloat_Type || type == &PyLong_Type || type == &PyBool_Type;
    if (in.floating) {
        double x;
        if (type == &PyFloat_Type) x = PyFloat_AS_DOUBLE(value);
        else {  // (float(value): np.float64's own, a subclass's __float__, ...)
            PyObject* converted = PyNumber_Float(value);
            if (!converted) return -1;
            x = PyFloat_AS_DOUBLE(converted);
            Py_DECREF(converted);
        }
        memcpy(&io[in.slot], &x, 8);
    } else {
        PyObject* converted = PyNumber_Long(value);
        if (!converted) return -1;
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(converted, &overflow);
        Py_DECREF(converted);
        if (overflow) return 0;
        io[in.slot] = x;
    }
    io[in.slot + 1] = !python_number;
    return 1;
}

static PyObject* make_scalar(const Output& out, const int64_t* io)
{
    PyObject* value;
    if (out.floating) {
        double x;
        memcpy(&x, &io[out.slot], 8);
        value = PyFloat_FromDouble(x);
    } else if (out.python_type == (PyObject*)&PyBool_Type) {
        value = PyBool_FromLong(io[out.slot] != 0);
    } else {
        value = PyLong_FromLongLong(io[out.slot]);
    }
    if (!value || !io[out.slot + 1]) return value;
    PyObject* typed = PyObject_CallOneArg(out.numpy_type, value);
    Py_DECREF(value);
    return typed;
}

// the blocks a result may lie in, as the Python path's `view` looks at them: the result block, then the arena's
static PyObject* owners(PyObject* block, PyObject* arena)
{
    PyObject* blocks = arena ? PySequence_List(arena) : PyList_New(0);
    if (!blocks || !block) return blocks;
    const long long low = (long long)(intptr_t)PyArray_DATA((PyArrayObject*)block);
    PyObject* entry = Py_BuildValue("(LLOO)", low, low + (long long)PyArray_DIM((PyArrayObject*)block, 0), block,
                                    block);
    if (!entry || PyList_Insert(blocks, 0, entry) < 0) Py_CLEAR(blocks);
    Py_XDECREF(entry);
    return blocks;
}

// the array inputs (a result may be one of them, or a view of one)
static PyObject* array_inputs(LoopCall* self, PyObject* args)
{
    PyObject* arrays = PyList_New(0);
    for (Py_ssize_t i = 0; arrays && i < self->inputs; ++i) {
        PyObject* value = PyTuple_GET_ITEM(args, i);
        if (self->input[i].kind == KIND_ARRAY && value != Py_None && PyList_Append(arrays, value) < 0)
            Py_CLEAR(arrays);
    }
    return arrays;
}

// the results: views of the result block made here; any other array through the Python path's `view`
static PyObject* make_results(LoopCall* self, const int64_t* io, PyObject* block, PyObject* arena, PyObject* args)
{
    PyObject* blocks = nullptr;
    PyObject* arrays = nullptr;
    char* low = block ? (char*)PyArray_DATA((PyArrayObject*)block) : nullptr;
    char* high = block ? low + PyArray_DIM((PyArrayObject*)block, 0) : nullptr;
    PyObject* results = PyTuple_New(self->outputs);
    if (!results) return nullptr;
    for (Py_ssize_t i = 0; i < self->outputs; ++i) {
        const Output& out = self->output[i];
        PyObject* value = nullptr;
        if (!out.is_array) {
            value = make_scalar(out, io);
        } else {
            char* at = (char*)(intptr_t)io[out.slot];
            npy_intp dims[NPY_MAXDIMS], strides[NPY_MAXDIMS];
            bool empty = false;
            for (int k = 0; k < out.rank; ++k) {
                dims[k] = io[out.slot + 1 + k];
                strides[k] = io[out.slot + 1 + out.rank + k] * out.itemsize;
                empty = empty || dims[k] == 0;
            }
            if (block && low <= at && at < high && !empty) {
                Py_INCREF(out.dtype);
                value = PyArray_NewFromDescr(&PyArray_Type, out.dtype, out.rank, dims, strides, at,
                                             NPY_ARRAY_WRITEABLE, nullptr);
                if (value) {
                    Py_INCREF(block);
                    if (PyArray_SetBaseObject((PyArrayObject*)value, block) < 0) Py_CLEAR(value);
                }
            } else {
                PyObject* shape = PyTuple_New(out.rank);
                PyObject* steps = PyTuple_New(out.rank);
                for (int k = 0; shape && steps && k < out.rank; ++k) {
                    PyTuple_SET_ITEM(shape, k, PyLong_FromLongLong(dims[k]));
                    PyTuple_SET_ITEM(steps, k, PyLong_FromLongLong(io[out.slot + 1 + out.rank + k]));
                }
                if (shape && steps && !blocks) blocks = owners(block, arena);
                if (shape && steps && blocks && !arrays) arrays = array_inputs(self, args);
                if (shape && steps && blocks && arrays)
                    value = PyObject_CallMethod((PyObject*)self, "view", "LOOOOO", (long long)(intptr_t)at, shape,
                                                steps, (PyObject*)out.dtype, blocks, arrays);
                Py_XDECREF(shape);
                Py_XDECREF(steps);
            }
        }
        if (!value) { Py_DECREF(results); Py_XDECREF(blocks); Py_XDECREF(arrays); return nullptr; }
        PyTuple_SET_ITEM(results, i, value);
    }
    Py_XDECREF(blocks);
    Py_XDECREF(arrays);
    if (self->outputs == 1) {
        PyObject* only = PyTuple_GET_ITEM(results, 0);
        Py_INCREF(only);
        Py_DECREF(results);
        return only;
    }
    if (self->outputs == 0) { Py_DECREF(results); Py_RETURN_NONE; }
    return results;
}
