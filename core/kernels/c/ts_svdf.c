#include "ts_svdf.h"

#include <math.h>

#if defined(__ARM_FEATURE_DSP) && !defined(TS_NO_DSP)
#include <arm_acle.h>
#define SVDF_DSP 1
#else
#define SVDF_DSP 0
#endif

/* sum over c < n of w[c] * (x[c] - zp), wrapping like ts_add_wrap: computed as
 * sum(w * x) - zp * sum(w), the same value modulo 2^32 in any order. */
TS_INLINE int32_t svdf_dot_s8(const int8_t *w, const int8_t *x, int32_t n, int32_t zp)
{
    uint32_t acc = 0u, sw = 0u;
    int32_t c = 0;
#if SVDF_DSP
    for (; c + 4 <= n; c += 4) {
        uint32_t wv, xv;
        int32_t we, wo, xe, xo;
        memcpy(&wv, w + c, 4);
        memcpy(&xv, x + c, 4);
        we = __sxtb16((int32_t)wv), wo = __sxtb16((int32_t)((wv >> 8) | (wv << 24)));
        xe = __sxtb16((int32_t)xv), xo = __sxtb16((int32_t)((xv >> 8) | (xv << 24)));
        acc = (uint32_t)__smlad(we, xe, (int32_t)acc);
        acc = (uint32_t)__smlad(wo, xo, (int32_t)acc);
        sw = (uint32_t)__smlad(we, 0x00010001, (int32_t)sw);
        sw = (uint32_t)__smlad(wo, 0x00010001, (int32_t)sw);
    }
#endif
    for (; c < n; ++c) {
        acc += (uint32_t)((int32_t)w[c] * (int32_t)x[c]);
        sw += (uint32_t)(int32_t)w[c];
    }
    return (int32_t)(acc - (uint32_t)zp * sw);
}

/* The same for int16 weights and values (the int16 state). */
TS_INLINE int32_t svdf_dot_s16(const int16_t *w, const int16_t *x, int32_t n, int32_t zp)
{
    uint32_t acc = 0u, sw = 0u;
    int32_t c = 0;
#if SVDF_DSP
    for (; c + 2 <= n; c += 2) {
        int32_t wv, xv;
        memcpy(&wv, w + c, 4);
        memcpy(&xv, x + c, 4);
        acc = (uint32_t)__smlad(wv, xv, (int32_t)acc);
        sw = (uint32_t)__smlad(wv, 0x00010001, (int32_t)sw);
    }
#endif
    for (; c < n; ++c) {
        acc += (uint32_t)((int32_t)w[c] * (int32_t)x[c]);
        sw += (uint32_t)(int32_t)w[c];
    }
    return (int32_t)(acc - (uint32_t)zp * sw);
}

/* The integer SVDF for a state / time-weight type STATE_T in [LO, HI]. */
#define TS_SVDF_INT_DEF(NAME, STATE_T, LO, HI, TIME_DOT)                                                                 \
    void NAME(const ts_svdf_s8_params *p, const int8_t *TS_RESTRICT input,                                     \
              const int8_t *TS_RESTRICT weights_feature, const STATE_T *TS_RESTRICT weights_time,              \
              const int32_t *TS_RESTRICT bias, STATE_T *TS_RESTRICT state,                                     \
              int32_t *TS_RESTRICT scratch_filters, int32_t *TS_RESTRICT scratch_units,                        \
              int8_t *TS_RESTRICT output)                                                                      \
    {                                                                                                          \
        const int32_t batches = p->batches, input_size = p->input_size, filters = p->filters;                 \
        const int32_t units = p->units, rank = p->rank, memory = p->memory;                                    \
        const int32_t in_zp = p->input_zp, state_zp = p->state_zp, out_zp = p->output_zp;                      \
        const size_t per_batch = (size_t)filters * (size_t)memory;                                             \
        const size_t total = (size_t)batches * per_batch;                                                      \
        int32_t b, f, u, r;                                                                              \
        /* The whole state moves one entry towards its start. */                                             \
        if (total > 1)                                                                                         \
            memmove(state, state + 1, (total - 1) * sizeof(STATE_T));                                          \
        /* Feature projection into each filter's newest state entry. */                                       \
        for (b = 0; b < batches; ++b) {                                                                        \
            const int8_t *x = input + (size_t)b * (size_t)input_size;                                          \
            STATE_T *s = state + (size_t)b * per_batch + (size_t)(memory - 1);                                 \
            const int8_t *w = weights_feature;                                                                 \
            for (f = 0; f < filters; ++f, w += input_size, s += memory) {                                      \
                int32_t dot0 = svdf_dot_s8(w, x, input_size, in_zp);                                           \
                dot0 = ts_requantize(dot0, p->feature_multiplier, p->feature_shift);                           \
                /* Clamped to the state type, then the zero point added (wrapping when narrowed). */          \
                dot0 = ts_clamp(dot0, LO, HI);                                                                 \
                *s = (STATE_T)(state_zp + dot0);                                                               \
            }                                                                                                  \
        }                                                                                                      \
        /* Time filtering per filter. */                                                                      \
        for (b = 0; b < batches; ++b) {                                                                        \
            const STATE_T *s = state + (size_t)b * per_batch;                                                  \
            const STATE_T *w = weights_time;                                                                   \
            int32_t *filtered = scratch_filters + (size_t)b * (size_t)filters;                                 \
            for (f = 0; f < filters; ++f, s += memory, w += memory) {                                          \
                filtered[f] = TIME_DOT(w, s, memory, state_zp);                                                \
            }                                                                                                  \
        }                                                                                                      \
        /* Rank reduction and bias per unit, then the output. */                                             \
        for (b = 0; b < batches; ++b) {                                                                        \
            const int32_t *filtered = scratch_filters + (size_t)b * (size_t)filters;                           \
            int32_t *acc = scratch_units + (size_t)b * (size_t)units;                                          \
            int8_t *y = output + (size_t)b * (size_t)units;                                                    \
            for (u = 0; u < units; ++u) {                                                                      \
                int32_t a = bias ? bias[u] : 0;                                                                \
                for (r = 0; r < rank; ++r)                                                                     \
                    a = ts_add_wrap(a, filtered[u * rank + r]);                                                \
                acc[u] = a;                                                                                    \
            }                                                                                                  \
            for (u = 0; u < units; ++u) {                                                                      \
                const int32_t v = ts_add_wrap(ts_requantize(acc[u], p->output_multiplier, p->output_shift), out_zp); \
                y[u] = (int8_t)ts_clamp(v, INT8_MIN, INT8_MAX);                                                \
            }                                                                                                  \
        }                                                                                                      \
    }

