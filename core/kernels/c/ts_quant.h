/* ts_quant: QUANTIZE and DEQUANTIZE (TFLite semantics, core/reference/ops_dense.cpp).
 *
 *  - ts_quantize_f32_<out>: float32 -> int8 / uint8 / int16:
 *        q = clamp(saturate_int32(roundf(x / scale)) + zero_point, out range)
 *    (round half away from zero on the float quotient, as TfLiteRound; NaN gives the type's lowest).
 *  - ts_requantize_<in>_<out>: integer -> integer (in, out each s8, u8, s16, s32):
 *        q = clamp(MultiplyByQuantizedMultiplier(x - in_zp, multiplier, shift) + out_zp, out range)
 *    with the multiplier of in_scale / out_scale (double-rounding fixed point, no floating point).
 *  - ts_dequantize_<in>_f32: int8 / uint8 / int16 -> float32: y = scale * (float)(x - zero_point).
 * Float is used only in the float32 boundary kernels. Operands are contiguous, never overlapping. */
#ifndef TS_QUANT_H
#define TS_QUANT_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* float32 -> integer, and integer -> float32. */
typedef struct {
    int32_t size;       /* elements */
    int32_t zero_point; /* of the quantized side */
    float scale;        /* of the quantized side */
} ts_affine_params;

void ts_quantize_f32_s8(const ts_affine_params *p, const float *TS_RESTRICT input, int8_t *TS_RESTRICT output);
void ts_quantize_f32_u8(const ts_affine_params *p, const float *TS_RESTRICT input, uint8_t *TS_RESTRICT output);
void ts_quantize_f32_s16(const ts_affine_params *p, const float *TS_RESTRICT input, int16_t *TS_RESTRICT output);

void ts_dequantize_s8_f32(const ts_affine_params *p, const int8_t *TS_RESTRICT input, float *TS_RESTRICT output);
void ts_dequantize_u8_f32(const ts_affine_params *p, const uint8_t *TS_RESTRICT input, float *TS_RESTRICT output);
void ts_dequantize_s16_f32(const ts_affine_params *p, const int16_t *TS_RESTRICT input, float *TS_RESTRICT output);

/* integer -> integer. */
typedef struct {
    int32_t size;       /* elements */
    int32_t input_zp;
    int32_t output_zp;
    int32_t multiplier; /* in_scale / out_scale = multiplier * 2^(shift - 31) */
    int32_t shift;
} ts_requantize_params;

#define TS_REQUANTIZE_DECL(IN_NAME, IN_T, OUT_NAME, OUT_T)                                                  \
    void ts_requantize_##IN_NAME##_##OUT_NAME(const ts_requantize_params *p, const IN_T *TS_RESTRICT input, \
                                              OUT_T *TS_RESTRICT output);
#define TS_REQUANTIZE_DECL_ALL_OUT(IN_NAME, IN_T)      \
    TS_REQUANTIZE_DECL(IN_NAME, IN_T, s8, int8_t)      \
    TS_REQUANTIZE_DECL(IN_NAME, IN_T, u8, uint8_t)     \
    TS_REQUANTIZE_DECL(IN_NAME, IN_T, s16, int16_t)    \
    TS_REQUANTIZE_DECL(IN_NAME, IN_T, s32, int32_t)
/* ts_requantize_s8_s8, ts_requantize_s8_u8, ..., ts_requantize_s32_s32 (16 kernels). */
TS_REQUANTIZE_DECL_ALL_OUT(s8, int8_t)
TS_REQUANTIZE_DECL_ALL_OUT(u8, uint8_t)
TS_REQUANTIZE_DECL_ALL_OUT(s16, int16_t)
TS_REQUANTIZE_DECL_ALL_OUT(s32, int32_t)

#ifdef __cplusplus
}
#endif

#endif /* TS_QUANT_H */
