#pragma once
// The graph IR: plain C++ value types describing one .tflite model. No Qt, no FlatBuffers here;
// constant tensor data is a view into bytes the Model keeps alive.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ts {

// Element types; the numeric values are TFLite's TensorType values.
enum class DType : int8_t {
    Float32 = 0, Float16 = 1, Int32 = 2, UInt8 = 3, Int64 = 4, String = 5, Bool = 6, Int16 = 7,
    Complex64 = 8, Int8 = 9, Float64 = 10, Complex128 = 11, UInt64 = 12, Resource = 13,
    Variant = 14, UInt32 = 15, UInt16 = 16, Int4 = 17, BFloat16 = 18,
};
const char* dtypeName(DType t);          // "int8", "float32", ...
std::optional<DType> dtypeFromName(const std::string& name);
// Bytes per element, 0 where it has no fixed size (string, resource, variant, int4 is packed).
int dtypeSize(DType t);
// Bytes needed for `elements` elements (int4 packs two per byte); nullopt on overflow.
std::optional<int64_t> dtypeBytes(DType t, int64_t elements);

// Operator kinds; the numeric values are TFLite's BuiltinOperator codes, so every code can be held
// (named enumerators exist for the operators the studio knows by name).
enum class OpKind : int32_t {
    Add = 0, AveragePool2D = 1, Concatenation = 2, Conv2D = 3, DepthwiseConv2D = 4,
    Dequantize = 6, FullyConnected = 9, Logistic = 14, MaxPool2D = 17, Mul = 18, Relu = 19,
    Relu6 = 21, Reshape = 22, ResizeBilinear = 23, Softmax = 25, Svdf = 27, Tanh = 28,
    Custom = 32, Pad = 34, Transpose = 39, Mean = 40, Sub = 41, Div = 42, Squeeze = 43, StridedSlice = 45,
    LogSoftmax = 50, PadV2 = 60, Sum = 74, ReduceMax = 82, ResizeNearestNeighbor = 97,
    LeakyRelu = 98, Quantize = 114, HardSwish = 117,
};
// TFLite's upper-case name ("CONV_2D"), "UNKNOWN_<code>" outside the known table.
std::string opKindName(OpKind k);

enum class Activation : int8_t { None = 0, Relu = 1, ReluN1To1 = 2, Relu6 = 3, Tanh = 4, SignBit = 5 };
const char* activationName(Activation a);

enum class Padding : int8_t { Same = 0, Valid = 1 };

// Zero-point padding added around the input before the op's own SAME/VALID padding. TFLite has no
// such field: it is set only by the fold-PAD legalization pass (and such graphs are not exported).
struct ExplicitPad {
    int top = 0, bottom = 0, left = 0, right = 0;
    bool any() const { return top || bottom || left || right; }
    bool operator==(const ExplicitPad& o) const
    {
        return top == o.top && bottom == o.bottom && left == o.left && right == o.right;
    }
};

struct Conv2DOptions {
    Padding padding = Padding::Same;
    int strideW = 1, strideH = 1, dilationW = 1, dilationH = 1;
    Activation activation = Activation::None;
    ExplicitPad pad;
    bool operator==(const Conv2DOptions&) const;
};
struct DepthwiseConv2DOptions {
    Padding padding = Padding::Same;
    int strideW = 1, strideH = 1, depthMultiplier = 1, dilationW = 1, dilationH = 1;
    Activation activation = Activation::None;
    ExplicitPad pad;
    bool operator==(const DepthwiseConv2DOptions&) const;
};
struct Pool2DOptions {
    Padding padding = Padding::Same;
    int strideW = 1, strideH = 1, filterW = 1, filterH = 1;
    Activation activation = Activation::None;
    ExplicitPad pad; // set only by patch-based execution (not exported)
    bool operator==(const Pool2DOptions&) const;
};
struct FullyConnectedOptions {
    Activation activation = Activation::None;
    int8_t weightsFormat = 0; // 0 = default, 1 = shuffled 4x16 int8
    bool keepNumDims = false;
    bool asymmetricQuantizeInputs = false;
    bool operator==(const FullyConnectedOptions&) const;
};
struct SoftmaxOptions { float beta = 1.0f; bool operator==(const SoftmaxOptions&) const; };
struct ConcatenationOptions {
    int axis = 0;
    Activation activation = Activation::None;
    bool operator==(const ConcatenationOptions&) const;
};
// ADD, SUB, MUL and DIV: a fused activation (and, for ADD/SUB, the int16 power-of-two-scale flag).
struct ElementwiseOptions {
    Activation activation = Activation::None;
    bool potScaleInt16 = true;
    bool operator==(const ElementwiseOptions&) const;
};
struct ReshapeOptions { std::vector<int32_t> newShape; bool operator==(const ReshapeOptions&) const; };
struct ReducerOptions { bool keepDims = false; bool operator==(const ReducerOptions&) const; };
struct ResizeOptions {
    bool alignCorners = false, halfPixelCenters = false;
    bool operator==(const ResizeOptions&) const;
};
struct SqueezeOptions { std::vector<int32_t> squeezeDims; bool operator==(const SqueezeOptions&) const; };
struct StridedSliceOptions {
    int beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0;
    bool offset = false;
    bool operator==(const StridedSliceOptions&) const;
};
struct SvdfOptions {
    int rank = 0;
    Activation activation = Activation::None;
    bool asymmetricQuantizeInputs = false;
    bool operator==(const SvdfOptions&) const;
};
struct LeakyReluOptions { float alpha = 0.0f; bool operator==(const LeakyReluOptions&) const; };
// Options tables with no fields (PAD, TRANSPOSE, QUANTIZE, ...): remembered so that export writes
// the same union member back. `type` is the BuiltinOptions union type value.
struct EmptyOptions { uint8_t type = 0; bool operator==(const EmptyOptions&) const; };

