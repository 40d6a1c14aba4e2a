/* ebmcore_kernels._native: fused energy-and-gradient kernels for CPU inputs.
 *
 * One pass per block of rows computes the energy and the gradient together (or the energy alone,
 * in a second copy of each kernel without the gradient's work), with the sines, cosines and
 * exponentials evaluated by glibc's vector math library (libmvec) where the build has it
 * (VECTOR_MATH = 1: GCC on x86-64 glibc). Each kernel is compiled twice, for any x86-64 CPU and
 * for AVX2 + FMA (x86-64-v3), and the loader picks the one the CPU runs.
 *
 * Arrays cross the boundary as tensors, in DLPack capsules (torch.utils.dlpack.to_dlpack): each
 * is checked here against the layout the kernel declares (a CPU float32 or float64 array of x's
 * type, contiguous, of the declared shape) before any memory is touched. The Python side
 * (ebmcore_kernels/_cpu.py) allocates the outputs. The kernels themselves are printed from the
 * torch formulas of ebmcore-analytic's classes into _generated.h (ebmcore_kernels/_generate.py).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The DLPack tensor (https://github.com/dmlc/dlpack, v0.8 ABI, the "dltensor" capsule). */
typedef struct {
    int32_t device_type, device_id;
} DLDevice;
typedef struct {
    uint8_t code, bits;
    uint16_t lanes;
} DLDataType;
typedef struct {
    void *data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t *shape, *strides;
    uint64_t byte_offset;
} DLTensor;
typedef struct DLManagedTensor {
    DLTensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensor *);
} DLManagedTensor;
#define DL_CPU 1
#define DL_FLOAT 2

#ifdef _OPENMP
#include <omp.h>
#include <pthread.h>

/* Set in a child process made by fork(): GNU OpenMP's thread pool does not survive a fork, and
 * a parallel region in the child would wait forever for the parent's threads. The kernels run
 * on one thread there. */
static volatile int forked = 0;
static void in_child(void) { forked = 1; }
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define VECTOR_MATH 1
/* A vector variant exists in libmvec for each of these. Declared under another name (bound to
 * the same symbol) so that GCC does not fuse a sine and a cosine of one angle into a scalar
 * sincos call, which would stop the loop from vectorizing. */
#define VEC __attribute__((__simd__("notinbranch")))
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
/* Helpers are inlined into each clone, so that they run with its instruction set. */
#define ALWAYS_INLINE __attribute__((always_inline))
VEC float ebm_sinf(float) __asm__("sinf");
VEC float ebm_cosf(float) __asm__("cosf");
VEC float ebm_expf(float) __asm__("expf");
VEC float ebm_logf(float) __asm__("logf");
VEC double ebm_sin(double) __asm__("sin");
VEC double ebm_cos(double) __asm__("cos");
VEC double ebm_exp(double) __asm__("exp");
VEC double ebm_log(double) __asm__("log");
#else
#define VECTOR_MATH 0
#define CLONES
#define ALWAYS_INLINE
#define ebm_sinf sinf
#define ebm_cosf cosf
#define ebm_expf expf
#define ebm_logf logf
#define ebm_sin sin
#define ebm_cos cos
#define ebm_exp exp
#define ebm_log log
#endif

/* SELECT(c, a, b): c ? a : b, picked bit for bit through integer masks. GCC (12) does not
 * vectorize a loop that calls a vector math function and also holds a ?: select; it does
 * vectorize these. */
#define SELECT_AS(name, type, bits)                                                              \
    static inline ALWAYS_INLINE type name(int c, type a, type b) {                               \
        uint##bits##_t ia, ib, mask = (uint##bits##_t)0 - (uint##bits##_t)(c != 0);              \
        memcpy(&ia, &a, sizeof a);                                                                \
        memcpy(&ib, &b, sizeof b);                                                                \
        ia = (ia & mask) | (ib & ~mask);                                                          \
        memcpy(&a, &ia, sizeof a);                                                                \
        return a;                                                                                 \
    }
SELECT_AS(ebm_select_f32, float, 32)
SELECT_AS(ebm_select_f64, double, 64)

