#include "ts_svdf.h"

#include <math.h>

/* The integer SVDF for a state / time-weight type STATE_T in [LO, HI]. */
#define TS_SVDF_INT_DEF(NAME, STATE_T, LO, HI)                                                                 \
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
        int32_t b, f, c, m, u, r;                                                                              \
        /* The whole state moves one entry towards its start. */                                             \
        if (total > 1)                                                                                         \
            memmove(state, state + 1, (total - 1) * sizeof(STATE_T));                                          \
        /* Feature projection into each filter's newest state entry. */                                       \
        for (b = 0; b < batches; ++b) {                                                                        \
            const int8_t *x = input + (size_t)b * (size_t)input_size;                                          \
            STATE_T *s = state + (size_t)b * per_batch + (size_t)(memory - 1);                                 \
            const int8_t *w = weights_feature;                                                                 \
            for (f = 0; f < filters; ++f, w += input_size, s += memory) {                                      \
                int32_t dot0 = 0, dot1 = 0;                                                                    \
                for (c = 0; c + 1 < input_size; c += 2) {                                                      \
                    dot0 = ts_add_wrap(dot0, (int32_t)w[c] * ((int32_t)x[c] - in_zp));                         \
                    dot1 = ts_add_wrap(dot1, (int32_t)w[c + 1] * ((int32_t)x[c + 1] - in_zp));                 \
                }                                                                                              \
                if (c < input_size)                                                                            \
                    dot0 = ts_add_wrap(dot0, (int32_t)w[c] * ((int32_t)x[c] - in_zp));                         \
                dot0 = ts_requantize(ts_add_wrap(dot0, dot1), p->feature_multiplier, p->feature_shift);        \
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
                int32_t acc0 = 0, acc1 = 0;                                                                    \
                for (m = 0; m + 1 < memory; m += 2) {                                                          \
                    acc0 = ts_add_wrap(acc0, (int32_t)w[m] * ((int32_t)s[m] - state_zp));                      \
                    acc1 = ts_add_wrap(acc1, (int32_t)w[m + 1] * ((int32_t)s[m + 1] - state_zp));              \
                }                                                                                              \
                if (m < memory)                                                                                \
                    acc0 = ts_add_wrap(acc0, (int32_t)w[m] * ((int32_t)s[m] - state_zp));                      \
                filtered[f] = ts_add_wrap(acc0, acc1);                                                         \
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

TS_SVDF_INT_DEF(ts_svdf_s8_s16, int16_t, INT16_MIN, INT16_MAX)
TS_SVDF_INT_DEF(ts_svdf_s8_s8, int8_t, INT8_MIN, INT8_MAX)

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
