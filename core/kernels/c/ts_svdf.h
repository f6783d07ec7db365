/* ts_svdf: SVDF (TFLite semantics, core/reference/ops_dense.cpp / TFLM's reference SVDF).
 *
 * Shapes: input [batches, input_size], weights_feature [filters, input_size], weights_time
 * [filters, memory], bias [units] (optional: NULL), state [batches, filters * memory] (a variable
 * tensor in the arena, read and updated by every invocation), output [batches, units],
 * units = filters / rank.
 *
 * One invocation: the whole state buffer moves one element towards its start (the oldest entry
 * drops out), then each filter's newest state entry (the last of its `memory`) becomes the
 * requantized feature projection of the input; each filter's time-weighted sum of its state goes to
 * scratch_filters, the rank filters of a unit are summed with its bias into scratch_units, and those
 * are requantized to the int8 output. Like TFLM's integer kernel no fused activation is applied.
 *
 * Integer kernels: int8 input / feature weights / output, int32 bias; weights_time and state are
 * int16 (ts_svdf_s8_s16) or int8 (ts_svdf_s8_s8). Scratch: batches * filters int32 and
 * batches * units int32 (kernels/scratch.cpp plans exactly these two parts). No floating point.
 *
 * ts_svdf_f32: float32 throughout, with the fused activation; it needs no scratch. */
#ifndef TS_SVDF_H
#define TS_SVDF_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t batches;
    int32_t input_size;
    int32_t filters;
    int32_t units;
    int32_t rank;      /* filters == units * rank */
    int32_t memory;
    int32_t input_zp;  /* zero point of the input */
    int32_t state_zp;  /* zero point of the state */
    int32_t output_zp; /* zero point of the output */
    int32_t feature_multiplier, feature_shift; /* input_scale * feature_scale / state_scale */
    int32_t output_multiplier, output_shift;   /* state_scale * time_scale / output_scale */
} ts_svdf_s8_params;

void ts_svdf_s8_s16(const ts_svdf_s8_params *p, const int8_t *TS_RESTRICT input,
                    const int8_t *TS_RESTRICT weights_feature, const int16_t *TS_RESTRICT weights_time,
                    const int32_t *TS_RESTRICT bias, int16_t *TS_RESTRICT state,
                    int32_t *TS_RESTRICT scratch_filters, int32_t *TS_RESTRICT scratch_units,
                    int8_t *TS_RESTRICT output);
void ts_svdf_s8_s8(const ts_svdf_s8_params *p, const int8_t *TS_RESTRICT input,
                   const int8_t *TS_RESTRICT weights_feature, const int8_t *TS_RESTRICT weights_time,
                   const int32_t *TS_RESTRICT bias, int8_t *TS_RESTRICT state,
                   int32_t *TS_RESTRICT scratch_filters, int32_t *TS_RESTRICT scratch_units,
                   int8_t *TS_RESTRICT output);

/* Fused activations of the float kernel (TFLite's ActivationFunctionType). */
#define TS_ACT_NONE 0
#define TS_ACT_RELU 1
#define TS_ACT_RELU_N1_TO_1 2
#define TS_ACT_RELU6 3
#define TS_ACT_TANH 4
#define TS_ACT_SIGN_BIT 5

typedef struct {
    int32_t batches;
    int32_t input_size;
    int32_t filters;
    int32_t units;
    int32_t rank;
    int32_t memory;
    int32_t activation; /* TS_ACT_* */
} ts_svdf_f32_params;

void ts_svdf_f32(const ts_svdf_f32_params *p, const float *TS_RESTRICT input, const float *TS_RESTRICT weights_feature,
                 const float *TS_RESTRICT weights_time, const float *TS_RESTRICT bias, float *TS_RESTRICT state,
                 float *TS_RESTRICT output);

#ifdef __cplusplus
}
#endif

#endif /* TS_SVDF_H */
