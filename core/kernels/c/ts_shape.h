/* ts_shape: data movement kernels (CONCATENATION, PAD, PADV2, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR).
 * They move whole elements of `elem_size` bytes and never look inside them, so one kernel serves
 * int8, uint8, int16, int32 and float32. No arithmetic on values, no floating point. Operands are
 * contiguous; input and output never overlap (restrict).
 *
 * Semantics are TFLite's (core/reference/ops_shape.cpp): the C++ side (codegen/params_misc.h)
 * normalizes shapes (merges dimensions, folds the element size in where it can) and precomputes
 * what needs floating point (the nearest-neighbour source indices). */
#ifndef TS_SHAPE_H
#define TS_SHAPE_H
#include "ts_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_SHAPE_MAX_RANK 6

/* CONCATENATION: a copy, as TFLite Micro's (and the reference's) kernel: int8/uint8 inputs whose
 * scale or zero point differ from the output's are refused by the emitter, never requantized.
 * The output is `outer` repetitions of [input 0 chunk][input 1 chunk]...; input k's
 * chunk b (of chunk_bytes[k] bytes) starts at inputs[k] + b * chunk_bytes[k]. */
typedef struct {
    int32_t outer; /* product of the output dimensions before the axis */
    int32_t count; /* number of inputs (length of `inputs` and `chunk_bytes`) */
} ts_concat_params;
void ts_concat(const ts_concat_params *p, const uint8_t *const *inputs, const int32_t *chunk_bytes,
               uint8_t *TS_RESTRICT output);

/* PAD / PADV2 over up to 6 dimensions (leading dimensions of size 1 unused). Every output element
 * is written exactly once: padding positions get the `elem_size`-byte pattern `fill`. */
typedef struct {
    int32_t elem_size;                   /* bytes per element */
    int32_t in_shape[TS_SHAPE_MAX_RANK]; /* input dimensions, outermost first */
    int32_t before[TS_SHAPE_MAX_RANK];   /* padding before each dimension (>= 0) */
    int32_t after[TS_SHAPE_MAX_RANK];    /* padding after each dimension (>= 0) */
} ts_pad_params;
void ts_pad(const ts_pad_params *p, const uint8_t *TS_RESTRICT input, const uint8_t *fill,
            uint8_t *TS_RESTRICT output);

/* TRANSPOSE: output element at index (i0..i5) of out_shape comes from input element
 * sum(i_d * in_stride[d]) (strides in elements). The innermost dimension is copied in one block
 * when its stride is 1. */
typedef struct {
    int32_t elem_size;
    int32_t out_shape[TS_SHAPE_MAX_RANK]; /* output dimensions, outermost first */
    int32_t in_stride[TS_SHAPE_MAX_RANK]; /* input stride (elements) of each output dimension */
} ts_transpose_params;
void ts_transpose(const ts_transpose_params *p, const uint8_t *TS_RESTRICT input, uint8_t *TS_RESTRICT output);

/* RESIZE_NEAREST_NEIGHBOR on NHWC: output pixel (b, y, x) copies input pixel (b, src_y[y], src_x[x])
 * (pixel_bytes = channels * element size). The source tables come from the C++ side, computed in
 * float exactly as TFLite (align_corners, half_pixel_centers). */
typedef struct {
    int32_t batches;
    int32_t in_h, in_w;
    int32_t out_h, out_w;
    int32_t pixel_bytes;
} ts_resize_nearest_params;
void ts_resize_nearest(const ts_resize_nearest_params *p, const int32_t *src_y, const int32_t *src_x,
                       const uint8_t *TS_RESTRICT input, uint8_t *TS_RESTRICT output);

#ifdef __cplusplus
}
#endif

#endif /* TS_SHAPE_H */
