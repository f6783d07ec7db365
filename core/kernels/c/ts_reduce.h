/* ts_reduce: MEAN and SUM over any set of axes (TFLite semantics, as
 * core/reference/ops_elementwise.cpp), int8, int16 and float32. No scratch: each output element
 * is produced in turn, its accumulator kept in a register.
 *
 * The code generator collapses the input dimensions into at most three kept loops (the output
 * order) and three reduced loops, each with the input element stride (a strided input window only
 * changes a stride). For output element (k0,k1,k2), in output order, the kernel sums
 * in[k0*keep_stride[0] + ... + r0*red_stride[0] + ...] over r0,r1,r2 in row-major order, i.e. in
 * increasing input address order, as the reference does.
 *
 * Integer: out = clamp(requant(sum - in_zp_count, mult, shift) + out_zp), sums wrapping in 32 bits;
 * for MEAN the 1/count factor is folded into mult/shift by the generator. Float: the float sum in
 * that order, divided by (float)count for MEAN. */
#ifndef TS_REDUCE_H
#define TS_REDUCE_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t keep_dims[3], keep_stride[3]; /* outermost first; 1/0 when unused */
    int32_t red_dims[3], red_stride[3];
    int32_t count;        /* input elements per output element (red_dims product) */
    int32_t in_zp_count;  /* (int32)(in_zp * count), wrapped */
    int32_t mult, shift;  /* integer requantization */
    int32_t out_zp;
    int32_t mean;         /* float32: 1 divides by count */
} ts_reduce_params;

void ts_reduce_s8(const int8_t *TS_RESTRICT in, int8_t *TS_RESTRICT out, const ts_reduce_params *p);
void ts_reduce_s16(const int16_t *TS_RESTRICT in, int16_t *TS_RESTRICT out, const ts_reduce_params *p);
void ts_reduce_f32(const float *TS_RESTRICT in, float *TS_RESTRICT out, const ts_reduce_params *p);

#ifdef __cplusplus
}
#endif
#endif
