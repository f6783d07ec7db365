#pragma once
// The per-op emitters of the code generator. The generator (generator.cpp) decides where every
// operand lives (the plan's offsets, patch windows, in-place placements, scratch) and hands each op
// to the emitter of its kernel family as an EmitContext; the emitter checks that its kernel can run
// the op as given (else an error naming the op), puts the constants it needs in the ConstPool in
// the layout its kernel wants, and returns the C statements of the call.
//
// Kernel parameters are computed by one C++ function per kernel (params_*.h), which returns the
// kernel's own C parameter struct: the emitter prints that struct and the kernel tests call the C
// kernel with it, so the tests exercise exactly what generated code runs.

#include "common/diagnostic.h"
#include "kernels/contracts.h"
#include "model/graph.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ts::codegen {

// One non-constant operand as the kernel sees it. The arena pointer in generated code is
// `uint8_t *const ts_a` (absolute offsets); `ptr` is the C expression of the operand's first byte,
// e.g. "(ts_a + 1024)". A window of a larger stored map (patch-based stage 1) has `rowPitch` =
// bytes between consecutive rows (H dimension of a [1,h,w,c] view); 0 when the operand is contiguous.
struct Operand {
    int tensor = -1;             // tensor index in EmitContext::g, -1 for an absent optional input
    const Tensor* info = nullptr; // dtype, quantization, constant data (nullptr when absent)
    std::vector<int32_t> shape;  // the shape the op sees (a window's [1,h,w,c]); == info->shape otherwise
    std::string ptr;             // C expression (uint8_t *) for a non-constant operand; empty for a constant
    int64_t offset = -1;         // absolute arena byte offset of the first byte, -1 when not in the arena
    int64_t rowPitch = 0;        // bytes between rows of a [1,h,w,c] window, 0 when contiguous
    bool present() const { return info != nullptr; }
    bool constant() const { return info && info->isConstant(); }
    bool strided() const;        // rowPitch != 0 and != w·c·elementSize
    // "((int8_t *)(ts_a + 1024))": the pointer cast to `ctype *` (const-qualified if asked).
    std::string as(const char* ctype, bool isConst = false) const;
};

// One scratch part planned for the step (kernels/scratch.h KernelScratch::parts, or the in-place
// kernel's scratch): its C pointer expression and its size in bytes.
struct ScratchPart {
    std::string ptr; // "(ts_a + 4096)"
    int64_t bytes = 0;
};

class ConstPool;

struct EmitContext {
    const Graph* g = nullptr; // the graph the op belongs to (tensor dtypes, quantization, constants)
    const Op* op = nullptr;   // the op as it runs: a patch op has VALID + explicit border padding
    int opIndex = -1;         // index of the op in the legal graph (stable across patches)
    std::string opLabel;      // "op 12 CONV_2D 'name'" for messages (not escaped: never put in C)
    std::vector<Operand> inputs; // one per op input (absent ones have info == nullptr)
    std::vector<Operand> outputs;
    // In place: the output is written over input `inplaceOperand` (kernels/contracts.h), in `order`.
    InplaceKind inplace = InplaceKind::None;
    IterationOrder order = IterationOrder::Forward;
    int inplaceOperand = -1;
    std::vector<ScratchPart> scratch; // as planned, in KernelScratch::parts order (one part when parts is empty)
    ConstPool* pool = nullptr;
};

struct Emitted {
    std::vector<std::string> lines; // C statements, no trailing newline; may open/close their own block
    std::set<std::string> kernels;  // kernel files used, without extension: "ts_conv" → ts_conv.h/.c
};

