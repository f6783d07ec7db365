#pragma once
// The code generator: a self-contained C inference project that executes the plan the studio shows
// — the same arena offsets, the same in-place placements and iteration orders, the same scratch, the
// same patch schedule — with straight-line calls to TinyStudio's C99 kernels (core/kernels/c/).
//
// generateProject() builds every file in memory (deterministic: the same document gives the same
// bytes); writeProject() puts them on disk through a temporary folder renamed into place, so a
// failure never leaves a half-written project and never deletes a user's files.

#include "common/diagnostic.h"
#include "pipeline/pipeline.h"

#include <QJsonObject>

#include <string>
#include <vector>

namespace ts {

struct GenerateOptions {
    std::string name; // C prefix of the API (sanitized); empty: from the model file's base name
};

struct GeneratedFile {
    std::string path; // relative, '/'-separated
    std::string text;
};

struct GeneratedProject {
    std::string name;            // the C prefix
    std::vector<GeneratedFile> files;
    int64_t arenaBytes = 0;      // the static arena (the plan's peak)
    int64_t largestScratch = 0;  // the largest kernel scratch of one step
    int64_t weightsBytes = 0;    // constant arrays in <name>_weights.c
    int64_t stateBytes = 0;      // variable tensors kept outside the arena (persistent)
    int64_t frameBytes = 0;      // a streamed input frame outside the arena (patch schedules)
    int64_t sourceBytes = 0;     // every generated file together
    int64_t sourceLines = 0;
    int steps = 0;               // kernel calls per inference (patches counted)
    int inputCount = 0, outputCount = 0;
    std::vector<std::string> kernels; // kernel files used
    QJsonObject manifest;        // manifest.json
    QJsonObject summary() const; // the figures (generate --json)
};

Result<GeneratedProject> generateProject(const Model& model, const PipelineResult& r, const GenerateOptions& options = {});

// Writes the project into `dir`. An existing `dir` is refused unless it holds a previous TinyStudio
// generation (its manifest.json says so) and `force` is set; then it is replaced as a whole.
Diagnostics writeProject(const GeneratedProject& p, const std::string& dir, bool force);

} // namespace ts
