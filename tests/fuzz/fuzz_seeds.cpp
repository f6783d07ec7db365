// Writes the synthetic seed corpus for the fuzz targets: the demo model, every legalization case of
// tst_legalize, the crafted bad-operand models of tst_badinput, and small graphs that reach each
// legalization pass and reference kernel. Usage: fuzz_seeds OUT_DIR (e.g. fuzz-corpus/seeds).

#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "synthmodels.h"

#include <cctype>
#include <cstdio>
#include <string>

using namespace ts;

namespace {

int g_written = 0;

void write(const std::string& dir, const std::string& name, const Model& m)
{
    if (m.subgraphs.empty())
        return;
    const Diagnostics d = writeTfliteFile(m, dir + "/" + name + ".tflite");
    if (!d.empty())
        std::fprintf(stderr, "%s: %s\n", name.c_str(), d.front().toString().c_str());
    else
        ++g_written;
}

std::string slug(std::string s)
{
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return s;
}

// float input → QUANTIZE → PAD → VALID CONV_2D → RELU → RESHAPE → FULLY_CONNECTED → SOFTMAX →
// DEQUANTIZE: every legalization pass has something to do.
Model passesChain()
{
    synth::Builder b(7);
    const int in = b.act("in", {1, 6, 6, 2}, DType::Float32);
    const int q = b.act("q", {1, 6, 6, 2});
    b.op(OpKind::Quantize, {in}, {q});
    const int pads = b.int32Values("paddings", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
    const int padded = b.act("padded", {1, 8, 8, 2});
    b.op(OpKind::Pad, {q, pads}, {padded});
    const int w = b.int8Weights("w", {4, 3, 3, 2}, {0.01f, 0.02f, 0.01f, 0.02f});
    const int bias = b.bias("bias", 4);
    const int c = b.act("conv", {1, 6, 6, 4});
    b.op(OpKind::Conv2D, {padded, w, bias}, {c}, synth::convOptions(Padding::Valid));
    const int r = b.act("relu", {1, 6, 6, 4});
    b.op(OpKind::Relu, {c}, {r});
    const int shape = b.int32Values("shape", {2}, {1, 144});
    const int flat = b.act("flat", {1, 144});
    ReshapeOptions ro;
    ro.newShape = {1, 144};
    b.op(OpKind::Reshape, {r, shape}, {flat}, ro);
    const int fw = b.int8Weights("fc", {5, 144}, {0.005f});
    const int fb = b.bias("fc_bias", 5);
    const int logits = b.act("logits", {1, 5});
    b.op(OpKind::FullyConnected, {flat, fw, fb}, {logits}, FullyConnectedOptions{});
    const int probs = b.act("probs", {1, 5}, DType::Int8, 1.0f / 256, -128);
    b.op(OpKind::Softmax, {logits}, {probs}, SoftmaxOptions{1.0f});
    const int out = b.act("out", {1, 5}, DType::Float32);
    b.op(OpKind::Dequantize, {probs}, {out});
    return b.finish({in}, {out});
}

// Data movement and reductions: TRANSPOSE, MEAN, RESIZE_NEAREST_NEIGHBOR, PADV2, SQUEEZE,
// LOGISTIC, TANH, LEAKY_RELU, MAX_POOL_2D, DEPTHWISE_CONV_2D with a depth multiplier.
Model shapesChain()
{
    synth::Builder b(11);
    const int x = b.act("x", {1, 4, 4, 2});
    const int perm = b.int32Values("perm", {4}, {0, 2, 1, 3});
    const int tr = b.act("transposed", {1, 4, 4, 2});
    b.op(OpKind::Transpose, {x, perm}, {tr});
    const int size = b.int32Values("size", {2}, {8, 8});
    const int up = b.act("resized", {1, 8, 8, 2});
    b.op(OpKind::ResizeNearestNeighbor, {tr, size}, {up}, ResizeOptions{});
    const int pads = b.int32Values("pads", {4, 2}, {0, 0, 1, 0, 0, 1, 0, 0});
    const int value = b.constant("value", {}, DType::Int8, {uint8_t(-10)});
    const int padded = b.act("padded", {1, 9, 9, 2});
    b.op(OpKind::PadV2, {up, pads, value}, {padded});
    const int pooled = b.act("pooled", {1, 4, 4, 2});
    b.op(OpKind::MaxPool2D, {padded}, {pooled}, synth::poolOptions(3, 2));
    const int dw = b.int8Weights("dw", {1, 3, 3, 4}, {0.02f, 0.03f, 0.02f, 0.03f}, 3);
    const int dwb = b.bias("dw_bias", 4);
    const int dwo = b.act("depthwise", {1, 4, 4, 4});
    DepthwiseConv2DOptions dopts;
    dopts.depthMultiplier = 2;
    dopts.activation = Activation::Relu6;
    b.op(OpKind::DepthwiseConv2D, {pooled, dw, dwb}, {dwo}, dopts);
    const int leaky = b.act("leaky", {1, 4, 4, 4});
    b.op(OpKind::LeakyRelu, {dwo}, {leaky}, LeakyReluOptions{0.1f});
    const int axes = b.int32Values("axes", {2}, {1, 2});
    const int mean = b.act("mean", {1, 1, 1, 4});
    b.op(OpKind::Mean, {leaky, axes}, {mean}, ReducerOptions{true});
    const int squeezed = b.act("squeezed", {1, 4});
    SqueezeOptions so;
    so.squeezeDims = {1, 2};
    b.op(OpKind::Squeeze, {mean}, {squeezed}, so);
    const int sig = b.act("logistic", {1, 4}, DType::Int8, 1.0f / 256, -128);
    b.op(OpKind::Logistic, {squeezed}, {sig});
    const int th = b.act("tanh", {1, 4}, DType::Int8, 1.0f / 128, 0);
    b.op(OpKind::Tanh, {sig}, {th});
    return b.finish({x}, {th});
}

// A residual block with a branch: reorder and in-place ADD have something to choose.
Model branches()
{
    synth::Builder b(13);
    const int x = b.act("x", {1, 8, 8, 4});
    const int w1 = b.int8Weights("w1", {4, 1, 1, 4}, {0.02f, 0.02f, 0.02f, 0.02f});
    const int a = b.act("a", {1, 8, 8, 4});
    b.op(OpKind::Conv2D, {x, w1, b.bias("b1", 4)}, {a}, synth::convOptions(Padding::Same, 1, Activation::Relu));
    const int w2 = b.int8Weights("w2", {1, 3, 3, 4}, {0.02f, 0.02f, 0.02f, 0.02f}, 3);
    const int c = b.act("c", {1, 8, 8, 4});
    DepthwiseConv2DOptions d;
    b.op(OpKind::DepthwiseConv2D, {a, w2, b.bias("b2", 4)}, {c}, d);
    const int s = b.act("sum", {1, 8, 8, 4});
    b.op(OpKind::Add, {x, c}, {s}, ElementwiseOptions{});
    const int m = b.act("mul", {1, 8, 8, 4});
    b.op(OpKind::Mul, {s, a}, {m}, ElementwiseOptions{});
    const int cat = b.act("cat", {1, 8, 8, 8});
    b.op(OpKind::Concatenation, {m, s}, {cat}, ConcatenationOptions{-1, Activation::None});
    const int avg = b.act("avg", {1, 1, 1, 8});
    b.op(OpKind::AveragePool2D, {cat}, {avg}, synth::poolOptions(8, 8));
    return b.finish({x}, {avg});
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR\n");
        return 2;
    }
    const std::string dir = argv[1];
    write(dir, "demo", buildDemoModel());
    write(dir, "passes_chain", passesChain());
    write(dir, "shapes_chain", shapesChain());
    write(dir, "branches", branches());
    write(dir, "nchw_net", synth::nchwNet()); // a non-spatial stage 0 before the patches
    for (OpKind k : {OpKind::Conv2D, OpKind::DepthwiseConv2D, OpKind::FullyConnected, OpKind::AveragePool2D,
                     OpKind::MaxPool2D, OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Concatenation, OpKind::Svdf})
        for (DType d : {DType::Int8, DType::Int16, DType::Float32})
            for (OpKind relu : {OpKind::Relu, OpKind::Relu6, OpKind::Custom})
                write(dir, slug(opKindName(k) + "_" + dtypeName(d) + "_" + (relu == OpKind::Custom ? "none" : opKindName(relu))),
                      synth::activationCase(k, d, relu));
    synth::ConvFault f;
    write(dir, "conv", synth::conv(f));
    f.omitInput = true;
    write(dir, "bad_omitted_input", synth::conv(f));
    f = {};
    f.dropFilter = true;
    write(dir, "bad_missing_filter", synth::conv(f));
    f = {};
    f.filterRank2 = true;
    write(dir, "bad_filter_rank", synth::conv(f));
    f = {};
    f.shortBias = true;
    write(dir, "bad_bias_length", synth::conv(f));
    f = {};
    f.scalesOnInputAxis = true;
    write(dir, "bad_channel_scales", synth::conv(f));
    write(dir, "concat", synth::concat(3));
    write(dir, "bad_concat_output", synth::concat(2));
    std::fprintf(stderr, "wrote %d seed models to %s\n", g_written, dir.c_str());
    return 0;
}
