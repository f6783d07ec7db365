#pragma once
// The small int8 chain whose patch figures tst_patch computes by hand (syntheticChainByHand) and
// tst_schedulepanel reuses for its per-split best grids. Built in memory; weights are fixed.

#include "model/graph.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace synth {

using namespace ts;

// A small int8 chain: input [1,8,8,2] → DEPTHWISE 3×3 stride 1 SAME → mid [1,8,8,2] → DEPTHWISE
// 3×3 stride 2 SAME → split [1,4,4,2] → AVERAGE_POOL 4×4 VALID → output [1,1,1,2].
struct Chain {
    std::vector<std::shared_ptr<std::vector<uint8_t>>> storage;
    Graph g;
    int input = -1, mid = -1, split = -1, output = -1; // tensor indices
};

inline Chain syntheticChain(bool nchwInput = false)
{
    Chain c;
    auto activation = [&c](std::vector<int32_t> shape) {
        Tensor t;
        t.name = "t" + std::to_string(c.g.tensors.size());
        t.shape = std::move(shape);
        t.dtype = DType::Int8;
        t.quant.scale = {0.5f};
        t.quant.zeroPoint = {0};
        c.g.tensors.push_back(t);
        return int(c.g.tensors.size() - 1);
    };
    auto constant = [&c](std::vector<int32_t> shape, DType dtype, float scale, std::vector<uint8_t> bytes) {
        auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
        Tensor t;
        t.name = "c" + std::to_string(c.g.tensors.size());
        t.shape = std::move(shape);
        t.dtype = dtype;
        t.quant.scale = {scale};
        t.quant.zeroPoint = {0};
        t.data = ByteView{owned->data(), owned->size()};
        c.storage.push_back(owned);
        c.g.tensors.push_back(t);
        return int(c.g.tensors.size() - 1);
    };
    std::vector<uint8_t> weights(18);
    for (size_t i = 0; i < weights.size(); ++i)
        weights[i] = uint8_t(int8_t(int(i % 7) - 3));
    const std::vector<uint8_t> bias(8, 0);
    auto dw = [&](int in, int stride, std::vector<int32_t> outShape) {
        const int w = constant({1, 3, 3, 2}, DType::Int8, 0.05f, weights);
        const int b = constant({2}, DType::Int32, 0.025f, bias);
        const int out = activation(std::move(outShape));
        Op op;
        op.kind = OpKind::DepthwiseConv2D;
        op.inputs = {in, w, b};
        op.outputs = {out};
        DepthwiseConv2DOptions o;
        o.padding = Padding::Same;
        o.strideH = o.strideW = stride;
        op.options = o;
        c.g.ops.push_back(op);
        return out;
    };
    c.input = activation({1, 8, 8, 2});
    int graphInput = c.input;
    if (nchwInput) {
        // As PyTorch exports give it: an NCHW input [1,2,8,8] and a TRANSPOSE (perm 0,2,3,1) to NHWC.
        graphInput = activation({1, 2, 8, 8});
        std::vector<uint8_t> perm(16);
        const int32_t p[4] = {0, 2, 3, 1};
        std::memcpy(perm.data(), p, 16);
        const int permTensor = constant({4}, DType::Int32, 1.0f, perm);
        c.g.tensors[size_t(permTensor)].quant = {};
        Op t;
        t.kind = OpKind::Transpose;
        t.inputs = {graphInput, permTensor};
        t.outputs = {c.input};
        c.g.ops.push_back(t);
    }
    c.mid = dw(c.input, 1, {1, 8, 8, 2});
    c.split = dw(c.mid, 2, {1, 4, 4, 2});
    c.output = activation({1, 1, 1, 2});
    Op pool;
    pool.kind = OpKind::AveragePool2D;
    pool.inputs = {c.split};
    pool.outputs = {c.output};
    Pool2DOptions po;
    po.padding = Padding::Valid;
    po.filterH = po.filterW = 4;
    po.strideH = po.strideW = 4;
    pool.options = po;
    c.g.ops.push_back(pool);
    c.g.inputs = {graphInput};
    c.g.outputs = {c.output};
    return c;
}

} // namespace synth