#define PI 3.141592653589793238462643383279502884
#define TWO_PI 6.283185307179586476925286766559005768
#define EULER_NUMBER 2.718281828459045235360287471352662498

/* About this many elements per block: the block's scratch arrays stay in the first-level cache. */
#define BLOCK_ELEMENTS 1024

/* The most scratch arrays (with the tiled vectors) and the most parameters and vectors a kernel
 * may take; checked for each kernel at compile time, below. */
#define MAX_SCRATCH 16
#define MAX_ARGUMENTS 8

/* Rows per block for (n, d) inputs: a whole number of rows, a multiple of 8 where there are at
 * least 8 (so that the flat loops over rows * d elements end on a full vector), never more than n. */
static ptrdiff_t block_rows(ptrdiff_t n, ptrdiff_t d) {
    ptrdiff_t rows = BLOCK_ELEMENTS / d;
    if (rows >= 8) rows -= rows % 8;
    if (rows < 1) rows = 1;
    return rows < n ? rows : n;
}

#define REAL float
#define FN(name) name##_f32
#define SIN ebm_sinf
#define COS ebm_cosf
#define EXP ebm_expf
#define LOG ebm_logf
#define SQRT sqrtf
#define FABS fabsf
#define ROUND rintf
#define FLOOR floorf
#define SELECT ebm_select_f32
#include "_native_body.h"
#undef REAL
#undef FN
#undef SIN
#undef COS
#undef EXP
#undef LOG
#undef SQRT
#undef FABS
#undef ROUND
#undef FLOOR
#undef SELECT

#define REAL double
#define FN(name) name##_f64
#define SIN ebm_sin
#define COS ebm_cos
#define EXP ebm_exp
#define LOG ebm_log
#define SQRT sqrt
#define FABS fabs
#define ROUND rint
#define FLOOR floor
#define SELECT ebm_select_f64
#include "_native_body.h"

/* Name, number of scalar parameters and of per-coordinate vectors (each of length d), and the
 * scratch arrays FN(run) sets up for each block: of the block's size and of its row count (it
 * also tiles every vector over the block and, where row_index, numbers each element's row). By
 * kernel number: the position in KERNEL_LIST. */
