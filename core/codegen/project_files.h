#pragma once
// The text of a generated project's files, from what the generator decided (generator.cpp): the
// C API header, the C++ class, the model source, the weights, the host runner, CMakeLists.txt, the
// README and the manifest. Everything here is formatting; no decision about memory is made here.

#include "codegen/emit.h"
#include "codegen/generator.h"

#include <QJsonObject>

#include <string>
#include <utility>
#include <vector>

namespace ts {

struct ProjectParts {
    std::string name, NAME; // C prefix, and upper-case for macros
    int64_t arenaBytes = 0;
};

struct ModelSource {
    struct Step {
        int layer = -1; // legal-graph op index, -1 for a data move of the schedule
        std::string comment;
        std::vector<std::string> lines;
        std::string gaps; // debug gap table identifier
        struct Dump {
            int tensor;
            int64_t offset, bytes;
        };
        std::vector<Dump> dumps;
    };
    struct Block {
        std::string function; // empty: inline in invoke
        std::string comment;
        std::vector<Step> steps;
    };
    struct Io {
        int tensor;
        const Tensor* info;
        std::string ptr;
    };
    struct Init {
        int tensor;
        std::string ptr;
        std::vector<uint8_t> bytes;
    };
    const codegen::ConstPool* pool = nullptr;
    std::vector<std::pair<std::string, std::string>> gapTables; // identifier, initializer
    std::vector<std::string> kernels;
    std::vector<Block> blocks;
    std::vector<Io> inputs, outputs;
    std::vector<std::pair<int, int64_t>> frames;       // streamed input frames outside the arena
    std::vector<std::pair<int, int64_t>> stateBuffers; // persistent variables outside the arena
    std::vector<Init> stateInit;
    std::vector<std::string> layerNames;  // per legal op (escaped when written)
    std::vector<std::string> tensorNames; // per legal tensor
    std::string modelSha256, boardId;
};

std::string modelHeader(const ModelSource& s, const ProjectParts& p);
std::string modelClassHeader(const ModelSource& s, const ProjectParts& p);
std::string modelSource(const ModelSource& s, const ProjectParts& p);
std::string weightsHeader(const codegen::ConstPool& pool, const ProjectParts& p);
std::string weightsSource(const codegen::ConstPool& pool, const ProjectParts& p);
std::string runnerSource(const ModelSource& s, const ProjectParts& p);
std::string cmakeLists(const ModelSource& s, const ProjectParts& p);
std::string readme(const ModelSource& s, const ProjectParts& p, const GeneratedProject& project);
std::string manifestText(const QJsonObject& manifest);

} // namespace ts
