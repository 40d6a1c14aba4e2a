/* Fused energy-and-gradient kernels of the variable-dimension analytic energies, written once
 * for a floating type. _kernels.c includes this file twice, with
 *
 *   REAL       float or double
 *   FN(name)   the name suffixed by the type (name_f32, name_f64)
 *   SIN, COS, EXP, SQRT   the math functions of that type (vectorized where VECTOR_MATH is 1)
 *
 * Every kernel has the signature FN(kernel_fn): x is a contiguous (n, d) array,
 * p the scalar parameters, v the per-coordinate vectors (each of length d, in REAL), e the n
 * energies and g the (n, d) gradient (both written, never read). It returns 0, or -1 when the
 * scratch memory cannot be allocated (nothing is written then).
 *
 * Each kernel walks the batch in blocks of whole rows (block_rows in _kernels.c). In a block the
 * elementwise work runs as one flat loop over rows * d contiguous elements, so that short rows
 * still fill the vector lanes, and the per-row reductions and row scalars follow in loops over
 * the block, which is still in the first-level cache. Per-coordinate vectors are tiled once per
 * call to the block's length so that the flat loops read them with the same index as x.
 */

typedef int FN(kernel_fn)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p, const REAL *const *v,
                          REAL *restrict e, REAL *restrict g);

typedef struct {
    REAL *memory;
    ptrdiff_t rows; /* rows per block */
    ptrdiff_t size; /* elements per block: rows * d */
} FN(scratch);

/* One allocation holding `arrays` arrays of a block's size, `row_arrays` of its row count, and
 * the per-coordinate vectors tiled over the block. The arrays are returned through `out` in that
 * order. */
static int FN(scratch_alloc)(FN(scratch) * s, ptrdiff_t n, ptrdiff_t d, int arrays, int row_arrays,
                             const REAL *const *vectors, int tiled, REAL **out) {
    s->rows = block_rows(n, d);
    s->size = s->rows * d;
    ptrdiff_t total = (ptrdiff_t)(arrays + tiled) * s->size + (ptrdiff_t)row_arrays * s->rows;
    s->memory = (REAL *)malloc((size_t)(total > 0 ? total : 1) * sizeof(REAL));
    if (s->memory == NULL) return -1;
    REAL *next = s->memory;
    for (int i = 0; i < arrays; ++i, next += s->size) out[i] = next;
    for (int i = 0; i < row_arrays; ++i, next += s->rows) out[arrays + i] = next;
    for (int i = 0; i < tiled; ++i, next += s->size) {
        for (ptrdiff_t r = 0; r < s->rows; ++r) memcpy(next + r * d, vectors[i], (size_t)d * sizeof(REAL));
        out[arrays + row_arrays + i] = next;
    }
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

/* Rastrigin: E = a d + sum (x^2 - a cos(2 pi x)), dE/dx = 2 x + 2 pi a sin(2 pi x); p = (a). */
CLONES static int FN(rastrigin)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                                const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)v;
    const REAL a = (REAL)p[0], w = (REAL)TWO_PI, aw = (REAL)(p[0] * TWO_PI), offset = (REAL)(p[0] * (double)d);
    FN(scratch) s;
    REAL *buf[1];
    if (FN(scratch_alloc)(&s, n, d, 1, 0, NULL, 0, buf)) return -1;
    REAL *restrict term = buf[0];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            const REAL xk = xb[k], angle = w * xk;
            term[k] = xk * xk - a * COS(angle);
            gb[k] = 2 * xk + aw * SIN(angle);
        }
        FN(row_sums)(term, rows, d, e + r0);
#pragma omp simd
        for (ptrdiff_t r = r0; r < r0 + rows; ++r) e[r] += offset;
    }
    free(s.memory);
    return 0;
}

