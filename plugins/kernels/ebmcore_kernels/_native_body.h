/* Fused energy-and-gradient kernels of the variable-dimension analytic energies, written once
 * for a floating type. _native.c includes this file twice, with
 *
 *   REAL       float or double
 *   FN(name)   the name suffixed by the type (name_f32, name_f64)
 *   SIN, COS, EXP, SQRT   the math functions of that type (vectorized where VECTOR_MATH is 1)
 *
 * A kernel is the work on one block of whole rows (FN(block_fn)); FN(run) walks the batch in
 * blocks (block_rows in _native.c) and owns the scratch memory. In a block the elementwise work
 * runs as one flat loop over rows * d contiguous elements, so that short rows still fill the
 * vector lanes, and the per-row reductions and row scalars follow in loops over the block, which
 * is still in the first-level cache. The per-coordinate vectors are tiled once per call to the
 * block's length so that the flat loops read them with the same index as x.
 */

/* One block: x, e and g point at its first row (x of `rows` rows of length d, read; e and g
 * written, never read before), p the scalar parameters, v the per-coordinate vectors (each of
 * length d), s the scratch arrays in the order FN(run) lays them out. */
typedef void FN(block_fn)(const REAL *restrict x, ptrdiff_t rows, ptrdiff_t d, const double *p, const REAL *const *v,
                          REAL *const *s, REAL *restrict e, REAL *restrict g);

/* A kernel is written once, as an inlined body whose gradient work sits under `if (gradient)`
 * (BLOCK_BODY(name) declares it); BLOCK_KERNEL(name) makes the block function that runs it with
 * the gradient or, for g NULL, without: the compiler drops the gradient's work (its sines and
 * cosines included) from that second copy, whose energies are the first's, bit for bit. */
#ifndef BLOCK_KERNEL
#define BLOCK_BODY(name)                                                                                \
    static inline ALWAYS_INLINE void FN(name##_body)(const REAL *restrict x, ptrdiff_t rows, ptrdiff_t d, \
                                                     const double *p, const REAL *const *v, REAL *const *s, \
                                                     REAL *restrict e, REAL *restrict g, const int gradient)
