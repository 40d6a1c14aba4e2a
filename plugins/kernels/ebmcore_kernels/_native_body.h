/* Fused energy-and-gradient kernels of the variable-dimension analytic energies, written once
 * for a floating type. _native.c includes this file twice, with
 *
 *   REAL       float or double
 *   FN(name)   the name suffixed by the type (name_f32, name_f64)
 *   SIN, COS, EXP, LOG, SQRT, FABS, ROUND, FLOOR   the math functions of that type (the first
 *              four vectorized where VECTOR_MATH is 1; ROUND to nearest, ties to even, as
 *              torch.round)
 *   SELECT     c ? a : b for that type (see _native.c)
 *
 * A kernel is the work on one block of whole rows (FN(block_fn)); FN(run) walks the batch in
 * blocks (block_rows in _native.c) and owns the scratch memory. In a block the elementwise work
 * runs as one flat loop over rows * d contiguous elements, so that short rows still fill the
 * vector lanes, and the per-row reductions and row scalars follow in loops over the block, which
 * is still in the first-level cache. The per-coordinate vectors are tiled once per call to the
 * block's length so that the flat loops read them with the same index as x.
 */

/* One block: x, e, o and g point at its first row (x of `rows` rows of length d, read; e, o and
 * g written, never read before), p the scalar parameters, v the per-coordinate vectors (each of
 * length d), s the scratch arrays in the order FN(run) lays them out. o, of x's shape, is the
 * elementwise value of a kernel that maps x (NULL for the others). */
typedef void FN(block_fn)(const REAL *restrict x, ptrdiff_t rows, ptrdiff_t d, const double *p, const REAL *const *v,
                          REAL *const *s, REAL *restrict e, REAL *restrict o, REAL *restrict g);

/* A kernel is written once, as an inlined body whose gradient work sits under `if (gradient)`
 * (BLOCK_BODY(name) declares it); BLOCK_KERNEL(name) makes the block function that runs it with
 * the gradient or, for g NULL, without: the compiler drops the gradient's work (its sines and
 * cosines included) from that second copy, whose energies are the first's, bit for bit. */
#ifndef BLOCK_KERNEL
#define BLOCK_BODY(name)                                                                                \
    static inline ALWAYS_INLINE void FN(name##_body)(const REAL *restrict x, ptrdiff_t rows, ptrdiff_t d, \
                                                     const double *p, const REAL *const *v, REAL *const *s, \
                                                     REAL *restrict e, REAL *restrict o, REAL *restrict g, \
                                                     const int gradient)
