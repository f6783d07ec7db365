#include "ts_fc.h"

#if defined(__ARM_FEATURE_DSP) && !defined(TS_NO_DSP)
#include <arm_acle.h>
#define TS_FC_DSP 1
/* DSP path (Cortex-M4/M7): four int8 widened by SXTB16 into (even, odd) int16 pairs, SMLAD dual
 * MACs. The sums are exact modulo 2^32 like the portable int32 accumulators, so the bytes match. */
TS_INLINE uint32_t fc_ld4(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
TS_INLINE int32_t fc_even(uint32_t v) { return (int32_t)__sxtb16((int32_t)v); }
TS_INLINE int32_t fc_odd(uint32_t v)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v)); /* SXTB16 of the value rotated by 8 */
    return r;
}
#endif

/* ts_requantize; for a right shift e in 1..31 and a multiplier other than INT32_MIN, the same
 * value from one 64-bit product (see ts_conv.c, conv_rq_out): u = floor((ab + 2^30 - [ab < 0] 2^31)
 * / 2^31), result = (u >> e) + bit e-1 of u. */
TS_INLINE int32_t fc_requantize(int32_t x, int32_t m, int32_t shift)
{
    if ((uint32_t)(-shift - 1) < 31u && m != INT32_MIN) {
        const int64_t ab = (int64_t)x * m;
        const int64_t t = ab + ((int64_t)1 << 30) - (int64_t)(((uint64_t)ab >> 63) << 31);
        const int32_t u = (int32_t)(t >> 31), e = -shift;
        return (u >> e) + ((u >> (e - 1)) & 1);
    }
    return ts_requantize(x, m, shift);
}

TS_INLINE int8_t fc_s8_out(int32_t acc, int32_t mult, int32_t shift, const ts_fc_s8_params *p)
{
    const int32_t v = ts_add_wrap(fc_requantize(acc, mult, shift), p->out_offset);
    return (int8_t)ts_clamp(v, p->act_min, p->act_max);
}

void ts_fc_s8(const int8_t *TS_RESTRICT input, const int8_t *TS_RESTRICT weights, const int32_t *TS_RESTRICT bias,
              const int32_t *TS_RESTRICT multipliers, const int32_t *TS_RESTRICT shifts, int8_t *TS_RESTRICT output,
              const ts_fc_s8_params *p)
{
    const int32_t K = p->accum_depth, N = p->out_depth;
    int32_t b;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (size_t)b * (size_t)K;
        int8_t *y = output + (size_t)b * (size_t)N;
        /* filter_offset * sum(x), wrapping (only for asymmetric per-tensor weights). */
        int32_t xterm = 0;
        int32_t o = 0;
        if (p->filter_offset != 0) {
            uint32_t sx = 0;
            int32_t k;
            for (k = 0; k < K; ++k)
                sx += (uint32_t)(int32_t)x[k];
            xterm = (int32_t)(sx * (uint32_t)p->filter_offset);
        }
        /* Four output units at a time: each input byte is loaded once for four weight rows. */
        for (; o + 4 <= N; o += 4) {
            const int8_t *w0 = weights + (size_t)o * (size_t)K;
            const int8_t *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            int32_t k = 0;
#ifdef TS_FC_DSP
            {
                const int8_t *xp = x, *wa = w0, *wb = w2;
                const int8_t *const end = x + (K & ~3);
                while (xp != end) {
                    const uint32_t v = fc_ld4(xp);
                    const int32_t ve = fc_even(v), vo = fc_odd(v);
                    uint32_t w = fc_ld4(wa);
                    a0 = __smlad(fc_even(w), ve, a0);
                    a0 = __smlad(fc_odd(w), vo, a0);
                    w = fc_ld4(wa + K);
                    a1 = __smlad(fc_even(w), ve, a1);
                    a1 = __smlad(fc_odd(w), vo, a1);
                    w = fc_ld4(wb);
                    a2 = __smlad(fc_even(w), ve, a2);
                    a2 = __smlad(fc_odd(w), vo, a2);
                    w = fc_ld4(wb + K);
                    a3 = __smlad(fc_even(w), ve, a3);
                    a3 = __smlad(fc_odd(w), vo, a3);
                    xp += 4, wa += 4, wb += 4;
                }
                k = K & ~3;
            }
#endif
            for (; k < K; ++k) {
                const int32_t v = x[k];
                a0 += (int32_t)w0[k] * v;
                a1 += (int32_t)w1[k] * v;
                a2 += (int32_t)w2[k] * v;
                a3 += (int32_t)w3[k] * v;
            }
            a0 = ts_add_wrap(ts_add_wrap(a0, xterm), bias[o]);
            a1 = ts_add_wrap(ts_add_wrap(a1, xterm), bias[o + 1]);
            a2 = ts_add_wrap(ts_add_wrap(a2, xterm), bias[o + 2]);
            a3 = ts_add_wrap(ts_add_wrap(a3, xterm), bias[o + 3]);
            if (multipliers) {
                y[o] = fc_s8_out(a0, multipliers[o], shifts[o], p);
                y[o + 1] = fc_s8_out(a1, multipliers[o + 1], shifts[o + 1], p);
                y[o + 2] = fc_s8_out(a2, multipliers[o + 2], shifts[o + 2], p);
                y[o + 3] = fc_s8_out(a3, multipliers[o + 3], shifts[o + 3], p);
            } else {
                y[o] = fc_s8_out(a0, p->multiplier, p->shift, p);
                y[o + 1] = fc_s8_out(a1, p->multiplier, p->shift, p);
                y[o + 2] = fc_s8_out(a2, p->multiplier, p->shift, p);
                y[o + 3] = fc_s8_out(a3, p->multiplier, p->shift, p);
            }
        }
        for (; o < N; ++o) {
            const int8_t *w0 = weights + (size_t)o * (size_t)K;
            int32_t a0 = 0;
            int32_t k = 0;
#ifdef TS_FC_DSP
            for (; k + 4 <= K; k += 4) {
                const uint32_t v = fc_ld4(x + k), w = fc_ld4(w0 + k);
                a0 = __smlad(fc_even(w), fc_even(v), a0);
                a0 = __smlad(fc_odd(w), fc_odd(v), a0);
            }
#endif
            for (; k < K; ++k)
                a0 += (int32_t)w0[k] * (int32_t)x[k];
            a0 = ts_add_wrap(ts_add_wrap(a0, xterm), bias[o]);
            y[o] = fc_s8_out(a0, multipliers ? multipliers[o] : p->multiplier, shifts ? shifts[o] : p->shift, p);
        }
    }
}

