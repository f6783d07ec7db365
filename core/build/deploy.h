#pragma once
// Cross-building a generated project for its board and running it on QEMU's emulated Cortex-M:
// cmake with the generated arm-none-eabi toolchain file, the ELF's size report split into what the
// studio shows (runtime code, weights, C library; arena, other RAM, stack), then qemu-system-arm
// with -icount shift=0 and semihosting, its output parsed into instruction counts per inference and
// per layer. Figures from QEMU are instruction counts on an emulator, not cycles on silicon.

#include "common/diagnostic.h"
#include "common/job.h"
#include "pipeline/pipeline.h"

#include <QJsonObject>

#include <functional>

class QProcess;

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct SizeReport {
    int64_t text = 0, data = 0, bss = 0;  // arm-none-eabi-size (Berkeley)
    int64_t weights = 0;                  // .weights: the model's constants
    int64_t input = 0;                    // .input: a live firmware's compiled-in input (not runtime code)
    int64_t libc = 0;                     // input sections from libc/libm/libgcc/librdimon (map file)
    int64_t runtime = 0;                  // kernels + glue + startup: flash less weights, input and libc
    int64_t flash = 0;                    // text + data (load image)
    int64_t arena = 0, stack = 0, heap = 0, otherRam = 0; // RAM sections
    QJsonObject json() const;
};

struct CrossBuildResult {
    std::string elf, map;
    SizeReport size;
    std::string log;
};

// Configures and builds `projectDir` (a generated project with firmware) in `projectDir`/build-arm;
// the tools' output goes line by line to `onLog`; `job` cancels (the compiler is killed).
Result<CrossBuildResult> crossBuild(const std::string& projectDir, int timeoutMs = 900000,
                                    const std::function<void(const std::string&)>& onLog = {}, const JobControl* job = nullptr);

// Makes `process` die with the thread that starts it (PR_SET_PDEATHSIG): no orphaned emulators.
void killWithParent(QProcess& process);

struct QemuLayer {
    int index = -1;
    int64_t instructions = 0;
};

struct QemuRun {
    std::vector<uint8_t> output;
    int64_t instructions = 0; // per inference (the first run, no layer hook)
    std::vector<QemuLayer> layers;
    int64_t stackPeak = 0;
    std::string console;      // what the firmware printed
    std::string unit;         // "instructions"
};

// Runs `elf` on `machine` (mps2-an386, mps2-an500) with `input` in a fresh `workDir`; a fault, a
// firmware error or a timeout is an error naming what happened.
Result<QemuRun> runOnQemu(const std::string& elf, const std::string& machine, const std::string& cpu,
                          const std::vector<uint8_t>& input, const std::string& workDir, int timeoutMs = 300000);

// The whole loop for an emulated board: pipeline → generate → firmware → cross build → QEMU →
// the output checked against the reference interpreter on the same input.
struct DeployOptions {
    std::string dir;                  // project folder (replaced); empty: a temporary folder per model
    std::string name;                 // C prefix; empty: from the model file
    std::string optimize = "-O2";
    int runs = 1;
    bool portable = false;            // the portable C kernels even on a DSP core (TS_NO_DSP)
    std::vector<uint8_t> input;       // empty: the seed-1 golden-layout input
    bool live = false;                // the live-profiling firmware (mailbox, input in flash; runs 0 = endless)
    std::function<void(const std::string&)> onLog; // build output, line by line
    const JobControl* job = nullptr;  // cancels the build
    bool checkTensors = false;        // live: also the CRC of every complete tensor (FirmwareOptions::checkTensors)
    // Called with the project folder after it is written and before it is built (a test seam).
    std::function<void(const std::string&)> beforeBuild;
};
struct DeployResult {
    std::string name, dir;
    PipelineSnapshot pipeline;        // the plan the firmware executes (its legal graph names the layers)
    CrossBuildResult build;
    QemuRun run;
    int64_t arenaBytes = 0, largestScratch = 0;
    bool matchesReference = false;
    std::string mismatch;             // why not, in words
};
// The first half, for any profile (real or emulated): pipeline → generate → firmware → cross build.
Result<DeployResult> buildFirmware(const Model& model, const Session& doc, const BoardSet& boards, const DeployOptions& options);
Result<DeployResult> deployOnQemu(const Model& model, const Session& doc, const BoardSet& boards, const DeployOptions& options);

} // namespace ts
