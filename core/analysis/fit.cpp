#include "analysis/fit.h"

#include "analysis/opfacts.h"

#include <algorithm>
#include <set>

namespace ts {

std::vector<ArenaRegion> arenaRegions(const Board& board)
{
    std::vector<MemoryRegion> ram;
    for (const auto& r : board.ram)
        if (r.kind != "ITCM" && r.kind != "BACKUP")
            ram.push_back(r);
    std::sort(ram.begin(), ram.end(), [](const MemoryRegion& a, const MemoryRegion& b) { return a.base < b.base; });
    std::vector<ArenaRegion> out;
    for (const auto& r : ram) {
        if (!out.empty() && out.back().base + out.back().size == r.base) {
            out.back().name += "+" + r.name;
            out.back().size += r.size;
        } else {
            out.push_back({r.name, r.base, r.size});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const ArenaRegion& a, const ArenaRegion& b) { return a.size > b.size; });
    return out;
}

int64_t opFlashBytes(const Graph& g, const Op& op)
{
    const OpFacts f = computeOpFacts(g, op);
    int64_t requant = 0;
    if (op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D || op.kind == OpKind::FullyConnected) {
        const Tensor* y = op.outputs.empty() ? nullptr : g.tensor(op.outputs[0]);
        if (y && !y->shape.empty() && y->dtype == DType::Int8)
            requant = int64_t(y->shape.back()) * 8;
    }
    return f.weightBytes + f.biasBytes + requant;
}

FlashUse flashUse(const Graph& g, int64_t opCalls, int patches)
{
    FlashUse u;
    std::set<int> counted;
    std::set<int32_t> kinds;
    for (const Op& op : g.ops) {
        kinds.insert(static_cast<int32_t>(op.kind));
        const int bias = biasInputIndex(op.kind);
        for (size_t k = 0; k < op.inputs.size(); ++k) {
            const int t = op.inputs[k];
            const Tensor* x = g.tensor(t);
            if (!x || !x->isConstant() || !counted.insert(t).second)
                continue;
            if (int(k) == bias)
                u.biases += int64_t(x->data.size);
            else if (isParameterOperand(op.kind))
                u.weights += int64_t(x->data.size);
        }
        if (op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D || op.kind == OpKind::FullyConnected) {
            const Tensor* y = op.outputs.empty() ? nullptr : g.tensor(op.outputs[0]);
            if (y && !y->shape.empty() && y->dtype == DType::Int8)
                u.requant += int64_t(y->shape.back()) * 8;
        }
    }
    // Code estimate (the linker's figure comes after the build; this one must not be below it):
    // the runtime and C library of the firmware (semihosting stdout), one kernel family per op
    // kind as built at -O2 with its fast paths, and the glue of every kernel call site (the call,
    // its literal parameters and offsets). Calibrated on QEMU builds of the demo model (24 call
    // sites: 49,950 B measured, 50,944 B estimated) and of a searched 4x4-patch candidate
    // (102 call sites: 62,280 B measured, 63,424 B estimated); a patch schedule adds one function per
    // patch (prologue, input crop, tile copy): 1 KiB each (a 4x4 F412 candidate: 73,466 B measured,
    // 75,808 B estimated).
    u.code = 4096 + 14336;
    for (int32_t k : kinds) {
        const auto kind = static_cast<OpKind>(k);
        u.code += kind == OpKind::Conv2D ? 14336 : kind == OpKind::DepthwiseConv2D ? 8192
                : kind == OpKind::FullyConnected ? 2048 : 1024;
    }
    u.code += 160 * (opCalls >= 0 ? opCalls : int64_t(g.ops.size())) + 1024 * int64_t(patches > 1 ? patches : 0);
    return u;
}

Result<FitVerdict> fitVerdict(const Board& board, const BoardSet& boards, const Graph& g, int64_t arenaBytes,
                              int peakOp, const FitOptions& options, int64_t frameBytes, int64_t opCalls, int patches)
{
    Result<FitVerdict> r;
    const Board* limits = boards.limitsOf(board);
    if (!limits)
        limits = &board;
    const auto regions = arenaRegions(*limits);
    const ArenaRegion* region = nullptr;
    for (const auto& a : regions)
        if (options.region.empty() ? !region : a.name == options.region)
            region = &a;
    if (!region) {
        std::string names;
        for (const auto& a : regions)
            names += (names.empty() ? "" : ", ") + a.name;
        r.diagnostics.push_back(makeError(limits->filePath, "ram",
                                          "no RAM region named '" + options.region + "' on " + limits->name
                                              + "; expected one of: " + names));
        return r;
    }
    FitVerdict v;
    v.board = board.id;
    v.limitsBoard = limits->id;
    v.region = region->name;
    v.sramBudget = int64_t(region->size);
    v.arenaBytes = arenaBytes;
    v.reserveBytes = options.reserveBytes;
    v.frameBytes = frameBytes;
    v.sramMargin = v.arenaBudget() - arenaBytes - frameBytes;
    const MemoryRegion* flash = limits->largestFlash();
    v.flashBudget = flash ? int64_t(flash->size) : 0;
    v.flash = flashUse(g, opCalls, patches);
    v.flashMargin = v.flashBudget - v.flash.total();
    v.fits = v.sramMargin >= 0 && v.flashMargin >= 0;
    v.peakOp = peakOp;
    auto words = [](int64_t margin, const char* what) {
        return margin >= 0 ? std::string(what) + " fits with " + std::to_string(margin) + " B to spare"
                           : std::string(what) + " overflows by " + std::to_string(-margin) + " B";
    };
    v.summary = words(v.sramMargin, "SRAM") + " (" + region->name + (frameBytes ? ", with the input frame" : "") + "), " +
                words(v.flashMargin, "flash");
    if (v.board != v.limitsBoard)
        v.summary += " — limits of " + limits->name;
    r.value = v;
    return r;
}

} // namespace ts