void ts_fc_s16(const int16_t *TS_RESTRICT input, const int8_t *TS_RESTRICT weights, const int32_t *TS_RESTRICT bias,
               int16_t *TS_RESTRICT output, const ts_fc_s16_params *p)
{
    const int32_t K = p->accum_depth, N = p->out_depth;
    int32_t b, o, k;
    for (b = 0; b < p->batches; ++b) {
        const int16_t *x = input + (size_t)b * (size_t)K;
        int16_t *y = output + (size_t)b * (size_t)N;
        for (o = 0; o < N; ++o) {
            const int8_t *w = weights + (size_t)o * (size_t)K;
            int64_t acc = 0;
            for (k = 0; k < K; ++k)
                acc += (int64_t)(((int32_t)w[k] + p->filter_offset) * (int32_t)x[k]);
            if (bias) {
                if (p->bias_words == 2)
                    acc += (int64_t)(((uint64_t)(uint32_t)bias[2 * o + 1] << 32) | (uint64_t)(uint32_t)bias[2 * o]);
                else
                    acc += bias[o];
            }
            y[o] = (int16_t)ts_clamp(ts_requantize64(acc, p->multiplier, p->shift), p->act_min, p->act_max);
        }
    }
}

void ts_fc_f32(const float *TS_RESTRICT input, const float *TS_RESTRICT weights, const float *TS_RESTRICT bias,
               float *TS_RESTRICT output, const ts_fc_f32_params *p)
{
    const int32_t K = p->accum_depth, N = p->out_depth;
    int32_t b;
    for (b = 0; b < p->batches; ++b) {
        const float *x = input + (size_t)b * (size_t)K;
        float *y = output + (size_t)b * (size_t)N;
        int32_t o = 0;
        /* Two units at a time; each sum is formed in k order from 0, as the reference does. */
        for (; o < N; ++o) {
            const float *w0 = weights + (size_t)o * (size_t)K;
            float a0 = 0.0f, v;
            int32_t k;
            if (o + 1 < N) {
                const float *w1 = w0 + K;
                float a1 = 0.0f;
                for (k = 0; k < K; ++k) {
                    a0 += x[k] * w0[k];
                    a1 += x[k] * w1[k];
                }
                v = a1 + (bias ? bias[o + 1] : 0.0f);
                v = v < p->act_min ? p->act_min : v;
                y[o + 1] = p->act_max < v ? p->act_max : v;
            } else {
                for (k = 0; k < K; ++k)
                    a0 += x[k] * w0[k];
            }
            v = a0 + (bias ? bias[o] : 0.0f);
            v = v < p->act_min ? p->act_min : v;
            y[o] = p->act_max < v ? p->act_max : v;
            if (o + 1 < N)
                ++o;
        }
    }
}
