#pragma once
// Parameters of the dense / element-wise / reduction / activation C kernels (core/kernels/c/ts_fc.h,
// ts_elementwise.h, ts_reduce.h, ts_activation.h), computed from an EmitContext exactly as the
// reference interpreter (core/reference/ops_dense.cpp, ops_elementwise.cpp, ops_activation.cpp)
// derives its multipliers. The emitters print these structs; the kernel tests call the C kernels
// with them. Each function returns false (or an empty optional) with `error` set when the kernel
// cannot run the op as given.

#include "codegen/emit.h"

#include "ts_activation.h"
#include "ts_elementwise.h"
#include "ts_fc.h"
#include "ts_reduce.h"

#include <optional>
#include <string>
#include <vector>

namespace ts::codegen {

// FULLY_CONNECTED int8: the params, the folded bias (always out_depth values) and, for per-channel
// weights, per-unit multipliers and shifts (empty for per-tensor: p.multiplier / p.shift).
struct FcS8Params {
    ts_fc_s8_params p{};
    std::vector<int32_t> bias, multipliers, shifts;
};
std::optional<FcS8Params> fcS8Params(const EmitContext& c, std::string* error);

// FULLY_CONNECTED int16 (16x8): bias words as the kernel reads them (empty: no bias).
struct FcS16Params {
    ts_fc_s16_params p{};
    std::vector<int32_t> bias;
};
std::optional<FcS16Params> fcS16Params(const EmitContext& c, std::string* error);

std::optional<ts_fc_f32_params> fcF32Params(const EmitContext& c, std::string* error);

// ADD, SUB, MUL (any supported dtype): the broadcast walk over the operands' shapes and row
// pitches, and the quantized/float parameters.
std::optional<ts_elementwise_params> elementwiseParams(const EmitContext& c, std::string* error);

// MEAN, SUM (the axis input must be constant).
std::optional<ts_reduce_params> reduceParams(const EmitContext& c, std::string* error);

// RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH (element-wise; strided windows as rows).
std::optional<ts_act_params> activationParams(const EmitContext& c, std::string* error);
// The 256-entry table ts_lut_s8 uses for an int8 LOGISTIC, TANH, RELU or LEAKY_RELU (the emitter
// uses it for those; RELU6 stays a clamp) with parameters `p` (entry i is
// the kernel's output for the int8 value (int8_t)i).
std::vector<int8_t> activationTableS8(OpKind kind, const ts_act_params& p);

// SOFTMAX, LOG_SOFTMAX.
std::optional<ts_softmax_params> softmaxParams(const EmitContext& c, std::string* error);

} // namespace ts::codegen
