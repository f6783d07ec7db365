/* ts_conv: int8 CONV_2D with per-output-channel requantization (TFLite semantics: the reference
 * kernel of core/reference/ops_conv.cpp, byte for byte).
 *
 * Layouts: input and output NHWC int8; a [1,h,w,c] window of a larger stored map is addressed
 * with a row pitch (bytes between consecutive rows), so a patch can read its input window in
 * place and write its output tile straight into the stitched map. The filter is TFLite's
 * [out_c][k_h][k_w][filter_c] int8; bias int32[out_c] (or NULL); multiplier and shift
 * int32[out_c] (TFLite QuantizeMultiplier pairs: x * multiplier * 2^(shift - 31)).
 *
 * Kernels:
 *  - ts_conv_s8: any kernel size, stride, dilation, zero-point padding, grouped (filter_c < in_c).
 *    Two output pixels at a time through an im2col scratch of 2 * k_h * k_w * filter_c int16
 *    (TS_CONV_S8_SCRATCH_BYTES; 2-byte aligned), the input offset added while widening so padded
 *    taps are 0. Grouped convolutions (filter_c != in_c) take a direct path and no scratch.
 *  - ts_conv_1x1_s8: 1x1, stride 1, unpadded, ungrouped. The input offset term is folded into the
 *    bias by the code generator (bias[oc] += input_offset * sum(filter[oc])), so the kernel's bias
 *    is mandatory and input_offset is not read. The filter comes in the TS_CONV_1X1 layout
 *    (below). Two pixels at a time, widened once to int16 in `scratch` and reused by every output
 *    channel: TS_CONV_1X1_SCRATCH_BYTES (4 * in_c; 2 * in_c when there is only one pixel),
 *    4-byte aligned.
 *  - ts_conv_1x1_s8_inplace: the same op with the output overlapping the input
 *    (core/kernels/contracts.h): pixel pairs forward or backward; each pair's input is widened
 *    into `scratch` (as above) before any of its output bytes is stored. Contiguous operands only.
 *
 * TS_CONV_1X1 filter layout (TS_CONV_1X1_FILTER_BYTES): output channels in pairs; pair k
 * (channels 2k, 2k + 1) is a block of TS_CONV_1X1_BLOCK(in_c) bytes: the two rows interleaved
 * in 4-byte chunks (row 2k bytes 4j..4j+3, then row 2k + 1 bytes 4j..4j+3, for j < in_c / 4),
 * then the in_c % 4 tail bytes of row 2k, those of row 2k + 1, and zero padding to a multiple
 * of 4 bytes. An odd last channel's row follows as is. (core/codegen/params_conv.h arranges it.)
 *  - ts_conv_f32: float32, direct (no scratch), summed in the reference's order (taps row by row,
 *    channels innermost, then the bias), so the result is bit-identical without FP contraction
 *    (ISO C: -std=c99 keeps -ffp-contract=off). Row pitches in bytes.
 */
#ifndef TS_CONV_H
#define TS_CONV_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t batches;                  /* N of input and output (windows: 1) */
    int32_t in_h, in_w, in_c;         /* input (window) shape */
    int32_t in_row_pitch;             /* bytes between input rows (in_w * in_c when contiguous) */
    int32_t out_h, out_w, out_c;      /* output (window) shape */
    int32_t out_row_pitch;            /* bytes between output rows (out_w * out_c when contiguous) */
    int32_t filter_c;                 /* input channels per group (in_c for an ungrouped conv) */
    int32_t k_h, k_w;                 /* kernel size */
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left;        /* zero-point padding before the first row / column */
    int32_t input_offset;             /* -(input zero point) */
    int32_t output_offset;            /* output zero point */
    int32_t act_min, act_max;         /* fused activation clamp (quantized) */
} ts_conv_s8_params;

/* Scratch of ts_conv_s8 in bytes (0 for grouped convolutions). */
#define TS_CONV_S8_SCRATCH_BYTES(p) \
    ((p)->filter_c == (p)->in_c ? (int32_t)(2 * (p)->k_h * (p)->k_w * (p)->filter_c * 2) : 0)

void ts_conv_s8(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                const int32_t *multiplier, const int32_t *shift, int8_t *output, int16_t *scratch);

/* The 1x1 kernels: bytes of one pair block of the filter, of the arranged filter, of scratch. */
#define TS_CONV_1X1_BLOCK(in_c) ((int32_t)(((in_c) * 2 + 3) & ~3))
#define TS_CONV_1X1_FILTER_BYTES(in_c, out_c) \
    ((int64_t)((out_c) / 2) * TS_CONV_1X1_BLOCK(in_c) + ((out_c) % 2) * (int64_t)(in_c))
#define TS_CONV_1X1_SCRATCH_BYTES(pixels, in_c) ((int32_t)((pixels) >= 2 ? 4 * (in_c) : 2 * (in_c)))

void ts_conv_1x1_s8(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                    const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift, int8_t *output,
                    int16_t *scratch);

/* backward: 0 walks pixels forward (increasing addresses), 1 backward. */
void ts_conv_1x1_s8_inplace(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output, int16_t *scratch, int32_t backward);

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c, in_row_pitch;     /* in_row_pitch in bytes */
    int32_t out_h, out_w, out_c, out_row_pitch; /* out_row_pitch in bytes */
    int32_t filter_c, k_h, k_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_top, pad_left;
    float act_min, act_max;                     /* fused activation clamp */
} ts_conv_f32_params;

/* filter float[out_c][k_h][k_w][filter_c], bias float[out_c] or NULL. */
void ts_conv_f32(const ts_conv_f32_params *p, const float *input, const float *filter, const float *bias,
                 float *output);

#ifdef __cplusplus
}
#endif

#endif /* TS_CONV_H */