static const struct {
    const char *name;
    int parameters, vectors, arrays, row_arrays, row_index, values;
} KERNELS[] = {
#define KERNEL_ENTRY(name, parameters, vectors, arrays, row_arrays, row_index, values) \
    {#name, parameters, vectors, arrays, row_arrays, row_index, values},
    KERNEL_LIST(KERNEL_ENTRY)
#undef KERNEL_ENTRY
};
#define KERNEL_COUNT ((int)(sizeof KERNELS / sizeof KERNELS[0]))
#define KERNEL_FITS(name, parameters, vectors, arrays, row_arrays, row_index, values)                   \
    _Static_assert(parameters <= MAX_ARGUMENTS && vectors <= MAX_ARGUMENTS &&                           \
                       arrays + row_arrays + vectors + row_index <= MAX_SCRATCH,                        \
                   #name ": more parameters, vectors or scratch arrays than MAX_ARGUMENTS and MAX_SCRATCH");
KERNEL_LIST(KERNEL_FITS)
#undef KERNEL_FITS

/* The most dimensions of x (torch allows 64). */
#define MAX_DIMS 64

/* Sets *data to the array in DLPack capsule `capsule` (argument `what`) after checking it against
 * the declared layout: on the CPU, floating point of `bits` bits, contiguous, `ndim` dimensions of
 * sizes `shape` (a negative size: any, which is then stored there). -1 with an exception set, and
 * *data untouched, otherwise. An empty array may have a NULL address. */
static int array(PyObject *capsule, const char *what, int bits, int ndim, int64_t *shape, void **data) {
    if (!PyCapsule_IsValid(capsule, "dltensor")) {
        PyErr_Format(PyExc_TypeError, "%s must be a DLPack capsule (to_dlpack of a tensor), got %s", what,
                     Py_TYPE(capsule)->tp_name);
        return -1;
    }
    const DLTensor *t = &((const DLManagedTensor *)PyCapsule_GetPointer(capsule, "dltensor"))->dl_tensor;
    if (t->device.device_type != DL_CPU) {
        PyErr_Format(PyExc_ValueError, "%s must be on the CPU, got DLPack device type %d", what,
                     (int)t->device.device_type);
        return -1;
    }
    if (t->dtype.code != DL_FLOAT || t->dtype.bits != bits || t->dtype.lanes != 1) {
        PyErr_Format(PyExc_ValueError, "%s must be float%d, got DLPack type code %d of %d bits", what, bits,
                     (int)t->dtype.code, (int)t->dtype.bits);
        return -1;
    }
    if (t->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must have %d dimensions, got %d", what, ndim, (int)t->ndim);
        return -1;
    }
    int64_t elements = 1;
    for (int i = 0; i < ndim; ++i) {
        if (shape[i] < 0) shape[i] = t->shape[i];
        if (t->shape[i] != shape[i]) {
            PyErr_Format(PyExc_ValueError, "%s must have size %lld in dimension %d, got %lld", what,
                         (long long)shape[i], i, (long long)t->shape[i]);
            return -1;
        }
        elements *= t->shape[i];
    }
    /* contiguous: row-major strides, except over dimensions of size 1 (and for an empty array) */
    for (int64_t i = ndim - 1, step = 1; t->strides != NULL && elements > 0 && i >= 0; step *= t->shape[i--])
        if (t->shape[i] > 1 && t->strides[i] != step) {
            PyErr_Format(PyExc_ValueError, "%s must be contiguous", what);
            return -1;
        }
    *data = (char *)t->data + t->byte_offset;
    return 0;
}

static PyObject *fused(PyObject *self, PyObject *args) {
    (void)self;
    int kernel, threads;
    PyObject *x_in, *energy_in, *grad_in, *parameters, *vectors, *value_in = Py_None;
    if (!PyArg_ParseTuple(args, "iOOOO!O!i|O:fused", &kernel, &x_in, &energy_in, &grad_in, &PyTuple_Type,
                          &parameters, &PyTuple_Type, &vectors, &threads, &value_in))
        return NULL;
    if (kernel < 0 || kernel >= KERNEL_COUNT) return PyErr_Format(PyExc_ValueError, "no kernel number %d", kernel);
    if (threads < 1) return PyErr_Format(PyExc_ValueError, "threads must be >= 1, got %d", threads);
    if (!PyCapsule_IsValid(x_in, "dltensor"))
        return PyErr_Format(PyExc_TypeError, "x must be a DLPack capsule (to_dlpack of a tensor), got %s",
                            Py_TYPE(x_in)->tp_name);
    const DLTensor *x_tensor = &((const DLManagedTensor *)PyCapsule_GetPointer(x_in, "dltensor"))->dl_tensor;
    const DLDataType type = x_tensor->dtype;
    const int bits = type.code == DL_FLOAT && (type.bits == 32 || type.bits == 64) ? type.bits : 32;
    const int ndim = x_tensor->ndim;
    if (ndim < 1 || ndim > MAX_DIMS)
        return PyErr_Format(PyExc_ValueError, "x must have 1 to %d dimensions (*batch, d), got %d", MAX_DIMS, ndim);
    int64_t shape[MAX_DIMS];
    for (int i = 0; i < ndim; ++i) shape[i] = -1;
    void *x;
    if (array(x_in, "x", bits, ndim, shape, &x)) return NULL;
    Py_ssize_t n = 1;
    const Py_ssize_t d = (Py_ssize_t)shape[ndim - 1];
    for (int i = 0; i < ndim - 1; ++i) n *= (Py_ssize_t)shape[i];
    if (d < 1) return PyErr_Format(PyExc_ValueError, "x must have at least one coordinate, got d = %zd", d);
    if (PyTuple_GET_SIZE(parameters) != KERNELS[kernel].parameters ||
        PyTuple_GET_SIZE(vectors) != KERNELS[kernel].vectors)
        return PyErr_Format(PyExc_ValueError, "kernel %s takes %d parameters and %d vectors, got %zd and %zd",
                            KERNELS[kernel].name, KERNELS[kernel].parameters, KERNELS[kernel].vectors,
                            PyTuple_GET_SIZE(parameters), PyTuple_GET_SIZE(vectors));
    /* energy: x's batch shape; value (a kernel that maps x: required, others: None) and grad: x's shape */
    void *energy, *value = NULL, *grad = NULL;
    if (array(energy_in, "energy", bits, ndim - 1, shape, &energy)) return NULL;
    if ((value_in == Py_None) == (KERNELS[kernel].values != 0))
        return PyErr_Format(PyExc_ValueError, "kernel %s %s", KERNELS[kernel].name,
                            KERNELS[kernel].values ? "maps x: pass the array of its values" : "takes no value array");
    if (value_in != Py_None && array(value_in, "value", bits, ndim, shape, &value)) return NULL;
    if (grad_in != Py_None && array(grad_in, "grad", bits, ndim, shape, &grad)) return NULL;
    double p[MAX_ARGUMENTS];
    void *v[MAX_ARGUMENTS];
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(parameters); ++i) {
        p[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(parameters, i));
        if (p[i] == -1.0 && PyErr_Occurred()) return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(vectors); ++i) {
        int64_t length[1] = {d};
        char what[32];
        snprintf(what, sizeof what, "vectors[%zd]", i);
        if (array(PyTuple_GET_ITEM(vectors, i), what, bits, 1, length, &v[i])) return NULL;
    }
    if (n == 0) Py_RETURN_NONE;
#ifdef _OPENMP
    if (forked) threads = 1;
#endif
    int status;
    Py_BEGIN_ALLOW_THREADS;
    const int arrays = KERNELS[kernel].arrays, row_arrays = KERNELS[kernel].row_arrays, tiled = KERNELS[kernel].vectors;
    const int row_index = KERNELS[kernel].row_index;
    if (bits == 64)
        status = run_f64(blocks_f64[kernel], arrays, row_arrays, tiled, row_index, (const double *)x, n, d, p,
                         (const double *const *)v, (double *)energy, (double *)value, (double *)grad, threads);
    else
        status = run_f32(blocks_f32[kernel], arrays, row_arrays, tiled, row_index, (const float *)x, n, d, p,
                         (const float *const *)v, (float *)energy, (float *)value, (float *)grad, threads);
    Py_END_ALLOW_THREADS;
    if (status) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"fused", fused, METH_VARARGS,
     "fused(kernel, x, energy, grad, parameters, vectors, threads, value=None)\n\n"
     "Run kernel number `kernel` on x, a contiguous (*batch, d) float32 or float64 CPU array,\n"
     "writing its energies into `energy` (*batch) and its gradient into `grad` (x's shape; None:\n"
     "the energies alone); a kernel that maps x writes its values into `value` (x's shape).\n"
     "Every array is a DLPack capsule, checked against the kernel's layout. `parameters` is a\n"
     "tuple of floats, `vectors` a tuple of arrays of length d;\n"
     "the rows are shared out among up to `threads` threads."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "Fused energy-and-gradient CPU kernels of ebmcore-kernels.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    PyObject *names = PyTuple_New(KERNEL_COUNT);
    if (names == NULL) goto fail;
    for (int i = 0; i < KERNEL_COUNT; ++i) {
        PyObject *name = PyUnicode_FromString(KERNELS[i].name);
        if (name == NULL) {
            Py_DECREF(names);
            goto fail;
        }
        PyTuple_SET_ITEM(names, i, name);
    }
    if (PyModule_AddObject(m, "KERNELS", names) < 0) {
        Py_DECREF(names);
        goto fail;
    }
    if (PyModule_AddIntConstant(m, "VECTOR_MATH", VECTOR_MATH) < 0) goto fail;
#ifdef _OPENMP
    if (pthread_atfork(NULL, NULL, in_child) != 0) {
        PyErr_SetString(PyExc_OSError, "pthread_atfork failed");
        goto fail;
    }
    if (PyModule_AddIntConstant(m, "THREADED", 1) < 0) goto fail;
#else
    if (PyModule_AddIntConstant(m, "THREADED", 0) < 0) goto fail;
#endif
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