// Constant arrays for <name>_weights.c. Arrays are deduplicated by `key` (an emitter uses e.g.
// "op12.filter" so that the patches of one op share their weights). The returned identifier is
// declared `extern const` in the private header the model source includes; arrays are aligned to
// at least `align` bytes.
class ConstPool {
public:
    std::string addI8(const std::string& key, const std::string& hint, const std::vector<int8_t>& v, int align = 4);
    std::string addI16(const std::string& key, const std::string& hint, const std::vector<int16_t>& v, int align = 4);
    std::string addI32(const std::string& key, const std::string& hint, const std::vector<int32_t>& v, int align = 4);
    std::string addU8(const std::string& key, const std::string& hint, const std::vector<uint8_t>& v, int align = 4);
    std::string addF32(const std::string& key, const std::string& hint, const std::vector<float>& v, int align = 4);

    struct Array {
        std::string name, ctype; // "w_op12_filter", "int8_t"
        std::vector<std::string> values; // C literals
        int64_t bytes = 0;
        int align = 4;
        std::string comment;     // what it holds (escaped when written)
    };
    const std::vector<Array>& arrays() const { return m_arrays; }
    int64_t bytes() const;
    std::string prefix = "ts_w_"; // identifiers: prefix + sanitized hint

private:
    std::string add(const std::string& key, const std::string& hint, const char* ctype, std::vector<std::string> values,
                    int64_t bytes, int align);
    std::vector<Array> m_arrays;
    std::map<std::string, std::string> m_byKey;
    std::set<std::string> m_used;
};

// The emitters, by kernel family. Each returns an error (Diagnostics with the op label) for an op
// its kernels cannot run as given. Ops: see each kernel header in core/kernels/c/.
Result<Emitted> emitConv(const EmitContext& c);        // CONV_2D (ts_conv)
Result<Emitted> emitDepthwise(const EmitContext& c);   // DEPTHWISE_CONV_2D (ts_depthwise)
Result<Emitted> emitPool(const EmitContext& c);        // AVERAGE_POOL_2D, MAX_POOL_2D (ts_pool)
Result<Emitted> emitFullyConnected(const EmitContext& c); // FULLY_CONNECTED (ts_fc)
Result<Emitted> emitElementwise(const EmitContext& c); // ADD, SUB, MUL (ts_elementwise)
Result<Emitted> emitReduce(const EmitContext& c);      // MEAN, SUM (ts_reduce)
Result<Emitted> emitActivation(const EmitContext& c);  // SOFTMAX, LOG_SOFTMAX, LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU (ts_activation)
Result<Emitted> emitShape(const EmitContext& c);       // CONCATENATION, PAD, PADV2, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR (ts_shape)
Result<Emitted> emitQuantize(const EmitContext& c);    // QUANTIZE, DEQUANTIZE (ts_quant)
Result<Emitted> emitSvdf(const EmitContext& c);        // SVDF (ts_svdf)

// Dispatch by op kind; RESHAPE/SQUEEZE never get here (aliases, no code). Error for a kind with no kernel.
Result<Emitted> emitOp(const EmitContext& c);

// Helpers for emitters.
Result<Emitted> emitError(const EmitContext& c, const std::string& message); // "op 3 CONV_2D 'x': message"
std::string cInt(int64_t v);   // "-5", "INT32_MIN" safe spelling of an int literal
std::string cFloat(float v);   // exact round-trip float literal ("0x1.8p-3f" style hex, or "INFINITY")
// Per-output-channel requantization of a convolution / fully-connected op (TFLite's
// input_scale · filter_scale[c] / output_scale, as the reference computes it).
bool perChannelMultipliers(const Tensor& in, const Tensor& filter, const Tensor& out, int channels,
                           std::vector<int32_t>& mult, std::vector<int32_t>& shift, std::string& error);
// Fused activation clamp range for a quantized output.
void activationClamp(Activation a, const Tensor& out, int32_t* lo, int32_t* hi);
// Constant data of a tensor as a typed vector (empty when absent).
std::vector<int8_t> constI8(const Tensor& t);
std::vector<int32_t> constI32(const Tensor& t);
std::vector<float> constF32(const Tensor& t);
std::vector<int16_t> constI16(const Tensor& t);

} // namespace ts::codegen
