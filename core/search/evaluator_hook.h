#pragma once
// The evaluator hook: a user's command scores search candidates with their own pipeline (train,
// fine-tune, evaluate). Per candidate it is run as
//   COMMAND ARCH.json MODEL.tflite
// (COMMAND split like a shell would, no shell involved), with the candidate's architecture JSON and
// its exported .tflite (pseudo-random weights, marked untrained) in a folder of its own, which is
// also the working directory. It must print a JSON object with a numeric "accuracy" on stdout (the
// last line that parses as JSON counts, so training logs may come before it) and exit 0.
// Up to `processes` commands run at once; each is killed after `timeoutMs`. Failures (cannot
// start, non-zero exit, timeout, no accuracy) are per candidate, in words with the stderr tail.

#include "common/job.h"
#include "model/graph.h"

#include <QJsonObject>

#include <string>
#include <vector>

namespace ts {

struct HookInput {
    QJsonObject architecture;
    const Model* model = nullptr;
    std::string name;             // folder name for the candidate's files
};
struct HookResult {
    bool ok = false;
    double accuracy = 0;
    std::string error;
    double seconds = 0;
};

std::vector<HookResult> runEvaluatorHook(const std::string& command, const std::vector<HookInput>& inputs,
                                         const std::string& workDir, int processes, int timeoutMs,
                                         const JobControl* job = nullptr);

} // namespace ts
