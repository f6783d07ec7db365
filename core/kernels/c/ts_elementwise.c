#include "ts_elementwise.h"

/* ---- inner runs ------------------------------------------------------------------------------ */

TS_INLINE int32_t ew_scale_in(int32_t x, int32_t offset, int32_t left_shift, int32_t mult, int32_t shift)
{
    return ts_requantize_lt1((x + offset) * ((int32_t)1 << left_shift), mult, shift);
}

TS_INLINE int32_t ew_addsub_out(int32_t sa, int32_t sb, int32_t subtract, const ts_elementwise_params *p)
{
    const int32_t raw = subtract ? (int32_t)((uint32_t)sa - (uint32_t)sb) : ts_add_wrap(sa, sb);
    const int32_t v = ts_add_wrap(ts_requantize_lt1(raw, p->out_mult, p->out_shift), p->out_offset);
    return ts_clamp(v, p->act_min, p->act_max);
}

/* Quantized ADD/SUB over one run; a broadcast input (step 0) is rescaled once. */
#define TS_EW_ADDSUB_ROW(NAME, T)                                                                              \
    static void NAME(const T *a, const T *b, T *o, int32_t subtract, const ts_elementwise_params *p)           \
    {                                                                                                          \
        const int32_t n = p->inner;                                                                            \
        int32_t j;                                                                                             \
        if (p->a_step && p->b_step) {                                                                          \
            for (j = 0; j < n; ++j) {                                                                          \
                const int32_t sa = ew_scale_in(a[j], p->a_offset, p->left_shift, p->a_mult, p->a_shift);       \
                const int32_t sb = ew_scale_in(b[j], p->b_offset, p->left_shift, p->b_mult, p->b_shift);       \
                o[j] = (T)ew_addsub_out(sa, sb, subtract, p);                                                  \
            }                                                                                                  \
        } else if (p->b_step) {                                                                                \
            const int32_t sa = ew_scale_in(a[0], p->a_offset, p->left_shift, p->a_mult, p->a_shift);           \
            for (j = 0; j < n; ++j) {                                                                          \
                const int32_t sb = ew_scale_in(b[j], p->b_offset, p->left_shift, p->b_mult, p->b_shift);       \
                o[j] = (T)ew_addsub_out(sa, sb, subtract, p);                                                  \
            }                                                                                                  \
        } else if (p->a_step) {                                                                                \
            const int32_t sb = ew_scale_in(b[0], p->b_offset, p->left_shift, p->b_mult, p->b_shift);           \
            for (j = 0; j < n; ++j) {                                                                          \
                const int32_t sa = ew_scale_in(a[j], p->a_offset, p->left_shift, p->a_mult, p->a_shift);       \
                o[j] = (T)ew_addsub_out(sa, sb, subtract, p);                                                  \
            }                                                                                                  \
        } else {                                                                                               \
            const int32_t sa = ew_scale_in(a[0], p->a_offset, p->left_shift, p->a_mult, p->a_shift);           \
            const int32_t sb = ew_scale_in(b[0], p->b_offset, p->left_shift, p->b_mult, p->b_shift);           \
            const T v = (T)ew_addsub_out(sa, sb, subtract, p);                                                 \
            for (j = 0; j < n; ++j)                                                                            \
                o[j] = v;                                                                                      \
        }                                                                                                      \
    }

TS_EW_ADDSUB_ROW(ew_addsub_s8_row, int8_t)

/* int8 ADD/SUB fast run: the same arithmetic in one 64-bit multiply-add per requantization
 * (gemmlowp's SaturatingRoundingDoublingHighMul is floor((x * m + 2^30) / 2^31) for both signs;
 * it saturates only for m == INT32_MIN, and exponents above 31 give 0: both keep the generic run). */
typedef struct {
    int32_t mult, right, mask, half;
} ew_rq;

static int ew_rq_init(ew_rq *q, int32_t mult, int32_t shift)
{
    q->mult = mult;
    q->right = shift < 0 ? -shift : 0;
    q->mask = q->right <= 31 ? (int32_t)(((int64_t)1 << q->right) - 1) : 0;
    q->half = q->mask >> 1;
    return mult != INT32_MIN && q->right <= 31;
}

