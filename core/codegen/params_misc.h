#pragma once
// Kernel parameters of the shape, quantization and SVDF families (core/kernels/c/ts_shape.h,
// ts_quant.h, ts_svdf.h), computed from an EmitContext by one function per kernel. The emitters
// (emit_misc.cpp) print exactly these structs and the kernel tests (tst_ckernels_misc) call the C
// kernels with them. Each function checks what the reference kernel (core/reference/ops_shape.cpp,
// ops_dense.cpp) checks and sets *error (returning a zeroed struct) for an op its kernel cannot run.

#include "codegen/emit.h"

#include "ts_quant.h"
#include "ts_shape.h"
#include "ts_svdf.h"

#include <string>
#include <vector>

namespace ts::codegen {

// CONCATENATION: the kernel params and each input's chunk bytes (ts_concat's chunk_bytes).
struct ConcatParams {
    ts_concat_params p{};
    std::vector<int32_t> chunkBytes;
};
ConcatParams concatParams(const EmitContext& c, std::string* error);

// PAD / PADV2: the kernel params and the fill element. With fillFromInput, the fill element is
// read at run time from PADV2's non-constant input 2 (its first elem_size bytes); otherwise `fill`
// holds its elem_size bytes (the constant value, the output zero point, or zeros).
struct PadParams {
    ts_pad_params p{};
    std::vector<uint8_t> fill;
    bool fillFromInput = false;
};
PadParams padParams(const EmitContext& c, std::string* error);

// TRANSPOSE (ranks up to 6 after dropping unit dimensions and merging runs that stay together).
ts_transpose_params transposeParams(const EmitContext& c, std::string* error);

// RESIZE_NEAREST_NEIGHBOR: the kernel params and the source row / column of every output row /
// column (computed in float exactly as the reference does).
struct ResizeParams {
    ts_resize_nearest_params p{};
    std::vector<int32_t> srcY, srcX;
};
ResizeParams resizeNearestParams(const EmitContext& c, std::string* error);

// QUANTIZE / DEQUANTIZE: which kernel ("ts_quantize_f32_s8", "ts_requantize_s16_s8",
// "ts_dequantize_u8_f32", ...) and its params (`affine` for float boundaries, `requant` for
// integer to integer).
struct QuantizeParams {
    std::string kernel;
    bool integer = false; // true: ts_requantize_* with `requant`; false: `affine`
    ts_affine_params affine{};
    ts_requantize_params requant{};
};
QuantizeParams quantizeParams(const EmitContext& c, std::string* error);

// SVDF: "ts_svdf_s8_s16", "ts_svdf_s8_s8" (params s8) or "ts_svdf_f32" (params f32).
struct SvdfParams {
    std::string kernel;
    bool isFloat = false;
    ts_svdf_s8_params s8{};
    ts_svdf_f32_params f32{};
    int64_t scratchFilterBytes = 0, scratchUnitBytes = 0; // what the integer kernel uses of c.scratch
};
SvdfParams svdfParams(const EmitContext& c, std::string* error);

} // namespace ts::codegen