#define BLOCK_KERNEL(name)                                                                              \
    CLONES static void FN(name)(const REAL *restrict x, ptrdiff_t rows, ptrdiff_t d, const double *p,   \
                                const REAL *const *v, REAL *const *s, REAL *restrict e, REAL *restrict g) { \
        if (g == NULL)                                                                                  \
            FN(name##_body)(x, rows, d, p, v, s, e, NULL, 0);                                           \
        else                                                                                            \
            FN(name##_body)(x, rows, d, p, v, s, e, g, 1);                                              \
    }
#endif

/* Runs `block` over the (n, d) batch x, writing the n energies e and the (n, d) gradient g (g
 * NULL: the energies alone), on up to `threads` threads: the blocks are shared out among them
 * (OpenMP, where the build has it; one thread otherwise). Each thread's scratch holds `arrays`
 * arrays of a block's size, `row_arrays` of its row count and the first `tiled` per-coordinate
 * vectors repeated over the block, in that order; one allocation for all. Returns 0, or -1 when
 * the scratch cannot be allocated (nothing is written then). */
static int FN(run)(FN(block_fn) * block, int arrays, int row_arrays, int tiled, const REAL *x, ptrdiff_t n,
                   ptrdiff_t d, const double *p, const REAL *const *v, REAL *e, REAL *g, int threads) {
    const ptrdiff_t rows = block_rows(n, d), size = rows * d, blocks = (n + rows - 1) / rows;
    const ptrdiff_t total = (ptrdiff_t)(arrays + tiled) * size + (ptrdiff_t)row_arrays * rows;
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
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (ptrdiff_t b = 0; b < blocks; ++b) {
            const ptrdiff_t r0 = b * rows;
            block(x + r0 * d, n - r0 < rows ? n - r0 : rows, d, p, v, s, e + r0, g == NULL ? NULL : g + r0 * d);
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

/* Sphere, harmonic, the double well, Styblinski-Tang and Rastrigin. */
#include "_separable.h"

/* Ackley: with r = |x| / sqrt(d) and mean cosine C = (1/d) sum cos(c x),
 * E = a (1 - exp(-b r)) + (e - exp(C)),
 * dE/dx = [a b exp(-b r) / (d r)] x + (c / d) exp(C) sin(c x)  (the first term 0 at r = 0);
 * p = (a, b, c). Scratch: squares, cosines; per row radius, ripple, decay. */
BLOCK_BODY(ackley) {
    (void)v;
    const REAL a = (REAL)p[0], b = (REAL)p[1], c = (REAL)p[2], dim = (REAL)d;
    const REAL ab_d = (REAL)(p[0] * p[1] / (double)d), c_d = (REAL)(p[2] / (double)d), euler = (REAL)EULER_NUMBER;
    REAL *restrict square = s[0], *restrict cosine = s[1], *restrict radial = s[2], *restrict ripple = s[3];
    REAL *restrict decay = s[4];
#pragma omp simd
    for (ptrdiff_t k = 0; k < rows * d; ++k) {
        const REAL xk = x[k], angle = c * xk;
        square[k] = xk * xk;
        cosine[k] = COS(angle);
        if (gradient) g[k] = SIN(angle);
    }
    FN(row_sums)(square, rows, d, radial);
    FN(row_sums)(cosine, rows, d, ripple);
    /* Two loops over the rows: GCC vectorizes a loop with vector math calls or with a select of
     * a quotient, not both. */
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) {
        /* exp(mean cos) as e * exp(mean cos - 1): exactly e at the origin (where the mean is
         * exactly 1, hence the division), so that E(0) = 0 exactly, as on the torch path. */
        const REAL radius = SQRT(radial[r] / dim), mean_cos = euler * EXP(ripple[r] / dim - 1);
        decay[r] = EXP(-b * radius);
        e[r] = a * (1 - decay[r]) + (euler - mean_cos);
        radial[r] = radius;
        ripple[r] = c_d * mean_cos;
    }
    if (!gradient) return;
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL radius = radial[r], positive = radius > 0 ? radius : 1;
        radial[r] = radius > 0 ? ab_d * decay[r] / positive : 0;
    }
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL *restrict xr = x + r * d;
        REAL *restrict gr = g + r * d;
        const REAL rad = radial[r], rip = ripple[r];
#pragma omp simd
        for (ptrdiff_t j = 0; j < d; ++j) gr[j] = gr[j] * rip + xr[j] * rad;
    }
}
BLOCK_KERNEL(ackley)

/* Griewank: with s_i = x_i w_i (w_i = 1 / sqrt(i)) and P = prod cos s_i,
 * E = 1 + sum x^2 / 4000 - P, dE/dx_i = x_i / 2000 + w_i tan(s_i) P; v = (w).
 * Scratch: squares, cosines; per row the product; w tiled. */
BLOCK_BODY(griewank) {
    (void)p;
    (void)v;
    REAL *restrict square = s[0], *restrict cosine = s[1], *restrict product = s[2];
    const REAL *restrict w = s[3];
#pragma omp simd
    for (ptrdiff_t k = 0; k < rows * d; ++k) {
        const REAL xk = x[k], scaled = xk * w[k], cs = COS(scaled);
        square[k] = xk * xk;
        cosine[k] = cs;
        if (gradient) g[k] = SIN(scaled) / cs * w[k]; /* cos of a float never vanishes */
    }
    FN(row_products)(cosine, rows, d, product);
    FN(row_sums)(square, rows, d, e);
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) e[r] = e[r] * (REAL)(1.0 / 4000.0) + 1 - product[r];
    if (!gradient) return;
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL *restrict xr = x + r * d;
        REAL *restrict gr = g + r * d;
        const REAL pr = product[r];
#pragma omp simd
        for (ptrdiff_t j = 0; j < d; ++j) gr[j] = gr[j] * pr + xr[j] * (REAL)(1.0 / 2000.0);
    }
}
BLOCK_KERNEL(griewank)