TS_INLINE int32_t ew_rq_apply(int32_t x, const ew_rq *q)
{
    const int64_t ab = (int64_t)x * q->mult + ((int64_t)1 << 30);
    const int32_t r = (int32_t)(uint32_t)((uint64_t)ab >> 31);
    const int32_t t = q->half + (int32_t)((uint32_t)r >> 31);
    return (r >> q->right) + ((r & q->mask) > t ? 1 : 0);
}

static int ew_addsub_s8_fast(const int8_t *a, const int8_t *b, int8_t *o, int32_t subtract,
                             const ts_elementwise_params *p)
{
    ew_rq qa, qb, qo;
    const int32_t n = p->inner, as = p->a_step, bs = p->b_step, ls = p->left_shift;
    const int32_t aoff = p->a_offset, boff = p->b_offset, ooff = p->out_offset, lo = p->act_min, hi = p->act_max;
    int32_t j;
    if (!ew_rq_init(&qa, p->a_mult, p->a_shift) || !ew_rq_init(&qb, p->b_mult, p->b_shift)
        || !ew_rq_init(&qo, p->out_mult, p->out_shift) || ls < 0 || ls > 30)
        return 0;
    for (j = 0; j < n; ++j) {
        const int32_t sa = ew_rq_apply((int32_t)((uint32_t)(a[j * as] + aoff) << ls), &qa);
        const int32_t sb = ew_rq_apply((int32_t)((uint32_t)(b[j * bs] + boff) << ls), &qb);
        const int32_t raw = subtract ? (int32_t)((uint32_t)sa - (uint32_t)sb) : ts_add_wrap(sa, sb);
        int32_t v = ts_add_wrap(ew_rq_apply(raw, &qo), ooff);
        v = v < lo ? lo : v;
        o[j] = (int8_t)(v > hi ? hi : v);
    }
    return 1;
}

static void ew_addsub_s8_run(const int8_t *a, const int8_t *b, int8_t *o, int32_t subtract,
                             const ts_elementwise_params *p)
{
    if (!ew_addsub_s8_fast(a, b, o, subtract, p))
        ew_addsub_s8_row(a, b, o, subtract, p);
}
TS_EW_ADDSUB_ROW(ew_addsub_s16_row, int16_t)

#define TS_EW_MUL_ROW(NAME, T)                                                                                 \
    static void NAME(const T *a, const T *b, T *o, int32_t unused, const ts_elementwise_params *p)             \
    {                                                                                                          \
        const int32_t n = p->inner, as = p->a_step, bs = p->b_step;                                            \
        int32_t j;                                                                                             \
        (void)unused;                                                                                          \
        for (j = 0; j < n; ++j) {                                                                              \
            const int32_t prod = ((int32_t)a[j * as] + p->a_offset) * ((int32_t)b[j * bs] + p->b_offset);      \
            const int32_t v = ts_add_wrap(p->out_offset, ts_requantize(prod, p->out_mult, p->out_shift));      \
            o[j] = (T)ts_clamp(v, p->act_min, p->act_max);                                                     \
        }                                                                                                      \
    }

TS_EW_MUL_ROW(ew_mul_s8_row, int8_t)
TS_EW_MUL_ROW(ew_mul_s16_row, int16_t)

/* int32: 0 add, 1 sub, 2 mul, all wrapping; then min(max(v, lo), hi). */
static void ew_s32_row(const int32_t *a, const int32_t *b, int32_t *o, int32_t which, const ts_elementwise_params *p)
{
    const int32_t n = p->inner, as = p->a_step, bs = p->b_step, lo = p->act_min, hi = p->act_max;
    int32_t j;
    for (j = 0; j < n; ++j) {
        const uint32_t x = (uint32_t)a[j * as], y = (uint32_t)b[j * bs];
        int32_t v = (int32_t)(which == 0 ? x + y : which == 1 ? x - y : x * y);
        v = v < lo ? lo : v;
        o[j] = hi < v ? hi : v;
    }
}

