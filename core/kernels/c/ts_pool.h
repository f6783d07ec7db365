/* ts_pool: AVERAGE_POOL_2D and MAX_POOL_2D, int8 and float32 (TFLite semantics: the reference
 * kernels of core/reference/ops_conv.cpp, byte for byte).
 *
 * Layouts: input and output NHWC, windows addressed with a row pitch (bytes between rows).
 * Padding (SAME resolved plus explicit) is never read: only in-bounds taps count, and the average
 * divides by the number of in-bounds taps, rounding half away from zero. Every output window must
 * hold at least one in-bounds tap (the code generator checks it). No scratch: max pooling uses the
 * output pixel as its accumulator.
 */
#ifndef TS_POOL_H
#define TS_POOL_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, channels;     /* input (window) shape; the output has the same channels */
    int32_t in_row_pitch;             /* bytes between input rows (in_w * channels * element size) */
    int32_t out_h, out_w;
    int32_t out_row_pitch;            /* bytes between output rows */
    int32_t filter_h, filter_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t act_min, act_max;         /* fused activation clamp (quantized; int8 kernels) */
    float act_min_f, act_max_f;       /* fused activation clamp (float32 kernels) */
} ts_pool_params;

void ts_avgpool_s8(const ts_pool_params *p, const int8_t *input, int8_t *output);
void ts_maxpool_s8(const ts_pool_params *p, const int8_t *input, int8_t *output);
void ts_avgpool_f32(const ts_pool_params *p, const float *input, float *output);
void ts_maxpool_f32(const ts_pool_params *p, const float *input, float *output);

#ifdef __cplusplus
}
#endif

#endif /* TS_POOL_H */
