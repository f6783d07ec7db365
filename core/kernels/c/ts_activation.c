#include "ts_activation.h"

#include <math.h>

/* ---- gemmlowp fixed point on raw int32 values (Qn: n integer bits, 31 - n fractional bits) ---- */

#define TS_I32_MAX ((int32_t)0x7FFFFFFF)
#define TS_I32_MIN (-TS_I32_MAX - 1)

TS_INLINE int32_t fx_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
TS_INLINE int32_t fx_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
TS_INLINE int32_t fx_neg(int32_t a) { return (int32_t)(0u - (uint32_t)a); }
TS_INLINE int32_t fx_mul(int32_t a, int32_t b) { return ts_sat_doubling_high_mul(a, b); }

/* x · 2^exponent: saturating left, rounding right. */
static int32_t fx_mul_pot(int32_t x, int exponent)
{
    int32_t threshold;
    if (exponent == 0)
        return x;
    if (exponent < 0)
        return ts_rounding_divide_by_pot(x, -exponent);
    threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold)
        return TS_I32_MAX;
    if (x < -threshold)
        return TS_I32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

TS_INLINE int32_t fx_rescale(int32_t x, int src_bits, int dst_bits) { return fx_mul_pot(x, src_bits - dst_bits); }

TS_INLINE int32_t fx_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

TS_INLINE int32_t fx_sat_add(int32_t a, int32_t b)
{
    const int64_t s = (int64_t)a + (int64_t)b;
    return s > TS_I32_MAX ? TS_I32_MAX : s < TS_I32_MIN ? TS_I32_MIN : (int32_t)s;
}

TS_INLINE int32_t fx_sat_sub(int32_t a, int32_t b)
{
    const int64_t s = (int64_t)a - (int64_t)b;
    return s > TS_I32_MAX ? TS_I32_MAX : s < TS_I32_MIN ? TS_I32_MIN : (int32_t)s;
}

static int fx_clz(uint32_t x)
{
    int n = 0;
    if (x == 0)
        return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

/* exp(a) for a in [-1/4, 0), Q0 in and out. */
static int32_t fx_exp_quarter(int32_t a)
{
    const int32_t exp_minus_eighth = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = fx_add(a, (int32_t)1 << 28);
    const int32_t x2 = fx_mul(x, x);
    const int32_t x3 = fx_mul(x2, x);
    const int32_t x4 = fx_mul(x2, x2);
    const int32_t x4_over_4 = fx_mul_pot(x4, -2);
    const int32_t poly = fx_mul_pot(fx_add(fx_mul(fx_add(x4_over_4, x3), one_third), x2), -1);
    return fx_add(exp_minus_eighth, fx_mul(exp_minus_eighth, fx_add(x, poly)));
}

/* exp(a) for a <= 0, a with `integer_bits` integer bits, result Q0. */
static int32_t fx_exp_negative(int32_t a, int integer_bits)
{
    static const int exponents[7] = {-2, -1, 0, 1, 2, 3, 4};
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod = fx_sub(a & mask, one_quarter);
    int32_t result = fx_exp_quarter(fx_rescale(a_mod, integer_bits, 0));
    const int32_t remainder = fx_sub(a_mod, a);
    int i;
    for (i = 0; i < 7; ++i) {
        if (integer_bits > exponents[i]) {
            const int shift = fractional_bits + exponents[i];
            if (remainder & ((int32_t)1 << shift))
                result = fx_mul(result, multipliers[i]);
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits));
        if (a < clamp)
            result = 0;
    }
    if (a == 0)
        result = TS_I32_MAX;
    return result;
}

static int32_t fx_newton_reciprocal_q2(int32_t half_denominator)
{
    const int32_t c48_over_17 = 1515870810;
    const int32_t c_minus_32_over_17 = -1010580540;
    const int32_t one_q2 = (int32_t)1 << 29;
    int32_t x = fx_add(c48_over_17, fx_mul(half_denominator, c_minus_32_over_17));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t hdx = fx_mul(half_denominator, x);
        const int32_t one_minus = fx_sub(one_q2, hdx);
        x = fx_add(x, fx_rescale(fx_mul(x, one_minus), 4, 2));
    }
    return x;
}

/* 1 / (1 + a), a in [0, 1), Q0. */
static int32_t fx_one_over_one_plus_x(int32_t a)
{
    return fx_rescale(fx_newton_reciprocal_q2(fx_rounding_half_sum(a, TS_I32_MAX)), 1, 0);
}

/* (1 - a) / (1 + a), a in [0, 1), Q0. */
static int32_t fx_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t x = fx_newton_reciprocal_q2(fx_rounding_half_sum(a, TS_I32_MAX));
    return fx_rescale(fx_sub(x, (int32_t)1 << 29), 2, 0);
}