/* Scaled square (sphere, harmonic): E = c sum x^2, dE/dx = 2 c x; p = (c). */
CLONES static int FN(square)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                             const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)v;
    const REAL c = (REAL)p[0], c2 = (REAL)(2.0 * p[0]);
    FN(scratch) s;
    REAL *buf[1];
    if (FN(scratch_alloc)(&s, n, d, 1, 0, NULL, 0, buf)) return -1;
    REAL *restrict term = buf[0];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            const REAL xk = xb[k];
            term[k] = xk * xk;
            gb[k] = c2 * xk;
        }
        FN(row_sums)(term, rows, d, e + r0);
#pragma omp simd
        for (ptrdiff_t r = r0; r < r0 + rows; ++r) e[r] *= c;
    }
    free(s.memory);
    return 0;
}

/* Ackley: with r = |x| / sqrt(d) and mean cosine C = (1/d) sum cos(c x),
 * E = a (1 - exp(-b r)) + (e - exp(C)),
 * dE/dx = [a b exp(-b r) / (d r)] x + (c / d) exp(C) sin(c x)  (the first term 0 at r = 0);
 * p = (a, b, c). */
CLONES static int FN(ackley)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                             const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)v;
    const REAL a = (REAL)p[0], b = (REAL)p[1], c = (REAL)p[2], dim = (REAL)d;
    const REAL ab_d = (REAL)(p[0] * p[1] / (double)d), c_d = (REAL)(p[2] / (double)d), euler = (REAL)EULER_NUMBER;
    FN(scratch) s;
    REAL *buf[5];
    if (FN(scratch_alloc)(&s, n, d, 2, 3, NULL, 0, buf)) return -1;
    REAL *restrict square = buf[0], *restrict cosine = buf[1], *restrict radial = buf[2], *restrict ripple = buf[3];
    REAL *restrict decay = buf[4];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            const REAL xk = xb[k], angle = c * xk;
            square[k] = xk * xk;
            cosine[k] = COS(angle);
            gb[k] = SIN(angle);
        }
        FN(row_sums)(square, rows, d, radial);
        FN(row_sums)(cosine, rows, d, ripple);
        /* Two loops over the rows: GCC vectorizes a loop with vector math calls or with a select
         * of a quotient, not both. */
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) {
            /* exp(mean cos) as e * exp(mean cos - 1): exactly e at the origin (where the mean is
             * exactly 1, hence the division), so that E(0) = 0 exactly, as on the torch path. */
            const REAL radius = SQRT(radial[r] / dim), mean_cos = euler * EXP(ripple[r] / dim - 1);
            decay[r] = EXP(-b * radius);
            e[r0 + r] = a * (1 - decay[r]) + (euler - mean_cos);
            radial[r] = radius;
            ripple[r] = c_d * mean_cos;
        }
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL radius = radial[r], positive = radius > 0 ? radius : 1;
            radial[r] = radius > 0 ? ab_d * decay[r] / positive : 0;
        }
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL *restrict xr = xb + r * d;
            REAL *restrict gr = gb + r * d;
            const REAL rad = radial[r], rip = ripple[r];
#pragma omp simd
            for (ptrdiff_t j = 0; j < d; ++j) gr[j] = gr[j] * rip + xr[j] * rad;
        }
    }
    free(s.memory);
    return 0;
}

/* Griewank: with s_i = x_i w_i (w_i = 1 / sqrt(i)) and P = prod cos s_i,
 * E = 1 + sum x^2 / 4000 - P, dE/dx_i = x_i / 2000 + w_i tan(s_i) P; v = (w). */
CLONES static int FN(griewank)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                               const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)p;
    FN(scratch) s;
    REAL *buf[4];
    if (FN(scratch_alloc)(&s, n, d, 2, 1, v, 1, buf)) return -1;
    REAL *restrict square = buf[0], *restrict cosine = buf[1], *restrict product = buf[2];
    const REAL *restrict w = buf[3];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            const REAL xk = xb[k], scaled = xk * w[k], cs = COS(scaled);
            square[k] = xk * xk;
            cosine[k] = cs;
            gb[k] = SIN(scaled) / cs * w[k]; /* cos of a float never vanishes */
        }
        FN(row_products)(cosine, rows, d, product);
        FN(row_sums)(square, rows, d, e + r0);
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) e[r0 + r] = e[r0 + r] * (REAL)(1.0 / 4000.0) + 1 - product[r];
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL *restrict xr = xb + r * d;
            REAL *restrict gr = gb + r * d;
            const REAL pr = product[r];
