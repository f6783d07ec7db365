#pragma once
// Kernel parameters of the convolution family (ts_conv, ts_depthwise, ts_pool): one function per
// kernel family computes, from the op as the generator hands it (EmitContext), the kernel's C
// parameter struct, which entry point runs it, and the constants in the layout the kernel reads.
// emit_conv.cpp prints exactly this; tests/tst_ckernels_conv.cpp calls the C kernels with it.
// Each returns nothing (and sets *error) for an op the kernels cannot run as given.

#include "codegen/emit.h"

#include "ts_conv.h"
#include "ts_depthwise.h"
#include "ts_pool.h"

#include <optional>
#include <string>
#include <vector>

namespace ts::codegen {

struct ConvPlan {
    enum class Variant {
        General,         // ts_conv_s8: im2col of 2 pixels in scratch (grouped: direct, no scratch)
        Pointwise,       // ts_conv_1x1_s8: 1×1 stride 1 unpadded, pixel-pair scratch, folded bias
        PointwiseInplace // ts_conv_1x1_s8_inplace: over its input, pixel-pair scratch, folded bias
    };
    Variant variant = Variant::General;
    const char* function = "ts_conv_s8";
    ts_conv_s8_params params{};
    std::vector<int8_t> filter;          // General: [out_c][k_h][k_w][filter_c], as TFLite; Pointwise*:
                                         // the TS_CONV_1X1 layout (ts_conv.h, pointwiseArrange)
    std::vector<int32_t> bias;           // General: the op's bias (empty: none); Pointwise*: folded
    std::vector<int32_t> multiplier, shift;
    int64_t scratchBytes = 0;            // scratch the kernel uses (≤ the planned c.scratch[0])
    bool backward = false;               // PointwiseInplace: pixels in decreasing address order
};
std::optional<ConvPlan> convPlan(const EmitContext& c, std::string* error);
// A TFLite 1×1 filter [out_c][in_c] in the 1×1 kernels' TS_CONV_1X1 layout (ts_conv.h).
std::vector<int8_t> pointwiseArrange(const std::vector<int8_t>& filter, int outC, int inC);

struct DepthwisePlan {
    const char* function = "ts_depthwise_s8"; // or _3x3/_5x5/_7x7, each with an _inplace variant
    bool inplace = false;
    ts_depthwise_s8_params params{};
    std::vector<int8_t> filter;              // channel-major [out_c][k_h][k_w]
    std::vector<int32_t> bias;               // empty: none
    std::vector<int32_t> multiplier, shift;
    int64_t scratchBytes = 0;                // in place: TS_DEPTHWISE_INPLACE_SCRATCH_BYTES
    // ts_depthwise_c1_s8 (one input channel, out of place): the filter as int16 pairs in the
    // kernel's layout (ts_depthwise.h) and the bias with input_offset·Σtaps folded in; `filter`
    // and `bias` above stay the op's, unused by that kernel.
    std::vector<int32_t> c1Filter, c1Bias;
};
// The ts_depthwise_c1_s8 arguments from a channel-major filter [out_c][kh][kw] and the op's bias
// (empty: none): words [kh][ceil(kw/4)][out_c][2] of int16 pairs, folded bias[out_c].
void depthwiseC1Arrange(const std::vector<int8_t>& filter, const std::vector<int32_t>& bias, int kh, int kw, int outC,
                        int32_t inputOffset, std::vector<int32_t>& words, std::vector<int32_t>& folded);
std::optional<DepthwisePlan> depthwisePlan(const EmitContext& c, std::string* error);

// float32 CONV_2D and DEPTHWISE_CONV_2D (direct kernels, no scratch, out of place only).
struct ConvF32Plan {
    ts_conv_f32_params params{};
    std::vector<float> filter; // [out_c][k_h][k_w][filter_c]
    std::vector<float> bias;   // empty: none
};
std::optional<ConvF32Plan> convF32Plan(const EmitContext& c, std::string* error);

struct DepthwiseF32Plan {
    ts_depthwise_f32_params params{};
    std::vector<float> filter; // TFLite's [k_h][k_w][out_c]
    std::vector<float> bias;   // empty: none
};
std::optional<DepthwiseF32Plan> depthwiseF32Plan(const EmitContext& c, std::string* error);

struct PoolPlan {
    const char* function = "ts_avgpool_s8"; // ts_{avg,max}pool_{s8,f32}
    bool isFloat = false;
    ts_pool_params params{};
};
std::optional<PoolPlan> poolPlan(const EmitContext& c, std::string* error);

} // namespace ts::codegen