/* Levy, in u = x - 1: with angle_i = f_i u_i + phase_i, q_i = (1 + gamma_i sin^2) / 8 and
 * slope_i = gamma_i f_i sin cos / 8 (the Python class's buffers, folded the same way),
 * E = (1/2) sum u^2 q + sin^2(pi u_1 / 4), dE/dx_i = u^2 slope_i + u q_i (+ the first term's
 * derivative at i = 1); v = (frequency, phase, weight, slope).
 * Scratch: the terms; per row the first term's sine and cosine; the four vectors tiled. */
BLOCK_BODY(levy) {
    (void)p;
    (void)v;
    REAL *restrict term = s[0], *restrict first = s[1], *restrict first_cos = s[2];
    const REAL *restrict frequency = s[3], *restrict phase = s[4], *restrict weight = s[5], *restrict slope = s[6];
    const REAL quarter_pi = (REAL)(0.25 * PI), half_pi = (REAL)(0.5 * PI);
#pragma omp simd
    for (ptrdiff_t k = 0; k < rows * d; ++k) {
        const REAL u = x[k] - 1, angle = phase[k] + u * frequency[k];
        const REAL sn = SIN(angle), q = sn * sn * weight[k] + (REAL)0.125, u2 = u * u;
        term[k] = u2 * q;
        if (gradient) g[k] = u2 * (COS(angle) * sn * slope[k]) + u * q;
    }
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL angle = quarter_pi * (x[r * d] - 1);
        first[r] = SIN(angle);
        if (gradient) first_cos[r] = COS(angle);
    }
    FN(row_sums)(term, rows, d, e);
    for (ptrdiff_t r = 0; r < rows; ++r) {
        e[r] = (REAL)0.5 * e[r] + first[r] * first[r];
        if (gradient) g[r * d] += half_pi * first[r] * first_cos[r];
    }
}
BLOCK_KERNEL(levy)

/* Michalewicz: with u_i = s_i x_i^2 (s_i = i / pi) and P_i = sin^{2m-2} u_i,
 * E = -sum sin x_i sin^2 u_i P_i,
 * dE/dx_i = -P_i [cos x_i sin^2 u_i + 4 m s_i x_i sin x_i sin u_i cos u_i]; p = (m), v = (s).
 * Scratch: sin^2 u, the energy terms, P and the base it is squared from; s tiled. */
BLOCK_BODY(michalewicz) {
    (void)v;
    const long exponent = (long)p[0] - 1;
    const REAL four_m = (REAL)(4.0 * p[0]);
    const ptrdiff_t m = rows * d;
    REAL *restrict sin2 = s[0], *restrict chain = s[1], *restrict power = s[2], *restrict base = s[3];
    const REAL *restrict scale = s[4];
#pragma omp simd
    for (ptrdiff_t k = 0; k < m; ++k) {
        const REAL xk = x[k], u = scale[k] * xk * xk, su = SIN(u), sx = SIN(xk);
        sin2[k] = su * su;
        chain[k] = sx;
        if (gradient) g[k] = -(COS(xk) * sin2[k] + four_m * scale[k] * xk * sx * su * COS(u));
        power[k] = 1;
        base[k] = sin2[k];
    }
    for (long bits = exponent; bits; bits >>= 1) { /* P = sin2^(m-1) by repeated squaring */
        if (bits & 1) {
#pragma omp simd
            for (ptrdiff_t k = 0; k < m; ++k) power[k] *= base[k];
        }
        if (bits > 1) {
#pragma omp simd
            for (ptrdiff_t k = 0; k < m; ++k) base[k] *= base[k];
        }
    }
#pragma omp simd
    for (ptrdiff_t k = 0; k < m; ++k) {
        chain[k] *= sin2[k] * power[k];
        if (gradient) g[k] *= power[k];
    }
    FN(row_sums)(chain, rows, d, e);
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) e[r] = -e[r];
}
BLOCK_KERNEL(michalewicz)

