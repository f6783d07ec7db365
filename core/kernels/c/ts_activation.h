/* ts_activation: SOFTMAX, LOG_SOFTMAX, LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU (TFLite semantics,
 * as core/reference/ops_activation.cpp and ops_elementwise.cpp). No scratch.
 *
 * Element-wise activations walk `rows` runs of `row_len` elements; consecutive runs start
 * in_pitch / out_pitch elements apart (a strided patch window; row_len for a contiguous tensor,
 * which the generator passes as a single run). */
#ifndef TS_ACTIVATION_H
#define TS_ACTIVATION_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- element-wise -------------------------------------------------------------------------- */

typedef struct {
    int32_t rows, row_len, in_pitch, out_pitch; /* layout, in elements */
    int32_t in_zp, out_zp;
    int32_t mult, shift;            /* RELU: in→out rescale; LEAKY_RELU: identity (x >= 0) branch */
    int32_t alpha_mult, alpha_shift;/* LEAKY_RELU: x < 0 branch */
    int32_t act_min, act_max;       /* RELU: clamp after rescale; RELU6: clamp (input quantization) */
    int32_t range_radius;           /* LOGISTIC/TANH int8: |x - in_zp| >= radius saturates */
    float alpha;                    /* LEAKY_RELU float32 */
} ts_act_params;

/* RELU: out = clamp(out_zp + requant(x - in_zp, mult, shift), act_min, act_max). */
void ts_relu_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p);
void ts_relu_s16(const int16_t *TS_RESTRICT in, int16_t *TS_RESTRICT out, const ts_act_params *p);
/* RELU6 on integers: clamp to [act_min, act_max] in the input's quantization. */
void ts_relu6_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p);
void ts_relu6_s16(const int16_t *TS_RESTRICT in, int16_t *TS_RESTRICT out, const ts_act_params *p);
/* LEAKY_RELU: x = in - in_zp; out = sat(out_zp + requant(x, x >= 0 ? mult,shift : alpha_mult,alpha_shift)). */
void ts_leaky_relu_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p);
void ts_leaky_relu_s16(const int16_t *TS_RESTRICT in, int16_t *TS_RESTRICT out, const ts_act_params *p);
/* LOGISTIC / TANH int8 (gemmlowp fixed point): mult/shift rescale x - in_zp to Q4.27. */
void ts_logistic_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p);
void ts_tanh_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_act_params *p);
/* A 256-entry table indexed by (uint8_t)x: any int8→int8 element-wise function (the generator
 * fills it by running one of the kernels above on every int8 value). */
void ts_lut_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const int8_t *TS_RESTRICT table,
               const ts_act_params *p);
void ts_relu_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p);
void ts_relu6_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p);
void ts_leaky_relu_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p);
void ts_logistic_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p);
void ts_tanh_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_act_params *p);

/* ---- softmax family: `rows` rows of `depth` contiguous elements ------------------------------ */

typedef struct {
    int32_t rows, depth;
    int32_t mult, left_shift;        /* input diff → Q5.26 (beta · input_scale) */
    int32_t diff_min;                /* diffs below are treated as -infinity */
    int32_t reverse_mult, reverse_shift; /* LOG_SOFTMAX int8: Q5.26 → input units */
    float beta;                      /* SOFTMAX float32 */
} ts_softmax_params;

/* int8 → int8 (output zero point -128, scale 1/256) and int8 → int16 (zero point -32768). The
 * exponentials are recomputed in the second pass instead of being stored (no scratch). */
void ts_softmax_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_softmax_params *p);
void ts_softmax_s8_s16(const int8_t *TS_RESTRICT in, int16_t *TS_RESTRICT out, const ts_softmax_params *p);
/* int8 → int8, output scale 16/256, zero point 127. */
void ts_log_softmax_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_softmax_params *p);
/* float32: in and out may be the same buffer (each element is read before it is written). */
void ts_softmax_f32(const float *in, float *out, const ts_softmax_params *p);
void ts_log_softmax_f32(const float *in, float *out, const ts_softmax_params *p);

#ifdef __cplusplus
}
#endif
#endif