static int32_t fx_logistic(int32_t a, int integer_bits)
{
    const int32_t abs_a = a > 0 ? a : fx_neg(a);
    const int32_t if_positive = fx_one_over_one_plus_x(fx_exp_negative(fx_neg(abs_a), integer_bits));
    if (a == 0)
        return (int32_t)1 << 30;
    return a > 0 ? if_positive : fx_sub(TS_I32_MAX, if_positive);
}

static int32_t fx_tanh(int32_t a, int integer_bits)
{
    const int32_t neg_abs = a < 0 ? a : fx_neg(a);
    const int32_t t = fx_one_minus_x_over_one_plus_x(fx_exp_negative(neg_abs, integer_bits + 1));
    if (a == 0)
        return 0;
    return a < 0 ? fx_neg(t) : t;
}

/* log(x) for x >= 1: x in Q(input_bits), result Q(output_bits). */
static int32_t fx_log_ge1(int32_t input_raw, int input_bits, int output_bits)
{
    const int accum_bits = output_bits + 1;
    const int32_t log2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t one_quarter = 536870912;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = fx_rescale(one_quarter, 0, accum_bits);
    const int32_t z_a = input_raw;
    const int z_a_headroom_plus_1 = fx_clz((uint32_t)z_a);
    const int32_t r_a_tmp = fx_mul_pot(z_a, z_a_headroom_plus_1 - 1);
    const int32_t r_a = fx_mul_pot(fx_mul(r_a_tmp, sqrt_half), 1);
    const int32_t z_a_pow2_adj =
        fx_sat_add(fx_mul_pot((int32_t)(input_bits - z_a_headroom_plus_1), 31 - accum_bits), shifted_quarter);
    const int32_t z_b = fx_mul(z_a, sqrt_half);
    const int z_b_headroom = fx_clz((uint32_t)z_b) - 1;
    const int32_t r_b = fx_mul_pot(z_a, z_b_headroom);
    const int32_t z_b_pow2_adj =
        fx_sat_sub(fx_mul_pot((int32_t)(input_bits - z_b_headroom), 31 - accum_bits), shifted_quarter);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t z_pow2_adj = z_a_pow2_adj > z_b_pow2_adj ? z_a_pow2_adj : z_b_pow2_adj;
    const int32_t pp = fx_rounding_half_sum(r, sqrt_sqrt_half);
    int32_t q = fx_sub(r, sqrt_sqrt_half);
    int32_t common_sq, num, denom_minus_one, recip_denom, num_scaled, sum;
    q = fx_add(q, q);
    common_sq = fx_mul(q, q);
    num = fx_add(fx_mul(q, r), fx_mul(fx_mul(q, common_sq), alpha_n));
    denom_minus_one = fx_add(fx_mul(pp, fx_add(fx_add(alpha_i, q), fx_mul(alpha_d, common_sq))), fx_mul(alpha_f, q));
    recip_denom = fx_one_over_one_plus_x(denom_minus_one);
    num_scaled = fx_rescale(num, 0, accum_bits);
    sum = fx_add(fx_mul(z_pow2_adj, log2), fx_mul(num_scaled, recip_denom));
    return fx_rescale(sum, accum_bits, output_bits);
}

/* 1/x for x in Q(integer_bits): Q0 value and a power of two. */
static int32_t fx_reciprocal(int32_t x, int integer_bits, int *num_bits_over_unit)
{
    const int headroom_plus_one = fx_clz((uint32_t)x);
    const uint32_t shifted = headroom_plus_one < 32 ? (uint32_t)x << headroom_plus_one : 0u;
    *num_bits_over_unit = integer_bits - headroom_plus_one;
    return fx_one_over_one_plus_x((int32_t)(shifted - 0x80000000u));
}

/* ---- element-wise ---------------------------------------------------------------------------- */

#define TS_ACT_LOOP(TIN, TOUT, BODY)                                                                           \
    {                                                                                                          \
        int32_t r_, i_;                                                                                        \
        for (r_ = 0; r_ < p->rows; ++r_) {                                                                     \
            const TIN *src_ = in + (ptrdiff_t)r_ * p->in_pitch;                                                \
            TOUT *dst_ = out + (ptrdiff_t)r_ * p->out_pitch;                                                   \
            for (i_ = 0; i_ < p->row_len; ++i_) {                                                              \
                const TIN x = src_[i_];                                                                        \
                BODY                                                                                           \
            }                                                                                                  \
        }                                                                                                      \
    }

#define TS_RELU_INT(NAME, T)                                                                                   \
    void NAME(const T *TS_RESTRICT in, T *TS_RESTRICT out, const ts_act_params *p)                             \
    {                                                                                                          \
        TS_ACT_LOOP(T, T, {                                                                                    \
            int32_t v = ts_add_wrap(p->out_zp, ts_requantize((int32_t)x - p->in_zp, p->mult, p->shift));       \
            v = v < p->act_min ? p->act_min : v;                                                               \
            dst_[i_] = (T)(v > p->act_max ? p->act_max : v);                                                   \
        })                                                                                                     \
    }
