#pragma once
// The run store: every build and run the studio or the CLI makes, in one SQLite database (Qt SQL,
// QSQLITE). Tables: models (sha256, name, size), boards, documents (the schedule JSON and its
// hash), builds (toolchain, flags, section sizes, flash and RAM split), runs (probe, serial, start
// and end, status), samples (one per inference) and layer_samples, with foreign keys, WAL, a busy
// timeout (the studio and the CLI share one file) and a schema version with migrations: a database
// from an older version opens and is upgraded in place. Samples are committed in small
// transactions while a run goes on, so a killed process loses nothing already committed; a run
// whose owning process is gone is marked "interrupted" the next time the store is opened. A file
// that is not a TinyStudio database (or is corrupt) is refused with a clear error and never
// written to. One RunStore object belongs to one thread.

#include "common/diagnostic.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts {

struct StoreModel {
    std::string sha256;   // 64 lower-case hex
    std::string name;     // file name shown to the user
    int64_t bytes = 0;
};

struct StoreBoard {
    std::string id;       // profile id, e.g. "qemu-mps2-an386"
    std::string name;
    std::string json;     // the profile as loaded (for later comparison), may be empty
};

struct StoreBuild {
    std::string toolchain;    // "arm-none-eabi-gcc 12.2.1"
    std::string flags;        // "-mcpu=cortex-m4 -O2 -flto ..."
    std::string optimize;     // "-O2"
    bool portable = false;    // TS_NO_DSP
    int64_t text = 0, data = 0, bss = 0;
    int64_t flashRuntime = 0, flashWeights = 0, flashLibc = 0, flashTotal = 0;
    int64_t ramArena = 0, ramScratch = 0, ramStack = 0, ramHeap = 0, ramOther = 0, ramTotal = 0;
    std::string elfSha256;
};

struct RunStart {
    StoreModel model;
    StoreBoard board;
    std::string documentJson; // the schedule document (Session JSON); hashed by the store
    StoreBuild build;
    std::string probe;        // "qemu", "stlink"
    std::string serial;
    std::string unit;         // "instructions" (QEMU) or "cycles" (real boards)
    int64_t clockHz = 0;      // board clock, for ms on real boards
};

struct RunInfo {
    int64_t id = 0;
    std::string status;       // "running", "ok", "failed", "interrupted", "cancelled"
    std::string message;      // why failed/cancelled, or the output check's words
    std::string modelSha256, modelName;
    std::string board, probe, serial, unit;
    int64_t clockHz = 0;
    std::string started, ended;     // ISO 8601 UTC; ended empty while running
    int outputMatches = -1;         // 1 yes, 0 no, -1 not checked
    int64_t samples = 0;            // inferences stored
    double median = 0;              // median of the samples' values (instructions or cycles)
    int64_t minValue = 0, maxValue = 0;
    int64_t stackPeak = 0;          // measured, bytes (0: unknown)
    std::string documentJson, documentSha256;
    StoreBuild build;
};

struct SampleRow {
    int64_t inference = 0;    // the firmware's inference number
    int64_t value = 0;        // instructions or cycles for that inference
    double hostSeconds = 0;   // seconds since the run started when the studio read it
};

struct LayerRow {
    int index = 0;            // layer (step) index in the generated code
    std::string op;           // "CONV_2D"
    std::string name;         // output tensor name
    int64_t value = 0;        // instructions or cycles
    int64_t macs = 0;
};

class RunStore {
public:
    static constexpr int kSchemaVersion = 2;

    // Opens (creating when absent, with its folder) the database at `path`; upgrades an older
    // schema; marks runs whose process is gone as interrupted. A foreign or corrupt file, or a
    // newer schema than this build knows, is an error naming the file, and the file is untouched.
    static Result<std::unique_ptr<RunStore>> open(const std::string& path);
    // $TINYSTUDIO_DB if set, else QStandardPaths::AppDataLocation (GenericDataLocation/TinyStudio)
    // + "/runs.sqlite".
    static std::string defaultPath();

    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    const std::string& path() const;
    int schemaVersion() const;

    // Stores model, board, document and build (reusing identical rows) and a run in state
    // "running" owned by this process; returns the run id.
    Result<int64_t> beginRun(const RunStart& start);
    // One transaction per call; only while the run is "running" (an ended run is an error).
    Diagnostics addSamples(int64_t run, const std::vector<SampleRow>& samples);
    // Replaces the run's per-layer figures (also after the run has ended).
    Diagnostics setLayers(int64_t run, const std::vector<LayerRow>& layers);
    Diagnostics setStackPeak(int64_t run, int64_t bytes);
    // Ends a run: status "ok", "failed" or "cancelled"; outputMatches 1/0/-1.
    Diagnostics finishRun(int64_t run, const std::string& status, const std::string& message, int outputMatches);

    // Newest first; empty filters match everything.
    Result<std::vector<RunInfo>> listRuns(const std::string& modelSha256 = {}, const std::string& board = {}) const;
    Result<RunInfo> run(int64_t id) const;
    Result<std::vector<SampleRow>> samples(int64_t run) const;
    Result<std::vector<LayerRow>> layers(int64_t run) const;
    // The run's samples and layers as CSV text (RFC 4180 quoting), with a header line.
    Result<std::string> exportCsv(int64_t run) const;

    struct Impl;

private:
    explicit RunStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m;
};

// Two runs side by side: what differs in their schedule documents (JSON paths with both values),
// their sizes, their medians and their layers (matched by index and op).
struct LayerComparison {
    int index = 0;
    std::string op, name;
    int64_t a = -1, b = -1;   // -1: the layer is absent in that run
};
struct RunComparison {
    RunInfo a, b;
    std::vector<std::string> scheduleDifferences; // "schedule.patch.split: 63 -> 91"
    std::vector<LayerComparison> layers;
    double medianRatio = 0;                       // b.median / a.median (0 when a has none)
};
Result<RunComparison> compareRuns(const RunStore& store, int64_t a, int64_t b);

} // namespace ts
