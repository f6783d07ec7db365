/* ts_depthwise: int8 DEPTHWISE_CONV_2D with per-channel requantization (TFLite semantics: the
 * reference kernel of core/reference/ops_conv.cpp, byte for byte).
 *
 * Layouts: input and output NHWC int8, windows addressed with a row pitch (bytes between rows).
 * The filter is re-laid CHANNEL-MAJOR by the code generator: int8 [out_c][k_h][k_w] (TFLite
 * stores [1][k_h][k_w][out_c]). Bias int32[out_c] or NULL; multiplier, shift int32[out_c].
 * Output channel oc reads input channel oc / depth_multiplier.
 *
 * The kernels run one output channel at a time over the whole map: the channel's taps, bias and
 * requantization stay in registers; pixels whose taps are all inside the input take an unpadded
 * inner loop (the input offset folded into a per-channel constant), the border ones a
 * bounds-checked loop (padding = zero point, i.e. skipped taps).
 *  - ts_depthwise_s8: any kernel size, stride, dilation and depth multiplier; no scratch.
 *  - ts_depthwise_{3x3,5x5,7x7}_s8: the same with the kernel size fixed at compile time (taps
 *    unrolled); k_h and k_w must be 3, 5 or 7 respectively.
 *  - ts_depthwise_s8_inplace (and _3x3/_5x5/_7x7): the output overlaps the input with
 *    delta = output - input ≡ 0 (mod C) (core/kernels/contracts.h). Channel by channel: input
 *    channel c is copied to `scratch`, then output channel c is computed from it. On small maps
 *    (TS_DEPTHWISE_PLANE_BYTES <= TS_DEPTHWISE_PLANE_MAX) the copy lands in a zero-point padded
 *    plane, the output's whole input window, so that every output pixel takes the unpadded inner
 *    loop; otherwise it is one unpadded input channel (in_h * in_w bytes) with the border
 *    bounds-checked. TS_DEPTHWISE_INPLACE_SCRATCH_BYTES is the larger of the two that applies.
 *    Depth multiplier 1, one batch, contiguous operands.
 *  - ts_depthwise_f32: float32, direct, in the reference's summation order (bit-identical without
 *    FP contraction); filter in TFLite's layout float[k_h][k_w][out_c]; pitches in bytes.
 */
#ifndef TS_DEPTHWISE_H
#define TS_DEPTHWISE_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t batches;                  /* N (windows and in-place: 1) */
    int32_t in_h, in_w, in_c;         /* input (window) shape */
    int32_t in_row_pitch;             /* bytes between input rows (in_w * in_c when contiguous) */
    int32_t out_h, out_w, out_c;      /* output (window) shape; out_c = in_c * depth_multiplier */
    int32_t out_row_pitch;            /* bytes between output rows (out_w * out_c when contiguous) */
    int32_t depth_multiplier;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left;        /* zero-point padding before the first row / column */
    int32_t input_offset;             /* -(input zero point) */
    int32_t output_offset;            /* output zero point */
    int32_t act_min, act_max;         /* fused activation clamp (quantized) */
} ts_depthwise_s8_params;

/* The in-place kernels' padded plane: rows and columns of the output's input window. */
#define TS_DEPTHWISE_PLANE_H(p) (((p)->out_h - 1) * (p)->stride_h + ((p)->k_h - 1) * (p)->dilation_h + 1)
#define TS_DEPTHWISE_PLANE_W(p) (((p)->out_w - 1) * (p)->stride_w + ((p)->k_w - 1) * (p)->dilation_w + 1)
#define TS_DEPTHWISE_PLANE_BYTES(p) ((int64_t)TS_DEPTHWISE_PLANE_H(p) * TS_DEPTHWISE_PLANE_W(p))
#define TS_DEPTHWISE_PLANE_MAX 256
#define TS_DEPTHWISE_CHANNEL_BYTES(p) ((int64_t)(p)->in_h * (p)->in_w)
#define TS_DEPTHWISE_INPLACE_SCRATCH_BYTES(p)                                                                     \
    (TS_DEPTHWISE_PLANE_BYTES(p) <= TS_DEPTHWISE_PLANE_MAX && TS_DEPTHWISE_PLANE_BYTES(p) > TS_DEPTHWISE_CHANNEL_BYTES(p) \
         ? TS_DEPTHWISE_PLANE_BYTES(p)                                                                            \
         : TS_DEPTHWISE_CHANNEL_BYTES(p))

#define TS_DEPTHWISE_DECLARE(name)                                                                         \
    void name(const ts_depthwise_s8_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias, \
              const int32_t *multiplier, const int32_t *shift, int8_t *output)
#define TS_DEPTHWISE_DECLARE_INPLACE(name)                                                                 \
    void name(const ts_depthwise_s8_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias, \
              const int32_t *multiplier, const int32_t *shift, int8_t *output, int8_t *scratch)

TS_DEPTHWISE_DECLARE(ts_depthwise_s8);
TS_DEPTHWISE_DECLARE(ts_depthwise_3x3_s8);
TS_DEPTHWISE_DECLARE(ts_depthwise_5x5_s8);
TS_DEPTHWISE_DECLARE(ts_depthwise_7x7_s8);
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_s8_inplace);
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_3x3_s8_inplace);
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_5x5_s8_inplace);
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_7x7_s8_inplace);

/* ts_depthwise_c1_s8: one input channel (in_c == 1, out_c == depth multiplier), dilation 1, any
 * stride, padding, batches and pitches; no scratch (a k_h * k_w4 byte patch on the stack,
 * k_w4 = k_w rounded up to a multiple of 4, at most TS_DEPTHWISE_C1_MAX_PATCH bytes; a larger
 * kernel writes nothing). Output channels run in groups of 4 over the whole map (each output
 * row is written in several passes); rows cut by the top/bottom padding fold the outside filter
 * rows into the starting accumulator, the left/right border pixels read a zero-point padded patch.
 * Arguments as the code generator arranges them (weights are constants):
 *  - filter: int32 words [k_h][k_w4 / 4][out_c][2]; word 0 of a (row fy, group g, channel c) holds
 *    the taps (fy, 4g) in bits 0..15 and (fy, 4g + 2) in bits 16..31, word 1 the taps 4g + 1 and
 *    4g + 3, each as int16 (two's complement); taps at columns >= k_w are 0;
 *  - bias: int32[out_c], NEVER NULL: bias[c] + input_offset * (sum of channel c's taps), wrapped
 *    to int32 (depthwisePlan in core/codegen/params_conv.h arranges both);
 *  - multiplier, shift: int32[out_c] as for ts_depthwise_s8. */
#define TS_DEPTHWISE_C1_MAX_PATCH 512
void ts_depthwise_c1_s8(const ts_depthwise_s8_params *p, const int8_t *input, const int32_t *filter,
                        const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int8_t *output);

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c, in_row_pitch;     /* in_row_pitch in bytes */
    int32_t out_h, out_w, out_c, out_row_pitch; /* out_row_pitch in bytes */
    int32_t depth_multiplier;
    int32_t k_h, k_w, stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_top, pad_left;
    float act_min, act_max;
} ts_depthwise_f32_params;

void ts_depthwise_f32(const ts_depthwise_f32_params *p, const float *input, const float *filter, const float *bias,
                      float *output);

#ifdef __cplusplus
}
#endif

#endif /* TS_DEPTHWISE_H */