TS_RELU_INT(ts_relu_s8, int8_t)
TS_RELU_INT(ts_relu_s16, int16_t)

#define TS_RELU6_INT(NAME, T)                                                                                  \
    void NAME(const T *TS_RESTRICT in, T *TS_RESTRICT out, const ts_act_params *p)                             \
    {                                                                                                          \
        const T lo = (T)p->act_min, hi = (T)p->act_max;                                                        \
        TS_ACT_LOOP(T, T, { dst_[i_] = x > hi ? hi : x < lo ? lo : x; })                                       \
    }
TS_RELU6_INT(ts_relu6_s8, int8_t)
TS_RELU6_INT(ts_relu6_s16, int16_t)

#define TS_LEAKY_INT(NAME, T, LO, HI)                                                                          \
    void NAME(const T *TS_RESTRICT in, T *TS_RESTRICT out, const ts_act_params *p)                             \
    {                                                                                                          \
        TS_ACT_LOOP(T, T, {                                                                                    \
            const int32_t v = (int32_t)x - p->in_zp;                                                           \
            const int32_t s = v >= 0 ? ts_requantize(v, p->mult, p->shift)                                     \
                                     : ts_requantize(v, p->alpha_mult, p->alpha_shift);                        \
            dst_[i_] = (T)ts_clamp(ts_add_wrap(p->out_zp, s), LO, HI);                                         \
        })                                                                                                     \
    }
TS_LEAKY_INT(ts_leaky_relu_s8, int8_t, -128, 127)
TS_LEAKY_INT(ts_leaky_relu_s16, int16_t, -32768, 32767)

void ts_logistic_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(int8_t, int8_t, {
        const int32_t v = (int32_t)x - p->in_zp;
        if (v <= -p->range_radius) {
            dst_[i_] = -128;
        } else if (v >= p->range_radius) {
            dst_[i_] = 127;
        } else {
            const int32_t q0 = fx_logistic(ts_requantize(v, p->mult, p->shift), 4);
            dst_[i_] = (int8_t)ts_clamp(ts_rounding_divide_by_pot(q0, 23) - 128, -128, 127);
        }
    })
}

void ts_tanh_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(int8_t, int8_t, {
        const int32_t v = (int32_t)x - p->in_zp;
        if (v <= -p->range_radius) {
            dst_[i_] = -128;
        } else if (v >= p->range_radius) {
            dst_[i_] = 127;
        } else {
            const int32_t q0 = fx_tanh(ts_requantize(v, p->mult, p->shift), 4);
            dst_[i_] = (int8_t)ts_clamp(ts_rounding_divide_by_pot(q0, 24), -128, 127);
        }
    })
}

void ts_lut_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const int8_t *TS_RESTRICT table,
               const ts_act_params *p)
{
    TS_ACT_LOOP(int8_t, int8_t, { dst_[i_] = table[(uint8_t)x]; })
}

void ts_relu_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(float, float, { dst_[i_] = x < 0.0f ? 0.0f : x; })
}

void ts_relu6_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(float, float, { dst_[i_] = x > 6.0f ? 6.0f : x < 0.0f ? 0.0f : x; })
}

void ts_leaky_relu_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(float, float, { dst_[i_] = x > 0.0f ? x : x * p->alpha; })
}

void ts_logistic_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(float, float, {
        float r;
        if (x > 16.619047164916992188f)
            r = 1.0f;
        else if (x < -9.0f)
            r = expf(x);
        else
            r = 1.0f / (1.0f + expf(-x));
        dst_[i_] = r;
    })
}

void ts_tanh_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p)
{
    TS_ACT_LOOP(float, float, { dst_[i_] = tanhf(x); })
}

/* ---- softmax family -------------------------------------------------------------------------- */

static int8_t row_max_s8(const int8_t *row, int32_t depth)
{
    int8_t m = -128;
    int32_t c;
    for (c = 0; c < depth; ++c)
        m = row[c] > m ? row[c] : m;
    return m;
}