TS_SVDF_INT_DEF(ts_svdf_s8_s16, int16_t, INT16_MIN, INT16_MAX, svdf_dot_s16)
TS_SVDF_INT_DEF(ts_svdf_s8_s8, int8_t, INT8_MIN, INT8_MAX, svdf_dot_s8)

static float ts_activate_f32(int32_t activation, float v)
{
    switch (activation) {
    case TS_ACT_RELU:
        return v > 0.0f ? v : 0.0f;
    case TS_ACT_RELU_N1_TO_1:
        return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    case TS_ACT_RELU6:
        return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case TS_ACT_TANH:
        return tanhf(v);
    case TS_ACT_SIGN_BIT:
        return signbit(v) ? 1.0f : 0.0f;
    default:
        return v;
    }
}

void ts_svdf_f32(const ts_svdf_f32_params *p, const float *TS_RESTRICT input, const float *TS_RESTRICT weights_feature,
                 const float *TS_RESTRICT weights_time, const float *TS_RESTRICT bias, float *TS_RESTRICT state,
                 float *TS_RESTRICT output)
{
    const int32_t batches = p->batches, input_size = p->input_size, filters = p->filters;
    const int32_t units = p->units, rank = p->rank, memory = p->memory;
    const size_t per_batch = (size_t)filters * (size_t)memory;
    const size_t total = (size_t)batches * per_batch;
    int32_t b, f, c, m, u, r;
    if (total > 1)
        memmove(state, state + 1, (total - 1) * sizeof(float));
    for (b = 0; b < batches; ++b) {
        const float *x = input + (size_t)b * (size_t)input_size;
        for (f = 0; f < filters; ++f) {
            const float *w = weights_feature + (size_t)f * (size_t)input_size;
            float dot = 0.0f;
            for (c = 0; c < input_size; ++c)
                dot += w[c] * x[c];
            state[(size_t)b * per_batch + (size_t)f * (size_t)memory + (size_t)(memory - 1)] = dot;
        }
    }
    /* Each filter's time sum is formed right where its unit needs it, in the same order as the
     * reference (filter sum first, then bias + filters in rank order): no scratch. */
    for (b = 0; b < batches; ++b) {
        const float *s = state + (size_t)b * per_batch;
        for (u = 0; u < units; ++u) {
            float acc = bias ? bias[u] : 0.0f;
            for (r = 0; r < rank; ++r) {
                const int32_t fi = u * rank + r;
                const float *sf = s + (size_t)fi * (size_t)memory;
                const float *w = weights_time + (size_t)fi * (size_t)memory;
                float sum = 0.0f;
                for (m = 0; m < memory; ++m)
                    sum += w[m] * sf[m];
                acc += sum;
            }
            output[(size_t)b * (size_t)units + (size_t)u] = ts_activate_f32(p->activation, acc);
        }
    }
}