/* Zakharov: with S = sum w_i x_i (w_i = i / 2), E = sum x^2 + S^2 + S^4,
 * dE/dx_i = 2 x_i + 2 (S + 2 S^3) w_i; v = (w). Short rows go through the scratch and the
 * column-wise row sums; long rows, four at a time, form both sums in one loop over x and then
 * the gradient in a second (the rows still in the first-level cache).
 * Scratch: squares, weighted coordinates; per row S, then the gradient's coefficient; w tiled. */
BLOCK_BODY(zakharov) {
    (void)p;
    REAL *restrict square = s[0], *restrict weighted = s[1], *restrict coefficient = s[2];
    const REAL *restrict w = s[3], *restrict w_row = v[0];
    if (d < SHORT_ROW) {
#pragma omp simd
        for (ptrdiff_t k = 0; k < rows * d; ++k) {
            square[k] = x[k] * x[k];
            weighted[k] = x[k] * w[k];
        }
        FN(row_sums)(weighted, rows, d, coefficient);
        FN(row_sums)(square, rows, d, e);
    } else {
        ptrdiff_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const REAL *restrict x0 = x + r * d, *restrict x1 = x0 + d, *restrict x2 = x1 + d, *restrict x3 = x2 + d;
            REAL a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3, b0, b1, b2, b3)
            for (ptrdiff_t j = 0; j < d; ++j) {
                a0 += x0[j] * x0[j];
                a1 += x1[j] * x1[j];
                a2 += x2[j] * x2[j];
                a3 += x3[j] * x3[j];
                b0 += x0[j] * w_row[j];
                b1 += x1[j] * w_row[j];
                b2 += x2[j] * w_row[j];
                b3 += x3[j] * w_row[j];
            }
            e[r] = a0, e[r + 1] = a1, e[r + 2] = a2, e[r + 3] = a3;
            coefficient[r] = b0, coefficient[r + 1] = b1, coefficient[r + 2] = b2, coefficient[r + 3] = b3;
        }
        for (; r < rows; ++r) {
            const REAL *restrict xr = x + r * d;
            REAL a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
            for (ptrdiff_t j = 0; j < d; ++j) {
                a += xr[j] * xr[j];
                b += xr[j] * w_row[j];
            }
            e[r] = a, coefficient[r] = b;
        }
    }
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL sum = coefficient[r], s2 = sum * sum;
        e[r] += s2 * (s2 + 1);
        coefficient[r] = 2 * (2 * s2 + 1) * sum;
    }
    if (!gradient) return;
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL *restrict xr = x + r * d;
        REAL *restrict gr = g + r * d;
        const REAL coef = coefficient[r];
#pragma omp simd
        for (ptrdiff_t j = 0; j < d; ++j) gr[j] = 2 * xr[j] + coef * w_row[j];
    }
}
BLOCK_KERNEL(zakharov)

/* Dixon-Price: with valley_i = x_{i-1} - 2 x_i^2 and weight w = (0, 2, 3, ..., d),
 * E = (x_1 - 1)^2 + sum w_i valley_i^2,
 * dE/dx_i = -8 x_i w_i valley_i + 2 w_{i+1} valley_{i+1} (+ 2 (x_1 - 1) at i = 1); v = (w).
 * The valley is formed over the block's flat index; at the first column of each row (whose
 * flat neighbour belongs to the previous row) it is set to zero, as is its weight.
 * Scratch: the valleys (then the terms), the weighted valleys; w tiled. */
