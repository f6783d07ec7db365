#include "ts_quant.h"


/* TfLiteRound(x / scale) saturated to int32 (NaN to INT32_MIN), plus the zero point, in 64 bits.
 * Below 2^23 in magnitude the quotient is rounded without a libm call: its fraction r - trunc(r) is
 * exact in float, so comparing it with one half rounds half away from zero exactly as roundf. */
TS_INLINE int64_t ts_quantize_one(float x, float scale, int32_t zero_point)
{
    const float r = x / scale;
    int64_t q;
    if (r > -8388608.0f && r < 8388608.0f) {
        int32_t t = (int32_t)r;
        const float frac = r - (float)t;
        t += (frac >= 0.5f) - (frac <= -0.5f);
        q = t;
    } else if (r >= 2147483648.0f) {
        q = INT32_MAX;
    } else if (r >= -2147483648.0f) {
        q = (int64_t)r; /* already an integer */
    } else {
        q = INT32_MIN; /* below the int32 range, or NaN */
    }
    return q + zero_point;
}

/* int8 fast run: the quotient clamped to +/-1024 first (beyond it the int8 result saturates
 * either way, for any int8 zero point; NaN goes to the low side like INT32_MIN), then rounded
 * half away from zero from trunc(2r) (exact): sign(r) * ((|trunc(2r)| + 1) >> 1), in 32 bits. */
void ts_quantize_f32_s8(const ts_affine_params *p, const float *TS_RESTRICT input, int8_t *TS_RESTRICT output)
{
    const float scale = p->scale;
    const int32_t zp = p->zero_point;
    int32_t i;
    if (zp < INT8_MIN || zp > INT8_MAX) {
        for (i = 0; i < p->size; ++i) {
            const int64_t q = ts_quantize_one(input[i], scale, zp);
            output[i] = (int8_t)(q < INT8_MIN ? INT8_MIN : (q > INT8_MAX ? INT8_MAX : q));
        }
        return;
    }
    for (i = 0; i < p->size; ++i) {
        float r = input[i] / scale;
        int32_t m, s, t;
        if (!(r > -1024.0f))
            r = -1024.0f;
        if (r > 1024.0f)
            r = 1024.0f;
        m = (int32_t)(r + r); /* trunc(2r), exact */
        s = -(int32_t)((uint32_t)m >> 31);
        t = ((int32_t)((uint32_t)((m ^ s) - s + 1) >> 1) ^ s) - s; /* sign(r) * floor(|r| + 1/2) */
        t += zp;
        output[i] = (int8_t)(t < INT8_MIN ? INT8_MIN : (t > INT8_MAX ? INT8_MAX : t));
    }
}

#define TS_QUANTIZE_DEF(NAME, OUT_T, LO, HI)                                                                   \
    void ts_quantize_f32_##NAME(const ts_affine_params *p, const float *TS_RESTRICT input, OUT_T *TS_RESTRICT output) \
    {                                                                                                           \
        const float scale = p->scale;                                                                           \
        const int32_t zp = p->zero_point;                                                                       \
        int32_t i;                                                                                              \
        for (i = 0; i < p->size; ++i) {                                                                         \
            const int64_t q = ts_quantize_one(input[i], scale, zp);                                             \
            output[i] = (OUT_T)(q < (LO) ? (LO) : (q > (HI) ? (HI) : q));                                       \
        }                                                                                                       \
    }
TS_QUANTIZE_DEF(u8, uint8_t, 0, UINT8_MAX)
TS_QUANTIZE_DEF(s16, int16_t, INT16_MIN, INT16_MAX)

#define TS_DEQUANTIZE_DEF(NAME, IN_T)                                                                           \
    void ts_dequantize_##NAME##_f32(const ts_affine_params *p, const IN_T *TS_RESTRICT input, float *TS_RESTRICT output) \
    {                                                                                                           \
        const float scale = p->scale;                                                                           \
        const int32_t zp = p->zero_point;                                                                       \
        int32_t i;                                                                                              \
        for (i = 0; i < p->size; ++i)                                                                           \
            output[i] = scale * (float)((int32_t)input[i] - zp);                                                \
    }
TS_DEQUANTIZE_DEF(s8, int8_t)
TS_DEQUANTIZE_DEF(u8, uint8_t)
TS_DEQUANTIZE_DEF(s16, int16_t)

TS_INLINE int8_t ts_sat_s8(int32_t v) { return (int8_t)(v < INT8_MIN ? INT8_MIN : (v > INT8_MAX ? INT8_MAX : v)); }
TS_INLINE uint8_t ts_sat_u8(int32_t v) { return (uint8_t)(v < 0 ? 0 : (v > UINT8_MAX ? UINT8_MAX : v)); }
TS_INLINE int16_t ts_sat_s16(int32_t v) { return (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v)); }
TS_INLINE int32_t ts_sat_s32(int32_t v) { return v; }

#define TS_REQUANTIZE_DEF(IN_NAME, IN_T, OUT_NAME, OUT_T)                                               \
    void ts_requantize_##IN_NAME##_##OUT_NAME(const ts_requantize_params *p, const IN_T *TS_RESTRICT input,    \
                                              OUT_T *TS_RESTRICT output)                                       \
    {                                                                                                           \
        const int32_t in_zp = p->input_zp, out_zp = p->output_zp;                                               \
        const int32_t mult = p->multiplier, shift = p->shift;                                                   \
        int32_t i;                                                                                              \
        for (i = 0; i < p->size; ++i) {                                                                         \
            const int32_t x = (int32_t)((uint32_t)(int32_t)input[i] - (uint32_t)in_zp);                         \
            const int32_t v = ts_add_wrap(ts_requantize(x, mult, shift), out_zp);                               \
            output[i] = ts_sat_##OUT_NAME(v);                                                                   \
        }                                                                                                       \
    }
#define TS_REQUANTIZE_DEF_ALL_OUT(IN_NAME, IN_T)                      \
    TS_REQUANTIZE_DEF(IN_NAME, IN_T, s8, int8_t)   \
    TS_REQUANTIZE_DEF(IN_NAME, IN_T, u8, uint8_t)  \
    TS_REQUANTIZE_DEF(IN_NAME, IN_T, s16, int16_t) \
    TS_REQUANTIZE_DEF(IN_NAME, IN_T, s32, int32_t)
TS_REQUANTIZE_DEF_ALL_OUT(s8, int8_t)
TS_REQUANTIZE_DEF_ALL_OUT(u8, uint8_t)
TS_REQUANTIZE_DEF_ALL_OUT(s16, int16_t)
TS_REQUANTIZE_DEF_ALL_OUT(s32, int32_t)
