#pragma once
// Search spaces as data, and the architectures drawn from them (TinyNAS-style model search).
//
// A search space is a JSON file:
//   {"format": 1, "name": "mcunet", "family": "inverted-residual" | "basic-block",
//    "description": "...", "input_channels": 3, "classes": 10,
//    "resolutions": [48, 64, ...], "widths": [0.3, 0.4, ...], "channel_divisor": 8,
//    "stem": {"channels": 32, "kernel": 3, "stride": 2},
//    "first_block": {"channels": 16, "kernel": 3, "expand": 1},          (optional, inverted-residual)
//    "stages": [{"channels": 24, "stride": [2], "depth": [2, 3, 4], "kernel": [3, 5, 7],
//                "expand": [3, 4, 6]}, ...]}
// Channel counts are those of width 1.0; a width multiplier w scales them (rounded to the divisor,
// never below it nor below 90 % of the scaled value, as MobileNetV2 does). For "basic-block" the
// expansion ratio scales the block's middle width (conv1's output channels).
// Unknown keys, wrong types and out-of-range values are errors naming the file and the key.
//
// An architecture is one point of a space: resolution, width, and per stage its stride and blocks
// (kernel and expansion each); its JSON is
//   {"space": "mcunet", "family": "...", "resolution": 96, "width": 0.5,
//    "stages": [{"stride": 2, "blocks": [{"kernel": 3, "expand": 6}, ...]}, ...]}

#include "common/diagnostic.h"
#include "model/graph.h"

#include <QByteArray>
#include <QJsonObject>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ts {

enum class BlockFamily { InvertedResidual, BasicBlock };
const char* blockFamilyName(BlockFamily f);

struct StageSpace {
    int channels = 0;              // output channels at width 1.0
    std::vector<int> strides;      // of the stage's first block
    std::vector<int> depths;
    std::vector<int> kernels;
    std::vector<double> expands;
};

struct SearchSpace {
    std::string name, description, source; // source: the file (or built-in name) it came from
    BlockFamily family = BlockFamily::InvertedResidual;
    int inputChannels = 3;
    int classes = 10;
    std::vector<int> resolutions;
    std::vector<double> widths;
    int divisor = 8;
    int stemChannels = 32, stemKernel = 3, stemStride = 2;
    int firstChannels = 0, firstKernel = 3; // inverted-residual: a fixed expand-1 block; 0 = none
    double firstExpand = 1;
    std::vector<StageSpace> stages;

    // Channels of a width-1.0 count at width `w`.
    int scaled(int channels, double w) const;
    // log10 of the number of architectures (all resolutions, widths and block choices).
    double log10Size() const;
};

// Built-in spaces ("mcunet", "resnet"), shipped as resources.
std::vector<std::string> builtinSearchSpaces();
// `nameOrPath`: a built-in name or a JSON file.
Result<SearchSpace> loadSearchSpace(const std::string& nameOrPath);
Result<SearchSpace> parseSearchSpace(const QByteArray& json, const std::string& source);
QJsonObject searchSpaceToJson(const SearchSpace& s);

struct BlockChoice {
    int kernel = 3;
    double expand = 1;
    bool operator==(const BlockChoice& o) const { return kernel == o.kernel && expand == o.expand; }
};
struct StageChoice {
    int stride = 1;
    std::vector<BlockChoice> blocks; // depth = blocks.size()
    bool operator==(const StageChoice& o) const { return stride == o.stride && blocks == o.blocks; }
};
struct Architecture {
    std::string space;
    BlockFamily family = BlockFamily::InvertedResidual;
    int resolution = 0;
    double width = 1;
    std::vector<StageChoice> stages;
    bool operator==(const Architecture& o) const
    {
        return space == o.space && family == o.family && resolution == o.resolution && width == o.width &&
               stages == o.stages;
    }
    std::string key() const; // compact text, unique per architecture (for dedup and display)
};

QJsonObject architectureToJson(const Architecture& a);
// Strict: every stage and block checked against `space` (choices it offers); errors name `source`.
Result<Architecture> architectureFromJson(const QJsonObject& o, const SearchSpace& space, const std::string& source);

using SearchRng = std::mt19937_64;
// A uniformly random architecture at a fixed resolution and width.
Architecture sampleArchitecture(const SearchSpace& s, int resolution, double width, SearchRng& rng);
// Each stage's depth, stride, and each block's kernel and expansion is redrawn with probability p.
Architecture mutateArchitecture(const SearchSpace& s, const Architecture& a, double p, SearchRng& rng);
// Each stage taken whole from one parent or the other (resolution and width from the first).
Architecture crossoverArchitectures(const Architecture& a, const Architecture& b, SearchRng& rng);

// The candidate as an int8 model (the demo model's builder; graph name and description say which
// architecture). `randomWeights` false: all-zero weights, the same shapes, quantization and figures,
// built far faster (search evaluation). A model built for export is marked untrained in its
// metadata ("tinystudio_architecture": the architecture JSON, "tinystudio_untrained": "1").
Model buildCandidateModel(const SearchSpace& s, const Architecture& a, bool randomWeights, uint32_t seed = 0x5EED1234u);

} // namespace ts
