/* ts_elementwise: ADD, SUB, MUL with TFLite broadcasting (TFLite semantics, as
 * core/reference/ops_elementwise.cpp), int8, int16, int32 and float32.
 *
 * Iteration: the code generator collapses the (right-aligned, up to 6-D) broadcast into at most
 * five outer loops and one inner run. Element (i0..i4, j) reads a[sum_d i_d*a_stride[d] + j*a_step],
 * b[... b_stride ... b_step] and writes out[sum_d i_d*o_stride[d] + j]. Strides are in elements;
 * a stride of 0 broadcasts; a strided window (patch stage) is just a larger stride of its row dim.
 *
 * In place: `out` may equal `a` or `b` (same layout): every element is read before it is written
 * and nothing else is read afterwards, so the pointers are not restrict-qualified. */
#ifndef TS_ELEMENTWISE_H
#define TS_ELEMENTWISE_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_EW_OUTER 5

typedef struct {
    int32_t dims[TS_EW_OUTER];     /* outer loop counts, outermost first (1 when unused) */
    int32_t a_stride[TS_EW_OUTER]; /* element strides of the outer loops per operand */
    int32_t b_stride[TS_EW_OUTER];
    int32_t o_stride[TS_EW_OUTER];
    int32_t inner;                 /* elements of the inner run */
    int32_t a_step, b_step;        /* inner element step of each input: 1, or 0 (broadcast) */
    /* int8/int16 ADD and SUB: x' = requant_lt1((x + offset) << left_shift, mult, shift) per input,
     * out = requant_lt1(a' +/- b', out_mult, out_shift) + out_offset.
     * int8/int16 MUL: out = requant((a + a_offset) * (b + b_offset), out_mult, out_shift) + out_offset. */
    int32_t a_offset, b_offset, out_offset; /* -zp(a), -zp(b), +zp(out) */
    int32_t left_shift;
    int32_t a_mult, a_shift, b_mult, b_shift;
    int32_t out_mult, out_shift;
    int32_t act_min, act_max;      /* int8/int16/int32 clamp (int32 ADD: INT32_MIN..INT32_MAX) */
    float act_min_f, act_max_f;    /* float32 clamp (-INFINITY..INFINITY for none) */
} ts_elementwise_params;

void ts_add_s8(const int8_t *a, const int8_t *b, int8_t *out, const ts_elementwise_params *p);
void ts_sub_s8(const int8_t *a, const int8_t *b, int8_t *out, const ts_elementwise_params *p);
void ts_mul_s8(const int8_t *a, const int8_t *b, int8_t *out, const ts_elementwise_params *p);
void ts_add_s16(const int16_t *a, const int16_t *b, int16_t *out, const ts_elementwise_params *p);
void ts_sub_s16(const int16_t *a, const int16_t *b, int16_t *out, const ts_elementwise_params *p);
void ts_mul_s16(const int16_t *a, const int16_t *b, int16_t *out, const ts_elementwise_params *p);
/* int32: wrapping arithmetic, clamped to [act_min, act_max]. */
void ts_add_s32(const int32_t *a, const int32_t *b, int32_t *out, const ts_elementwise_params *p);
void ts_sub_s32(const int32_t *a, const int32_t *b, int32_t *out, const ts_elementwise_params *p);
void ts_mul_s32(const int32_t *a, const int32_t *b, int32_t *out, const ts_elementwise_params *p);
void ts_add_f32(const float *a, const float *b, float *out, const ts_elementwise_params *p);
void ts_sub_f32(const float *a, const float *b, float *out, const ts_elementwise_params *p);
void ts_mul_f32(const float *a, const float *b, float *out, const ts_elementwise_params *p);

#ifdef __cplusplus
}
#endif
#endif