/* Shared by int8 and int16 outputs: out_bits 8 or 16, out_min the output's lowest value. */
#define TS_SOFTMAX_S8(NAME, TOUT, OUT_BITS, OUT_MIN, OUT_MAX)                                                  \
    void NAME(const int8_t *TS_RESTRICT in, TOUT *TS_RESTRICT out, const ts_softmax_params *p)                 \
    {                                                                                                          \
        const int32_t depth = p->depth;                                                                        \
        int32_t i, c;                                                                                          \
        for (i = 0; i < p->rows; ++i) {                                                                        \
            const int8_t *row = in + (ptrdiff_t)i * depth;                                                     \
            TOUT *dst = out + (ptrdiff_t)i * depth;                                                            \
            const int32_t max_in_row = row_max_s8(row, depth);                                                 \
            int32_t sum = 0, scale;                                                                            \
            int bits_over_unit = 0, exponent;                                                                  \
            for (c = 0; c < depth; ++c) {                                                                      \
                const int32_t diff = (int32_t)row[c] - max_in_row;                                             \
                if (diff >= p->diff_min) {                                                                     \
                    const int32_t scaled = ts_requantize_gt1(diff, p->mult, p->left_shift);                    \
                    sum = fx_add(sum, fx_rescale(fx_exp_negative(scaled, 5), 0, 12));                          \
                }                                                                                              \
            }                                                                                                  \
            scale = fx_reciprocal(sum, 12, &bits_over_unit);                                                   \
            exponent = bits_over_unit + 31 - (OUT_BITS);                                                       \
            for (c = 0; c < depth; ++c) {                                                                      \
                const int32_t diff = (int32_t)row[c] - max_in_row;                                             \
                if (diff >= p->diff_min) {                                                                     \
                    const int32_t scaled = ts_requantize_gt1(diff, p->mult, p->left_shift);                    \
                    const int32_t e = fx_exp_negative(scaled, 5);                                              \
                    const int32_t unsat = ts_rounding_divide_by_pot(fx_mul(scale, e), exponent);               \
                    dst[c] = (TOUT)ts_clamp(unsat + (OUT_MIN), (OUT_MIN), (OUT_MAX));                          \
                } else {                                                                                       \
                    dst[c] = (TOUT)(OUT_MIN);                                                                  \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }
TS_SOFTMAX_S8(ts_softmax_s8, int8_t, 8, -128, 127)
TS_SOFTMAX_S8(ts_softmax_s8_s16, int16_t, 16, -32768, 32767)

void ts_log_softmax_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_softmax_params *p)
{
    const int32_t depth = p->depth;
    int32_t i, c;
    for (i = 0; i < p->rows; ++i) {
        const int8_t *row = in + (ptrdiff_t)i * depth;
        int8_t *dst = out + (ptrdiff_t)i * depth;
        const int32_t max_in_row = row_max_s8(row, depth);
        int32_t sum = 0, log_sum, adjusted_min, rev;
        for (c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)row[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t q5 = ts_requantize(diff, p->mult, p->left_shift);
                sum = fx_add(sum, fx_rescale(fx_exp_negative(q5, 5), 0, 12));
            }
        }
        log_sum = fx_log_ge1(sum, 12, 5);
        rev = ts_requantize(fx_add(log_sum, TS_I32_MIN), p->reverse_mult, p->reverse_shift);
        adjusted_min = p->diff_min - 1 > rev ? p->diff_min - 1 : rev;
        for (c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)row[c] - max_in_row;
            if (diff > adjusted_min) {
                const int32_t q5 = ts_requantize(diff, p->mult, p->left_shift);
                const int32_t v = ts_rounding_divide_by_pot(fx_sub(q5, log_sum), 31 - 5 - 4) + 127;
                dst[c] = (int8_t)ts_clamp(v, -128, 127);
            } else {
                dst[c] = -128;
            }
        }
    }
}

static float row_max_f32(const float *row, int32_t depth)
{
    float m = -3.40282346638528859812e+38f;
    int32_t c;
    for (c = 0; c < depth; ++c)
        m = m < row[c] ? row[c] : m;
    return m;
}

void ts_softmax_f32(const float *in, float *out, const ts_softmax_params *p)
{
    const int32_t depth = p->depth;
    int32_t i, c;
    for (i = 0; i < p->rows; ++i) {
        const float *row = in + (ptrdiff_t)i * depth;
        float *dst = out + (ptrdiff_t)i * depth;
        const float m = row_max_f32(row, depth);
        float sum = 0.0f;
        for (c = 0; c < depth; ++c) {
            const float e = expf((row[c] - m) * p->beta);
            dst[c] = e;
            sum += e;
        }
        for (c = 0; c < depth; ++c)
            dst[c] = dst[c] / sum;
    }
}

void ts_log_softmax_f32(const float *in, float *out, const ts_softmax_params *p)
{
    const int32_t depth = p->depth;
    int32_t i, c;
    for (i = 0; i < p->rows; ++i) {
        const float *row = in + (ptrdiff_t)i * depth;
        float *dst = out + (ptrdiff_t)i * depth;
        const float m = row_max_f32(row, depth);
        float sum = 0.0f, log_sum;
        for (c = 0; c < depth; ++c)
            sum += expf(row[c] - m);
        log_sum = logf(sum);
        for (c = 0; c < depth; ++c)
            dst[c] = row[c] - m - log_sum;
    }
}