#pragma omp simd
            for (ptrdiff_t j = 0; j < d; ++j) gr[j] = gr[j] * pr + xr[j] * (REAL)(1.0 / 2000.0);
        }
    }
    free(s.memory);
    return 0;
}

/* Levy, in u = x - 1: with angle_i = f_i u_i + phase_i, q_i = (1 + gamma_i sin^2) / 8 and
 * slope_i = gamma_i f_i sin cos / 8 (the Python class's buffers, folded the same way),
 * E = (1/2) sum u^2 q + sin^2(pi u_1 / 4), dE/dx_i = u^2 slope_i + u q_i (+ the first term's
 * derivative at i = 1); v = (frequency, phase, weight, slope). */
CLONES static int FN(levy)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                           const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)p;
    FN(scratch) s;
    REAL *buf[7];
    if (FN(scratch_alloc)(&s, n, d, 1, 2, v, 4, buf)) return -1;
    REAL *restrict term = buf[0], *restrict first = buf[1], *restrict first_cos = buf[2];
    const REAL *restrict frequency = buf[3], *restrict phase = buf[4], *restrict weight = buf[5], *restrict slope = buf[6];
    const REAL quarter_pi = (REAL)(0.25 * PI), half_pi = (REAL)(0.5 * PI);
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            const REAL u = xb[k] - 1, angle = phase[k] + u * frequency[k];
            const REAL sn = SIN(angle), q = sn * sn * weight[k] + (REAL)0.125, u2 = u * u;
            term[k] = u2 * q;
            gb[k] = u2 * (COS(angle) * sn * slope[k]) + u * q;
        }
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL angle = quarter_pi * (xb[r * d] - 1);
            first[r] = SIN(angle);
            first_cos[r] = COS(angle);
        }
        FN(row_sums)(term, rows, d, e + r0);
        for (ptrdiff_t r = 0; r < rows; ++r) {
            e[r0 + r] = (REAL)0.5 * e[r0 + r] + first[r] * first[r];
            gb[r * d] += half_pi * first[r] * first_cos[r];
        }
    }
    free(s.memory);
    return 0;
}

/* Michalewicz: with u_i = s_i x_i^2 (s_i = i / pi) and P_i = sin^{2m-2} u_i,
 * E = -sum sin x_i sin^2 u_i P_i,
 * dE/dx_i = -P_i [cos x_i sin^2 u_i + 4 m s_i x_i sin x_i sin u_i cos u_i]; p = (m), v = (s). */
CLONES static int FN(michalewicz)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                                  const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    const long exponent = (long)p[0] - 1;
    const REAL four_m = (REAL)(4.0 * p[0]);
    FN(scratch) s;
    REAL *buf[5];
    if (FN(scratch_alloc)(&s, n, d, 4, 0, v, 1, buf)) return -1;
    REAL *restrict sin2 = buf[0], *restrict chain = buf[1], *restrict power = buf[2], *restrict base = buf[3];
    const REAL *restrict scale = buf[4];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            const REAL xk = xb[k], u = scale[k] * xk * xk, su = SIN(u), sx = SIN(xk);
            sin2[k] = su * su;
            chain[k] = sx;
            gb[k] = -(COS(xk) * sin2[k] + four_m * scale[k] * xk * sx * su * COS(u));
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
            gb[k] *= power[k];
        }
        FN(row_sums)(chain, rows, d, e + r0);
#pragma omp simd
        for (ptrdiff_t r = r0; r < r0 + rows; ++r) e[r] = -e[r];
    }
    free(s.memory);
    return 0;
}

/* Zakharov: with S = sum w_i x_i (w_i = i / 2), E = sum x^2 + S^2 + S^4,
 * dE/dx_i = 2 x_i + 2 (S + 2 S^3) w_i; v = (w). */