/* float32: 0 add, 1 sub, 2 mul; then min(max(v, lo), hi) as std::min/std::max compare. */
static void ew_f32_row(const float *a, const float *b, float *o, int32_t which, const ts_elementwise_params *p)
{
    const int32_t n = p->inner, as = p->a_step, bs = p->b_step;
    const float lo = p->act_min_f, hi = p->act_max_f;
    int32_t j;
    for (j = 0; j < n; ++j) {
        const float x = a[j * as], y = b[j * bs];
        float v = which == 0 ? x + y : which == 1 ? x - y : x * y;
        v = v < lo ? lo : v;
        o[j] = hi < v ? hi : v;
    }
}

/* ---- the broadcast walk ---------------------------------------------------------------------- */

#define TS_EW_DRIVER(NAME, T, ROW, ARG)                                                                        \
    void NAME(const T *a, const T *b, T *out, const ts_elementwise_params *p)                                  \
    {                                                                                                          \
        int32_t i0, i1, i2, i3, i4;                                                                            \
        for (i0 = 0; i0 < p->dims[0]; ++i0) {                                                                  \
            const T *a0 = a + (ptrdiff_t)i0 * p->a_stride[0], *b0 = b + (ptrdiff_t)i0 * p->b_stride[0];        \
            T *o0 = out + (ptrdiff_t)i0 * p->o_stride[0];                                                      \
            for (i1 = 0; i1 < p->dims[1]; ++i1) {                                                              \
                const T *a1 = a0 + (ptrdiff_t)i1 * p->a_stride[1], *b1 = b0 + (ptrdiff_t)i1 * p->b_stride[1];  \
                T *o1 = o0 + (ptrdiff_t)i1 * p->o_stride[1];                                                   \
                for (i2 = 0; i2 < p->dims[2]; ++i2) {                                                          \
                    const T *a2 = a1 + (ptrdiff_t)i2 * p->a_stride[2];                                         \
                    const T *b2 = b1 + (ptrdiff_t)i2 * p->b_stride[2];                                         \
                    T *o2 = o1 + (ptrdiff_t)i2 * p->o_stride[2];                                               \
                    for (i3 = 0; i3 < p->dims[3]; ++i3) {                                                      \
                        const T *a3 = a2 + (ptrdiff_t)i3 * p->a_stride[3];                                     \
                        const T *b3 = b2 + (ptrdiff_t)i3 * p->b_stride[3];                                     \
                        T *o3 = o2 + (ptrdiff_t)i3 * p->o_stride[3];                                           \
                        for (i4 = 0; i4 < p->dims[4]; ++i4)                                                    \
                            ROW(a3 + (ptrdiff_t)i4 * p->a_stride[4], b3 + (ptrdiff_t)i4 * p->b_stride[4],      \
                                o3 + (ptrdiff_t)i4 * p->o_stride[4], ARG, p);                                  \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

TS_EW_DRIVER(ts_add_s8, int8_t, ew_addsub_s8_run, 0)
TS_EW_DRIVER(ts_sub_s8, int8_t, ew_addsub_s8_run, 1)
TS_EW_DRIVER(ts_mul_s8, int8_t, ew_mul_s8_row, 0)
TS_EW_DRIVER(ts_add_s16, int16_t, ew_addsub_s16_row, 0)
TS_EW_DRIVER(ts_sub_s16, int16_t, ew_addsub_s16_row, 1)
TS_EW_DRIVER(ts_mul_s16, int16_t, ew_mul_s16_row, 0)
TS_EW_DRIVER(ts_add_s32, int32_t, ew_s32_row, 0)
TS_EW_DRIVER(ts_sub_s32, int32_t, ew_s32_row, 1)
TS_EW_DRIVER(ts_mul_s32, int32_t, ew_s32_row, 2)
TS_EW_DRIVER(ts_add_f32, float, ew_f32_row, 0)
TS_EW_DRIVER(ts_sub_f32, float, ew_f32_row, 1)
TS_EW_DRIVER(ts_mul_f32, float, ew_f32_row, 2)
