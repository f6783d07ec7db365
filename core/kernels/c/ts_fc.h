/* ts_fc: FULLY_CONNECTED (TFLite semantics, as core/reference/ops_dense.cpp).
 *
 * Layout: input [batches, accum_depth] (row-major, any leading shape flattened), weights
 * [out_depth, accum_depth], output [batches, out_depth].
 *
 * int8: the input zero-point term is folded into the bias by the code generator:
 *   bias[o] = bias_model[o] - in_zp * sum_k w[o][k] + accum_depth * w_zp * in_zp   (int32, wrapping)
 * so the kernel computes acc = bias[o] + sum_k w[o][k] * x[k] + filter_offset * sum_k x[k]
 * (filter_offset = -w_zp, 0 for the usual symmetric weights), then requantizes exactly as TFLM's
 * reference kernel: out = clamp(MultiplyByQuantizedMultiplier(acc) + out_offset, act_min, act_max). */
#ifndef TS_FC_H
#define TS_FC_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t batches;       /* rows of input and output */
    int32_t accum_depth;   /* input elements per row (the weights' last dimension) */
    int32_t out_depth;     /* output units per row */
    int32_t filter_offset; /* -(weight zero point); per-tensor weights only, usually 0 */
    int32_t out_offset;    /* output zero point */
    int32_t multiplier;    /* per-tensor requantization (used when the kernel gets no arrays) */
    int32_t shift;
    int32_t act_min, act_max;
} ts_fc_s8_params;

/* bias: out_depth folded int32 values (never NULL: the generator always folds one);
 * multipliers/shifts: out_depth per-channel values, or both NULL for p->multiplier/p->shift. */
void ts_fc_s8(const int8_t *TS_RESTRICT input, const int8_t *TS_RESTRICT weights, const int32_t *TS_RESTRICT bias,
              const int32_t *TS_RESTRICT multipliers, const int32_t *TS_RESTRICT shifts, int8_t *TS_RESTRICT output,
              const ts_fc_s8_params *p);

/* int16 activations, int8 weights (TFLM 16x8, per-tensor weights): acc (int64) =
 * sum_k (w[o][k] + filter_offset) * x[k] + bias[o]; out = clamp(MultiplyByQuantizedMultiplier64(acc)).
 * The input zero point is not applied (as TFLM). bias: NULL, or out_depth values of bias_words
 * int32 words each (1: int32 bias; 2: int64 bias as (low word, high word) pairs). */
typedef struct {
    int32_t batches, accum_depth, out_depth;
    int32_t filter_offset;
    int32_t multiplier, shift;
    int32_t act_min, act_max;
    int32_t bias_words;
} ts_fc_s16_params;

void ts_fc_s16(const int16_t *TS_RESTRICT input, const int8_t *TS_RESTRICT weights, const int32_t *TS_RESTRICT bias,
               int16_t *TS_RESTRICT output, const ts_fc_s16_params *p);

/* float32: out = min(max(sum_k x[k] * w[o][k] (summed in k order from 0) + bias[o], act_min), act_max). */
typedef struct {
    int32_t batches, accum_depth, out_depth;
    float act_min, act_max;
} ts_fc_f32_params;

/* bias may be NULL. */
void ts_fc_f32(const float *TS_RESTRICT input, const float *TS_RESTRICT weights, const float *TS_RESTRICT bias,
               float *TS_RESTRICT output, const ts_fc_f32_params *p);

#ifdef __cplusplus
}
#endif
#endif
