#include "model/tflite_options.h"

namespace ts {

namespace {
Padding padding(tflite::Padding p) { return p == tflite::Padding::VALID ? Padding::Valid : Padding::Same; }
tflite::Padding padding(Padding p) { return p == Padding::Valid ? tflite::Padding::VALID : tflite::Padding::SAME; }
Activation act(tflite::ActivationFunctionType a) { return static_cast<Activation>(a); }
tflite::ActivationFunctionType act(Activation a) { return static_cast<tflite::ActivationFunctionType>(a); }

std::vector<int32_t> ints(const flatbuffers::Vector<int32_t>* v)
{
    return v ? std::vector<int32_t>(v->begin(), v->end()) : std::vector<int32_t>{};
}

// Union members that carry no fields at all in the official schema: kept as EmptyOptions.
bool isFieldless(tflite::BuiltinOptions t)
{
    using B = tflite::BuiltinOptions;
    switch (t) {
    case B::PadOptions: case B::PadV2Options: case B::TransposeOptions: case B::QuantizeOptions:
    case B::DequantizeOptions: case B::LogSoftmaxOptions: case B::HardSwishOptions:
    case B::ExpOptions: case B::NegOptions: case B::MaximumMinimumOptions: case B::SelectOptions:
    case B::SliceOptions: case B::TileOptions: case B::ExpandDimsOptions: case B::EqualOptions:
    case B::NotEqualOptions: case B::PowOptions: case B::LogicalOrOptions: case B::LogicalAndOptions:
    case B::LogicalNotOptions: case B::FloorDivOptions: case B::SquareOptions: case B::ZerosLikeOptions:
    case B::FillOptions: case B::FloorModOptions: case B::RangeOptions: case B::AbsOptions:
    case B::SquaredDifferenceOptions: case B::CosOptions: case B::WhereOptions: case B::RankOptions:
    case B::LessOptions: case B::GreaterOptions: case B::GreaterEqualOptions: case B::LessEqualOptions:
        return true;
    default:
        return false;
    }
}
} // namespace

OpOptions readOptions(const tflite::Operator& op, bool* unmodeled)
{
    using B = tflite::BuiltinOptions;
    if (unmodeled)
        *unmodeled = false;
    const B type = op.builtin_options_type();
    if (type == B::NONE || !op.builtin_options())
        return std::monostate{};
    switch (type) {
    case B::Conv2DOptions: {
        const auto* o = op.builtin_options_as_Conv2DOptions();
        Conv2DOptions r;
        r.padding = padding(o->padding());
        r.strideW = o->stride_w();
        r.strideH = o->stride_h();
        r.dilationW = o->dilation_w_factor();
        r.dilationH = o->dilation_h_factor();
        r.activation = act(o->fused_activation_function());
        return r;
    }
    case B::DepthwiseConv2DOptions: {
        const auto* o = op.builtin_options_as_DepthwiseConv2DOptions();
        DepthwiseConv2DOptions r;
        r.padding = padding(o->padding());
        r.strideW = o->stride_w();
        r.strideH = o->stride_h();
        r.depthMultiplier = o->depth_multiplier();
        r.dilationW = o->dilation_w_factor();
        r.dilationH = o->dilation_h_factor();
        r.activation = act(o->fused_activation_function());
        return r;
    }
    case B::Pool2DOptions: {
        const auto* o = op.builtin_options_as_Pool2DOptions();
        Pool2DOptions r;
        r.padding = padding(o->padding());
        r.strideW = o->stride_w();
        r.strideH = o->stride_h();
        r.filterW = o->filter_width();
        r.filterH = o->filter_height();
        r.activation = act(o->fused_activation_function());
        return r;
    }
    case B::FullyConnectedOptions: {
        const auto* o = op.builtin_options_as_FullyConnectedOptions();
        FullyConnectedOptions r;
        r.activation = act(o->fused_activation_function());
        r.weightsFormat = static_cast<int8_t>(o->weights_format());
        r.keepNumDims = o->keep_num_dims();
        r.asymmetricQuantizeInputs = o->asymmetric_quantize_inputs();
        return r;
    }
    case B::SoftmaxOptions: {
        SoftmaxOptions r;
        r.beta = op.builtin_options_as_SoftmaxOptions()->beta();
        return r;
    }
    case B::ConcatenationOptions: {
        const auto* o = op.builtin_options_as_ConcatenationOptions();
        ConcatenationOptions r;
        r.axis = o->axis();
        r.activation = act(o->fused_activation_function());
        return r;
    }
    case B::AddOptions: {
        const auto* o = op.builtin_options_as_AddOptions();
        return ElementwiseOptions{act(o->fused_activation_function()), o->pot_scale_int16()};
    }
    case B::SubOptions: {
        const auto* o = op.builtin_options_as_SubOptions();
        return ElementwiseOptions{act(o->fused_activation_function()), o->pot_scale_int16()};
    }
    case B::DivOptions:
        return ElementwiseOptions{act(op.builtin_options_as_DivOptions()->fused_activation_function()), true};
    case B::MulOptions: {
        const auto* o = op.builtin_options_as_MulOptions();
        return ElementwiseOptions{act(o->fused_activation_function()), true};
    }
    case B::ReshapeOptions: {
        ReshapeOptions r;
        r.newShape = ints(op.builtin_options_as_ReshapeOptions()->new_shape());
        return r;
    }
    case B::ReducerOptions: {
        ReducerOptions r;
        r.keepDims = op.builtin_options_as_ReducerOptions()->keep_dims();
        return r;
    }
    case B::ResizeNearestNeighborOptions: {
        const auto* o = op.builtin_options_as_ResizeNearestNeighborOptions();
        return ResizeOptions{o->align_corners(), o->half_pixel_centers()};
    }
    case B::ResizeBilinearOptions: {
        const auto* o = op.builtin_options_as_ResizeBilinearOptions();
        return ResizeOptions{o->align_corners(), o->half_pixel_centers()};
    }
    case B::SqueezeOptions: {
        SqueezeOptions r;
        r.squeezeDims = ints(op.builtin_options_as_SqueezeOptions()->squeeze_dims());
        return r;
    }
    case B::StridedSliceOptions: {
        const auto* o = op.builtin_options_as_StridedSliceOptions();
        StridedSliceOptions r;
        r.beginMask = o->begin_mask();
        r.endMask = o->end_mask();
        r.ellipsisMask = o->ellipsis_mask();
        r.newAxisMask = o->new_axis_mask();
        r.shrinkAxisMask = o->shrink_axis_mask();
        r.offset = o->offset();
        return r;
    }
    case B::SVDFOptions: {
        const auto* o = op.builtin_options_as_SVDFOptions();
        SvdfOptions r;
        r.rank = o->rank();
        r.activation = act(o->fused_activation_function());
        r.asymmetricQuantizeInputs = o->asymmetric_quantize_inputs();
        return r;
    }
    case B::LeakyReluOptions: {
        LeakyReluOptions r;
        r.alpha = op.builtin_options_as_LeakyReluOptions()->alpha();
        return r;
    }
    default:
        if (isFieldless(type))
            return EmptyOptions{static_cast<uint8_t>(type)};
        if (unmodeled)
            *unmodeled = true;
        return std::monostate{};
    }
}

std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>> writeOptions(flatbuffers::FlatBufferBuilder& fbb,
                                                                         OpKind kind, const OpOptions& options)
{
    using B = tflite::BuiltinOptions;
    using R = std::pair<B, flatbuffers::Offset<void>>;
    struct Writer {
        flatbuffers::FlatBufferBuilder& fbb;
        OpKind kind;
        R operator()(const std::monostate&) const { return {B::NONE, 0}; }
        R operator()(const Conv2DOptions& o) const
        {
            return {B::Conv2DOptions,
                    tflite::CreateConv2DOptions(fbb, padding(o.padding), o.strideW, o.strideH, act(o.activation),
                                                o.dilationW, o.dilationH).Union()};
        }
        R operator()(const DepthwiseConv2DOptions& o) const
        {
            return {B::DepthwiseConv2DOptions,
                    tflite::CreateDepthwiseConv2DOptions(fbb, padding(o.padding), o.strideW, o.strideH,
                                                         o.depthMultiplier, act(o.activation), o.dilationW,
                                                         o.dilationH).Union()};
        }
        R operator()(const Pool2DOptions& o) const
        {
            return {B::Pool2DOptions,
                    tflite::CreatePool2DOptions(fbb, padding(o.padding), o.strideW, o.strideH, o.filterW,
                                                o.filterH, act(o.activation)).Union()};
        }
        R operator()(const FullyConnectedOptions& o) const
        {
            return {B::FullyConnectedOptions,
                    tflite::CreateFullyConnectedOptions(
                        fbb, act(o.activation), static_cast<tflite::FullyConnectedOptionsWeightsFormat>(o.weightsFormat),
                        o.keepNumDims, o.asymmetricQuantizeInputs).Union()};
        }
        R operator()(const SoftmaxOptions& o) const
        {
            return {B::SoftmaxOptions, tflite::CreateSoftmaxOptions(fbb, o.beta).Union()};
        }
        R operator()(const ConcatenationOptions& o) const
        {
            return {B::ConcatenationOptions,
                    tflite::CreateConcatenationOptions(fbb, o.axis, act(o.activation)).Union()};
        }
        R operator()(const ElementwiseOptions& o) const
        {
            if (kind == OpKind::Sub)
                return {B::SubOptions, tflite::CreateSubOptions(fbb, act(o.activation), o.potScaleInt16).Union()};
            if (kind == OpKind::Div)
                return {B::DivOptions, tflite::CreateDivOptions(fbb, act(o.activation)).Union()};
            if (kind == OpKind::Mul)
                return {B::MulOptions, tflite::CreateMulOptions(fbb, act(o.activation)).Union()};
            return {B::AddOptions, tflite::CreateAddOptions(fbb, act(o.activation), o.potScaleInt16).Union()};
        }
        R operator()(const ReshapeOptions& o) const
        {
            return {B::ReshapeOptions, tflite::CreateReshapeOptions(fbb, fbb.CreateVector(o.newShape)).Union()};
        }
        R operator()(const ReducerOptions& o) const
        {
            return {B::ReducerOptions, tflite::CreateReducerOptions(fbb, o.keepDims).Union()};
        }
        R operator()(const ResizeOptions& o) const
        {
            if (kind == OpKind::ResizeBilinear)
                return {B::ResizeBilinearOptions,
                        tflite::CreateResizeBilinearOptions(fbb, o.alignCorners, o.halfPixelCenters).Union()};
            return {B::ResizeNearestNeighborOptions,
                    tflite::CreateResizeNearestNeighborOptions(fbb, o.alignCorners, o.halfPixelCenters).Union()};
        }
        R operator()(const SqueezeOptions& o) const
        {
            return {B::SqueezeOptions, tflite::CreateSqueezeOptions(fbb, fbb.CreateVector(o.squeezeDims)).Union()};
        }
        R operator()(const StridedSliceOptions& o) const
        {
            return {B::StridedSliceOptions,
                    tflite::CreateStridedSliceOptions(fbb, o.beginMask, o.endMask, o.ellipsisMask, o.newAxisMask,
                                                      o.shrinkAxisMask, o.offset).Union()};
        }
        R operator()(const SvdfOptions& o) const
        {
            return {B::SVDFOptions,
                    tflite::CreateSVDFOptions(fbb, o.rank, act(o.activation), o.asymmetricQuantizeInputs).Union()};
        }
        R operator()(const LeakyReluOptions& o) const
        {
            return {B::LeakyReluOptions, tflite::CreateLeakyReluOptions(fbb, o.alpha).Union()};
        }
        R operator()(const EmptyOptions& o) const
        {
            // A table with no fields: an empty table of the remembered union type.
            const auto start = fbb.StartTable();
            return {static_cast<B>(o.type), flatbuffers::Offset<void>(fbb.EndTable(start))};
        }
    };
    return std::visit(Writer{fbb, kind}, options);
}

} // namespace ts