CLONES static int FN(zakharov)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                               const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)p;
    FN(scratch) s;
    REAL *buf[4];
    if (FN(scratch_alloc)(&s, n, d, 2, 1, v, 1, buf)) return -1;
    REAL *restrict square = buf[0], *restrict weighted = buf[1], *restrict coefficient = buf[2];
    const REAL *restrict w = buf[3], *restrict w_row = v[0];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            square[k] = xb[k] * xb[k];
            weighted[k] = xb[k] * w[k];
        }
        FN(row_sums)(weighted, rows, d, coefficient);
        FN(row_sums)(square, rows, d, e + r0);
#pragma omp simd
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL sum = coefficient[r], s2 = sum * sum;
            e[r0 + r] += s2 * (s2 + 1);
            coefficient[r] = 2 * (2 * s2 + 1) * sum;
        }
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL *restrict xr = xb + r * d;
            REAL *restrict gr = gb + r * d;
            const REAL coef = coefficient[r];
#pragma omp simd
            for (ptrdiff_t j = 0; j < d; ++j) gr[j] = 2 * xr[j] + coef * w_row[j];
        }
    }
    free(s.memory);
    return 0;
}

/* Dixon-Price: with valley_i = x_{i-1} - 2 x_i^2 and weight w = (0, 2, 3, ..., d),
 * E = (x_1 - 1)^2 + sum w_i valley_i^2,
 * dE/dx_i = -8 x_i w_i valley_i + 2 w_{i+1} valley_{i+1} (+ 2 (x_1 - 1) at i = 1); v = (w).
 * The valley is formed over the block's flat index; at the first column of each row (whose
 * flat neighbour belongs to the previous row) it is set to zero, as is its weight. */
CLONES static int FN(dixon_price)(const REAL *restrict x, ptrdiff_t n, ptrdiff_t d, const double *p,
                                  const REAL *const *v, REAL *restrict e, REAL *restrict g) {
    (void)p;
    FN(scratch) s;
    REAL *buf[3];
    if (FN(scratch_alloc)(&s, n, d, 2, 0, v, 1, buf)) return -1;
    REAL *restrict valley = buf[0], *restrict weighted = buf[1];
    const REAL *restrict w = buf[2];
    for (ptrdiff_t r0 = 0; r0 < n; r0 += s.rows) {
        const ptrdiff_t rows = n - r0 < s.rows ? n - r0 : s.rows, m = rows * d;
        const REAL *restrict xb = x + r0 * d;
        REAL *restrict gb = g + r0 * d;
        valley[0] = 0;
#pragma omp simd
        for (ptrdiff_t k = 1; k < m; ++k) valley[k] = xb[k - 1] - 2 * xb[k] * xb[k];
        for (ptrdiff_t r = 1; r < rows; ++r) valley[r * d] = 0;
#pragma omp simd
        for (ptrdiff_t k = 0; k < m; ++k) {
            weighted[k] = w[k] * valley[k];
            valley[k] *= weighted[k]; /* now the terms w valley^2 */
        }
#pragma omp simd
        for (ptrdiff_t k = 0; k < m - 1; ++k) gb[k] = -8 * xb[k] * weighted[k] + 2 * weighted[k + 1];
        gb[m - 1] = -8 * xb[m - 1] * weighted[m - 1];
        FN(row_sums)(valley, rows, d, e + r0);
        for (ptrdiff_t r = 0; r < rows; ++r) {
            const REAL offset = xb[r * d] - 1;
            e[r0 + r] += offset * offset;
            gb[r * d] += 2 * offset;
        }
    }
    free(s.memory);
    return 0;
}

/* In the order of KERNEL_NAMES in _kernels.c. */
static FN(kernel_fn) *const FN(kernels)[] = {
    FN(rastrigin), FN(square), FN(ackley), FN(griewank), FN(levy), FN(michalewicz), FN(zakharov), FN(dixon_price),
};