#define BLOCK_KERNEL(name)                                                                              \
    CLONES static void FN(name)(const REAL *restrict x, ptrdiff_t rows, ptrdiff_t d, const double *p,   \
                                const REAL *const *v, REAL *const *s, REAL *restrict e, REAL *restrict o, \
                                REAL *restrict g) {                                                     \
        if (g == NULL)                                                                                  \
            FN(name##_body)(x, rows, d, p, v, s, e, o, NULL, 0);                                        \
        else                                                                                            \
            FN(name##_body)(x, rows, d, p, v, s, e, o, g, 1);                                           \
    }
#endif

/* Rows shorter than this, where a loop over the elements reads their row's values (a row sum
 * broadcast back over the row), run as one flat loop over the block that finds each element's row
 * in FN(run)'s row index; longer ones run row by row. Measured: at d = 2 the flat loop is up to
 * twice as fast, at d = 10 up to twice as slow. */
#ifndef INDEXED_ROW
#define INDEXED_ROW 4
#endif

/* Runs `block` over the (n, d) batch x, writing the n energies e, the (n, d) values o of a kernel
 * that maps x (NULL for the others) and the (n, d) gradient g (g NULL: no gradient), on up to
 * `threads` threads: the blocks are shared out among them
 * (OpenMP, where the build has it; one thread otherwise). Each thread's scratch holds `arrays`
 * arrays of a block's size, `row_arrays` of its row count, the first `tiled` per-coordinate
 * vectors repeated over the block and, where `row_index`, the row number of each element of a
 * block (as a REAL: exact, a block has fewer than 2^24 rows), in that order; one allocation for
 * all. Returns 0, or -1 when the scratch cannot be allocated (nothing is written then). */
static int FN(run)(FN(block_fn) * block, int arrays, int row_arrays, int tiled, int row_index, const REAL *x,
                   ptrdiff_t n, ptrdiff_t d, const double *p, const REAL *const *v, REAL *e, REAL *o, REAL *g,
                   int threads) {
    const ptrdiff_t rows = block_rows(n, d), size = rows * d, blocks = (n + rows - 1) / rows;
    const ptrdiff_t total = (ptrdiff_t)(arrays + tiled + row_index) * size + (ptrdiff_t)row_arrays * rows;
    const ptrdiff_t per_thread = total > 0 ? total : 1;
    if (threads > blocks) threads = (int)blocks;
    if (threads < 1) threads = 1;
    REAL *const memory = (REAL *)malloc((size_t)(per_thread * threads) * sizeof(REAL));
    if (memory == NULL) return -1;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) if (threads > 1)
#endif
    {
#ifdef _OPENMP
        REAL *next = memory + per_thread * omp_get_thread_num();
#else
        REAL *next = memory;
#endif
        REAL *s[MAX_SCRATCH];
        for (int i = 0; i < arrays; ++i, next += size) s[i] = next;
        for (int i = 0; i < row_arrays; ++i, next += rows) s[arrays + i] = next;
        for (int i = 0; i < tiled; ++i, next += size) {
            for (ptrdiff_t r = 0; r < rows; ++r) memcpy(next + r * d, v[i], (size_t)d * sizeof(REAL));
            s[arrays + row_arrays + i] = next;
        }
        if (row_index && d < INDEXED_ROW) {
            for (ptrdiff_t r = 0; r < rows; ++r)
                for (ptrdiff_t j = 0; j < d; ++j) next[r * d + j] = (REAL)r;
            s[arrays + row_arrays + tiled] = next;
        }
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (ptrdiff_t b = 0; b < blocks; ++b) {
            const ptrdiff_t r0 = b * rows;
            block(x + r0 * d, n - r0 < rows ? n - r0 : rows, d, p, v, s, e + r0, o == NULL ? NULL : o + r0 * d,
                  g == NULL ? NULL : g + r0 * d);
        }
    }
    free(memory);
    return 0;
}

/* Row reductions of a block: out[r] = t[r d] OP t[r d + 1] OP ... OP t[r d + d - 1] for the
 * `rows` rows of t. Rows shorter than SHORT_ROW are reduced column by column across the rows (the
 * vector lanes hold different rows, in the order of the columns); longer ones four rows at a
 * time, so that four independent accumulators hide the latency of the operation. One row at a
 * time, a reduction of a short row costs as much as the rest of the kernel's work on it. */
#ifndef SHORT_ROW
#define SHORT_ROW 16
#define PRAGMA(text) _Pragma(#text)
#define ROW_REDUCTION(name, OP, IDENTITY)                                                               \
    static inline ALWAYS_INLINE void FN(name)(const REAL *restrict t, ptrdiff_t rows, ptrdiff_t d, REAL *restrict out) { \
        if (d < SHORT_ROW) {                                                                            \
            _Pragma("omp simd") for (ptrdiff_t r = 0; r < rows; ++r) out[r] = t[r * d];                 \
            for (ptrdiff_t j = 1; j < d; ++j) {                                                         \
                _Pragma("omp simd") for (ptrdiff_t r = 0; r < rows; ++r) out[r] = out[r] OP t[r * d + j]; \
            }                                                                                           \
            return;                                                                                     \
        }                                                                                               \
        ptrdiff_t r = 0;                                                                                \
        for (; r + 4 <= rows; r += 4) {                                                                 \
            const REAL *restrict t0 = t + r * d, *restrict t1 = t0 + d, *restrict t2 = t1 + d,          \
                                 *restrict t3 = t2 + d;                                                 \
            REAL a0 = IDENTITY, a1 = IDENTITY, a2 = IDENTITY, a3 = IDENTITY;                            \
            PRAGMA(omp simd reduction(OP : a0, a1, a2, a3)) for (ptrdiff_t j = 0; j < d; ++j) { \
                a0 = a0 OP t0[j];                                                                       \
                a1 = a1 OP t1[j];                                                                       \
                a2 = a2 OP t2[j];                                                                       \
                a3 = a3 OP t3[j];                                                                       \
            }                                                                                           \
            out[r] = a0;                                                                                \
            out[r + 1] = a1;                                                                            \
            out[r + 2] = a2;                                                                            \
            out[r + 3] = a3;                                                                            \
        }                                                                                               \
        for (; r < rows; ++r) {                                                                         \
            const REAL *restrict tr = t + r * d;                                                        \
            REAL a = IDENTITY;                                                                          \
            PRAGMA(omp simd reduction(OP : a)) for (ptrdiff_t j = 0; j < d; ++j) a = a OP tr[j]; \
            out[r] = a;                                                                                 \
        }                                                                                               \
    }
#endif
ROW_REDUCTION(row_sums, +, 0)
ROW_REDUCTION(row_products, *, 1)

/* Separable energies E = sum_i t(x_i), dE/dx_i = t'(x_i): SEPARABLE_KERNEL(name, flat) runs the
 * inlined functions FN(name_term) and FN(name_derivative) of one coordinate that _separable.h
 * prints from the energy's torch formula. Short rows, and every row where `flat` (a formula with
 * vector math calls, which vectorize best in one flat loop over the block), go through a scratch
 * of terms and the row sums; otherwise long rows, four at a time, sum their terms in the loop
 * that writes the gradient, so that x is read once and nothing else is written. Scratch: the
 * terms. */
#ifndef SEPARABLE_KERNEL
#define SEPARABLE_TERMS(name, xr, row, acc)                                                             \
    {                                                                                                   \
        const REAL xk = xr[j];                                                                          \
        acc += FN(name##_term)(xk, p);                                                                  \
        if (gradient) g[(row) * d + j] = FN(name##_derivative)(xk, p);                                  \
    }
#define SEPARABLE_KERNEL(name, flat)                                                                    \
    BLOCK_BODY(name) {                                                                                  \
        (void)v;                                                                                        \
        (void)o;                                                                                        \
        if ((flat) || d < SHORT_ROW) {                                                                  \
            REAL *restrict term = s[0];                                                                 \
            _Pragma("omp simd") for (ptrdiff_t k = 0; k < rows * d; ++k) {                              \
                const REAL xk = x[k];                                                                   \
                term[k] = FN(name##_term)(xk, p);                                                       \
                if (gradient) g[k] = FN(name##_derivative)(xk, p);                                      \
            }                                                                                           \
            FN(row_sums)(term, rows, d, e);                                                             \
            return;                                                                                     \
        }                                                                                               \
        ptrdiff_t r = 0;                                                                                \
        for (; r + 4 <= rows; r += 4) {                                                                 \
            const REAL *restrict x0 = x + r * d, *restrict x1 = x0 + d, *restrict x2 = x1 + d,          \
                                 *restrict x3 = x2 + d;                                                 \
            REAL a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                                        \
            PRAGMA(omp simd reduction(+ : a0, a1, a2, a3)) for (ptrdiff_t j = 0; j < d; ++j) {          \
                SEPARABLE_TERMS(name, x0, r, a0)                                                        \
                SEPARABLE_TERMS(name, x1, r + 1, a1)                                                    \
                SEPARABLE_TERMS(name, x2, r + 2, a2)                                                    \
                SEPARABLE_TERMS(name, x3, r + 3, a3)                                                    \
            }                                                                                           \
            e[r] = a0, e[r + 1] = a1, e[r + 2] = a2, e[r + 3] = a3;                                     \
        }                                                                                               \
        for (; r < rows; ++r) {                                                                         \
            const REAL *restrict xr = x + r * d;                                                        \
            REAL a = 0;                                                                                 \
            PRAGMA(omp simd reduction(+ : a)) for (ptrdiff_t j = 0; j < d; ++j) SEPARABLE_TERMS(name, xr, r, a) \
            e[r] = a;                                                                                   \
        }                                                                                               \
    }                                                                                                   \
    BLOCK_KERNEL(name)
#endif

/* Every kernel: printed from the energies' torch formulas (see ebmcore_kernels/_generate.py). */
#include "_generated.h"

/* By kernel number: the position in KERNEL_LIST. */
#define BLOCK_ENTRY(name, parameters, vectors, arrays, row_arrays, row_index, values) FN(name),
static FN(block_fn) *const FN(blocks)[] = {KERNEL_LIST(BLOCK_ENTRY)};
#undef BLOCK_ENTRY
