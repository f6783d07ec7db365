#include "ts_reduce.h"

#define TS_REDUCE_INT(NAME, T, LO, HI)                                                                         \
    void NAME(const T *TS_RESTRICT in, T *TS_RESTRICT out, const ts_reduce_params *p)                          \
    {                                                                                                          \
        int32_t k0, k1, k2, r0, r1, r2;                                                                        \
        for (k0 = 0; k0 < p->keep_dims[0]; ++k0)                                                               \
            for (k1 = 0; k1 < p->keep_dims[1]; ++k1)                                                           \
                for (k2 = 0; k2 < p->keep_dims[2]; ++k2) {                                                     \
                    const T *base = in + (ptrdiff_t)k0 * p->keep_stride[0] + (ptrdiff_t)k1 * p->keep_stride[1] \
                                    + (ptrdiff_t)k2 * p->keep_stride[2];                                       \
                    uint32_t sum = 0;                                                                          \
                    int32_t v;                                                                                 \
                    for (r0 = 0; r0 < p->red_dims[0]; ++r0)                                                    \
                        for (r1 = 0; r1 < p->red_dims[1]; ++r1) {                                              \
                            const T *row = base + (ptrdiff_t)r0 * p->red_stride[0]                             \
                                           + (ptrdiff_t)r1 * p->red_stride[1];                                 \
                            const ptrdiff_t s = p->red_stride[2];                                              \
                            for (r2 = 0; r2 < p->red_dims[2]; ++r2)                                            \
                                sum += (uint32_t)(int32_t)row[(ptrdiff_t)r2 * s];                              \
                        }                                                                                      \
                    if (p->count == 0) {                                                                       \
                        *out++ = 0;                                                                            \
                        continue;                                                                              \
                    }                                                                                          \
                    v = ts_requantize((int32_t)(sum - (uint32_t)p->in_zp_count), p->mult, p->shift);           \
                    *out++ = (T)ts_clamp(ts_add_wrap(v, p->out_zp), LO, HI);                                   \
                }                                                                                              \
    }

TS_REDUCE_INT(ts_reduce_s8, int8_t, -128, 127)
TS_REDUCE_INT(ts_reduce_s16, int16_t, -32768, 32767)

void ts_reduce_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_reduce_params *p)
{
    int32_t k0, k1, k2, r0, r1, r2;
    for (k0 = 0; k0 < p->keep_dims[0]; ++k0)
        for (k1 = 0; k1 < p->keep_dims[1]; ++k1)
            for (k2 = 0; k2 < p->keep_dims[2]; ++k2) {
                const float *base = in + (ptrdiff_t)k0 * p->keep_stride[0] + (ptrdiff_t)k1 * p->keep_stride[1]
                                    + (ptrdiff_t)k2 * p->keep_stride[2];
                float sum = 0.0f;
                for (r0 = 0; r0 < p->red_dims[0]; ++r0)
                    for (r1 = 0; r1 < p->red_dims[1]; ++r1) {
                        const float *row = base + (ptrdiff_t)r0 * p->red_stride[0] + (ptrdiff_t)r1 * p->red_stride[1];
                        const ptrdiff_t s = p->red_stride[2];
                        for (r2 = 0; r2 < p->red_dims[2]; ++r2)
                            sum += row[(ptrdiff_t)r2 * s];
                    }
                if (p->mean && p->count > 0)
                    sum = sum / (float)p->count;
                *out++ = sum;
            }
}
