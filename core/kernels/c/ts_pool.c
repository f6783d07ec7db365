/* ts_pool: pooling kernels (see ts_pool.h). */
#include "ts_pool.h"

/* The in-bounds taps [fy0, fy1) x [fx0, fx1) of output pixel (oy, ox), and its input corner. */
typedef struct {
    int32_t iy0, ix0, fy0, fy1, fx0, fx1;
} pool_window;

TS_INLINE pool_window pool_window_of(const ts_pool_params *p, int32_t oy, int32_t ox)
{
    pool_window w;
    w.iy0 = oy * p->stride_h - p->pad_top;
    w.ix0 = ox * p->stride_w - p->pad_left;
    w.fy0 = w.iy0 < 0 ? -w.iy0 : 0;
    w.fy1 = p->in_h - w.iy0 < p->filter_h ? p->in_h - w.iy0 : p->filter_h;
    w.fx0 = w.ix0 < 0 ? -w.ix0 : 0;
    w.fx1 = p->in_w - w.ix0 < p->filter_w ? p->in_w - w.ix0 : p->filter_w;
    return w;
}

#define POOL_LOOP_BEGIN(T)                                                                                   \
    int32_t b, oy, ox;                                                                                       \
    for (b = 0; b < p->batches; ++b)                                                                         \
        for (oy = 0; oy < p->out_h; ++oy)                                                                    \
            for (ox = 0; ox < p->out_w; ++ox) {                                                              \
                const pool_window w = pool_window_of(p, oy, ox);                                             \
                const uint8_t *in_b = (const uint8_t *)input + (ptrdiff_t)b * p->in_h * p->in_row_pitch;     \
                T *o = (T *)((uint8_t *)output + ((ptrdiff_t)b * p->out_h + oy) * p->out_row_pitch)          \
                    + (ptrdiff_t)ox * p->channels;                                                           \
                (void)in_b;
#define POOL_TAP(T, fy, fx) \
    ((const T *)(in_b + (ptrdiff_t)(w.iy0 + (fy)) * p->in_row_pitch) + (ptrdiff_t)(w.ix0 + (fx)) * p->channels)
#define POOL_LOOP_END }

void ts_avgpool_s8(const ts_pool_params *p, const int8_t *input, int8_t *output)
{
    POOL_LOOP_BEGIN(int8_t)
    const int32_t count = (w.fy1 - w.fy0) * (w.fx1 - w.fx0);
    int32_t c, fy, fx;
    for (c = 0; c < p->channels; ++c) {
        int32_t acc = 0;
        for (fy = w.fy0; fy < w.fy1; ++fy) {
            const int8_t *row = POOL_TAP(int8_t, fy, 0) + c;
            for (fx = w.fx0; fx < w.fx1; ++fx)
                acc += row[fx * p->channels];
        }
        if (count > 0)
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        o[c] = (int8_t)ts_clamp(acc, p->act_min, p->act_max);
    }
    POOL_LOOP_END
}

void ts_maxpool_s8(const ts_pool_params *p, const int8_t *input, int8_t *output)
{
    POOL_LOOP_BEGIN(int8_t)
    int32_t c, fy, fx, first = 1;
    for (fy = w.fy0; fy < w.fy1; ++fy)
        for (fx = w.fx0; fx < w.fx1; ++fx) {
            const int8_t *t = POOL_TAP(int8_t, fy, fx);
            if (first) {
                memcpy(o, t, (size_t)p->channels);
                first = 0;
                continue;
            }
            for (c = 0; c < p->channels; ++c)
                if (t[c] > o[c])
                    o[c] = t[c];
        }
    for (c = 0; c < p->channels; ++c)
        o[c] = (int8_t)ts_clamp(first ? INT32_MIN : o[c], p->act_min, p->act_max);
    POOL_LOOP_END
}

TS_INLINE float pool_clamp_f(float v, const ts_pool_params *p)
{
    const float lo = v < p->act_min_f ? p->act_min_f : v; /* std::max(v, lo) */
    return p->act_max_f < lo ? p->act_max_f : lo;         /* std::min(.., hi) */
}

void ts_avgpool_f32(const ts_pool_params *p, const float *input, float *output)
{
    POOL_LOOP_BEGIN(float)
    const int32_t count = (w.fy1 - w.fy0) * (w.fx1 - w.fx0);
    int32_t c, fy, fx;
    for (c = 0; c < p->channels; ++c) {
        float acc = 0.0f;
        for (fy = w.fy0; fy < w.fy1; ++fy)
            for (fx = w.fx0; fx < w.fx1; ++fx)
                acc = acc + POOL_TAP(float, fy, fx)[c];
        o[c] = pool_clamp_f(acc / (float)count, p);
    }
    POOL_LOOP_END
}

void ts_maxpool_f32(const ts_pool_params *p, const float *input, float *output)
{
    POOL_LOOP_BEGIN(float)
    int32_t c, fy, fx;
    for (c = 0; c < p->channels; ++c) {
        float acc = -3.40282347e+38f; /* std::numeric_limits<float>::lowest() */
        for (fy = w.fy0; fy < w.fy1; ++fy)
            for (fx = w.fx0; fx < w.fx1; ++fx) {
                const float v = POOL_TAP(float, fy, fx)[c];
                acc = acc < v ? v : acc; /* std::max(acc, v) */
            }
        o[c] = pool_clamp_f(acc, p);
    }
    POOL_LOOP_END
}