BLOCK_BODY(dixon_price) {
    (void)p;
    (void)v;
    const ptrdiff_t m = rows * d;
    REAL *restrict valley = s[0], *restrict weighted = s[1];
    const REAL *restrict w = s[2];
    valley[0] = 0;
#pragma omp simd
    for (ptrdiff_t k = 1; k < m; ++k) valley[k] = x[k - 1] - 2 * x[k] * x[k];
    for (ptrdiff_t r = 1; r < rows; ++r) valley[r * d] = 0;
#pragma omp simd
    for (ptrdiff_t k = 0; k < m; ++k) {
        weighted[k] = w[k] * valley[k];
        valley[k] *= weighted[k]; /* now the terms w valley^2 */
    }
    if (gradient) {
#pragma omp simd
        for (ptrdiff_t k = 0; k < m - 1; ++k) g[k] = -8 * x[k] * weighted[k] + 2 * weighted[k + 1];
        g[m - 1] = -8 * x[m - 1] * weighted[m - 1];
    }
    FN(row_sums)(valley, rows, d, e);
    for (ptrdiff_t r = 0; r < rows; ++r) {
        const REAL offset = x[r * d] - 1;
        e[r] += offset * offset;
        if (gradient) g[r * d] += 2 * offset;
    }
}
BLOCK_KERNEL(dixon_price)

/* Gaussian with a full precision matrix P (symmetric, row-major d x d), for small d where a
 * general matrix product library spends more time on its set-up than on the arithmetic:
 * with c = x - mu, E = (1/2) c^T P c, dE/dx = P c; v = (mu, P), P the only vector that is not of
 * length d (the Python side checks its shape). The block is centred into column-major order
 * (column i holds c_i of every row), so that each product term P_ij c_i runs as a vector over
 * the rows; the gradient columns are then written back row-major. The energy is accumulated in
 * double: (1/2) c.Pc can be finite in float32 where c.Pc is not.
 * Scratch: the centred block and the gradient block, both column-major; per row the energy sum
 * in double (two REAL slots per row). */
BLOCK_BODY(quadratic) {
    (void)p;
    const REAL *restrict mu = v[0], *restrict precision = v[1];
    REAL *restrict centred = s[0], *restrict column = s[1];
    double sum[BLOCK_ELEMENTS];
    for (ptrdiff_t i = 0; i < d; ++i) {
        const REAL mean = mu[i];
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) centred[i * rows + r] = x[r * d + i] - mean;
    }
    for (ptrdiff_t j = 0; j < d; ++j) {
        REAL *restrict gj = column + j * rows;
        const REAL p0 = precision[j];
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) gj[r] = p0 * centred[r];
        for (ptrdiff_t i = 1; i < d; ++i) {
            const REAL pij = precision[i * d + j];
            const REAL *restrict ci = centred + i * rows;
#pragma omp simd
            for (ptrdiff_t r = 0; r < rows; ++r) gj[r] += pij * ci[r];
        }
    }
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) sum[r] = 0;
    for (ptrdiff_t j = 0; j < d; ++j) {
        const REAL *restrict gj = column + j * rows, *restrict cj = centred + j * rows;
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) {
            sum[r] += (double)cj[r] * (double)gj[r];
            if (gradient) g[r * d + j] = gj[r];
        }
    }
#pragma omp simd
    for (ptrdiff_t r = 0; r < rows; ++r) e[r] = (REAL)(0.5 * sum[r]);
}
BLOCK_KERNEL(quadratic)

/* By kernel number (the enum in _native.c). */
static FN(block_fn) *const FN(blocks)[KERNEL_COUNT] = {
    [RASTRIGIN] = FN(rastrigin),     [SPHERE] = FN(sphere),           [HARMONIC] = FN(harmonic),
    [ACKLEY] = FN(ackley),           [GRIEWANK] = FN(griewank),
    [LEVY] = FN(levy),               [MICHALEWICZ] = FN(michalewicz),
    [ZAKHAROV] = FN(zakharov),       [DIXON_PRICE] = FN(dixon_price),
    [QUADRATIC] = FN(quadratic),     [DOUBLE_WELL] = FN(double_well),
    [STYBLINSKI_TANG] = FN(styblinski_tang),
};