using OpOptions = std::variant<std::monostate, Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions,
                               FullyConnectedOptions, SoftmaxOptions, ConcatenationOptions,
                               ElementwiseOptions, ReshapeOptions, ReducerOptions, ResizeOptions,
                               SqueezeOptions, StridedSliceOptions, SvdfOptions, LeakyReluOptions,
                               EmptyOptions>;

// The fused activation of an op whose options carry one, else Activation::None.
Activation fusedActivation(const OpOptions& options);

struct Quantization {
    std::vector<float> scale;
    std::vector<int64_t> zeroPoint;
    std::vector<float> min, max;
    int quantizedDimension = 0;

    bool empty() const { return scale.empty() && zeroPoint.empty() && min.empty() && max.empty(); }
    bool perChannel() const { return scale.size() > 1; }
    bool operator==(const Quantization&) const;
};

// A read-only view of bytes owned elsewhere (by Model::storage).
struct ByteView {
    const uint8_t* data = nullptr;
    size_t size = 0;
    bool empty() const { return size == 0; }
};

struct Tensor {
    std::string name;
    std::vector<int32_t> shape;
    std::vector<int32_t> shapeSignature; // -1 marks a dynamic dimension; empty when not stored
    DType dtype = DType::Float32;
    Quantization quant;
    ByteView data;           // constant data; empty for activations
    bool isVariable = false; // state kept across invocations (SVDF memory, ...)

    bool isConstant() const { return !data.empty(); }
    // Element count; nullopt if a dimension is negative or the product overflows int64.
    std::optional<int64_t> elementCount() const;
    // Bytes of one instance of the tensor (elements x element size); nullopt as above.
    std::optional<int64_t> byteSize() const;
};

struct Op {
    OpKind kind = OpKind::Custom;
    std::string customCode;          // for CUSTOM ops
    int version = 1;                 // operator version from the OperatorCode
    std::vector<int> inputs;         // tensor indices, -1 for an omitted optional input
    std::vector<int> outputs;
    std::vector<int> intermediates;
    OpOptions options;
    std::vector<uint8_t> customOptions; // raw custom options (FlexBuffers for most custom ops)
    // Why the op breaks its operand contract (model/operands.h), set by validateOperands() right
    // after import; empty for a valid op. Later stages refuse a graph holding an invalid op.
    std::string invalid;

    Activation activation() const { return fusedActivation(options); }
    int input(size_t i) const { return i < inputs.size() ? inputs[i] : -1; }
};

// One subgraph. Subgraph 0 of a model is what the studio schedules and runs.
struct Graph {
    std::string name;
    std::vector<Tensor> tensors;
    std::vector<Op> ops;
    std::vector<int> inputs, outputs;

    const Tensor* tensor(int index) const
    {
        return index >= 0 && size_t(index) < tensors.size() ? &tensors[size_t(index)] : nullptr;
    }
};

struct MetadataEntry {
    std::string name;
    ByteView data;
};

struct Model {
    std::string path;          // where it was read from (empty when built in memory)
    std::string sha256;        // of the file bytes, lower-case hex
    uint32_t schemaVersion = 3;
    std::string description;
    std::vector<Graph> subgraphs; // never empty after a successful import
    std::vector<MetadataEntry> metadata;
    // Keeps every ByteView above valid (the file bytes, or bytes a builder assembled).
    std::vector<std::shared_ptr<const std::vector<uint8_t>>> storage;

    const Graph& main() const { return subgraphs.front(); }
    Graph& main() { return subgraphs.front(); }
    const MetadataEntry* findMetadata(const std::string& name) const;
};

// Shape as "[1,96,96,3]".
std::string shapeString(const std::vector<int32_t>& shape);

// Structural equality of two models (tensors, data bytes, ops, options, inputs/outputs,
// metadata); fills `difference` with the first difference found.
bool sameGraph(const Model& a, const Model& b, std::string* difference = nullptr);

} // namespace ts
