#pragma once
// Live profiling: the firmware built for a live run keeps a profiling mailbox at the symbol
// `ts_mailbox` (magic, layout version, a sequence number that is odd while the firmware writes,
// status, inference count, last/min/max and a ring of the latest per-inference counts, per-layer
// counts of the latest hooked inference, output CRC-32 and the first output bytes, stack peak,
// fault registers). The host reads it through the probe (ST-Link while the core runs; QEMU through
// its gdbstub) at up to 25 Hz. LiveRunner is the whole loop shared by the studio and the CLI:
// pipeline → generate → firmware (live) → cross build → open probe → flash → run → poll → stop,
// the output checked against the reference interpreter. Counts are instructions on QEMU (an
// emulator's instruction count, not cycles) and DWT cycles on real boards.

#include "build/deploy.h"
#include "build/firmware.h"
#include "common/job.h"
#include "probe/probe.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ts {

class PluginManager;

// The layout constants (magic, version, ring entries, output copy) are in build/firmware.h, next to
// the generator of the firmware's struct.

enum class MailboxStatus : uint32_t { Booting = 0, Running = 1, Done = 2, Error = 3, Fault = 4 };

struct MailboxSnapshot {
    uint32_t sequence = 0;
    MailboxStatus status = MailboxStatus::Booting;
    int32_t error = 0;               // invoke()'s status when status == Error
    std::string unit;                // "instructions" or "cycles"
    int64_t perTick = 1;             // unit per timer tick
    int64_t inferences = 0;          // timed (un-hooked) inferences completed
    int64_t last = 0, min = 0, max = 0;    // in unit
    std::vector<int64_t> ring;       // kMailboxRingEntries entries, inference k at [k % kMailboxRingEntries], in unit
    int64_t stackPeak = 0;           // bytes
    uint32_t outputCrc = 0;
    int64_t outputBytes = 0;
    std::vector<uint8_t> output;     // the first min(outputBytes, kMailboxOutputCopyBytes) bytes
    int64_t layerRuns = 0;           // hooked inferences completed
    std::vector<int64_t> layers;     // per layer of the latest hooked inference, in unit
    std::vector<std::pair<uint32_t, uint32_t>> outputs; // address and bytes of the first 4 outputs
    uint32_t fault[7] = {};          // exception, pc, lr, cfsr, hfsr, mmfar, bfar when status == Fault
    std::string faultText() const;   // decoded fault registers in words
};

// Decodes the mailbox bytes (`layers` entries of per-layer counts); errors say what is wrong
// (magic, version, size). A torn read (odd sequence) is reported by `torn`.
Result<MailboxSnapshot> decodeMailbox(const std::vector<uint8_t>& bytes, int layers, bool* torn = nullptr);
// Bytes of the mailbox for a model with `layers` layers.
uint32_t mailboxBytes(int layers);
// CRC-32 (IEEE 802.3, reflected, the zlib one) as the firmware computes it over the output bytes.
uint32_t crc32(const uint8_t* data, size_t n);

struct LiveOptions {
    std::string probe = "qemu";      // driver name
    std::string serial;              // empty: the board's only probe
    int inferences = 20;             // timed inferences (and as many hooked ones for the layers); 0: until stopped
    int pollHz = 25;
    int timeoutMs = 300000;          // no new inference for this long (or no end) is an error
    DeployOptions deploy;            // project folder, name, optimize, portable, input
};

struct LiveLayer {
    int index = 0;
    std::string op, name;
    int64_t value = 0;               // unit
    int64_t macs = 0;
};

struct LiveSample {
    int64_t inference = 0;
    int64_t value = 0;               // unit
    double hostSeconds = 0;          // since the target started
};

struct LiveEvent {
    enum class Kind { Phase, Log, Samples, Layers, Stack };
    Kind kind = Kind::Phase;
    std::string text;                // Phase: "generating", "building", "flashing", "running"; Log: a line of output
    std::vector<LiveSample> samples; // Samples: the new ones
    std::vector<LiveLayer> layers;   // Layers: the latest per-layer figures
    int64_t stackPeak = 0;
    // With the "flashing" phase: the firmware just built, its board and options, the probe's
    // serial and the unit the firmware counts in (for the run store).
    const DeployResult* built = nullptr;
    const Board* board = nullptr;
    const DeployOptions* options = nullptr;
    std::string serial, unit;
    // Owned copies of the above for an event delivered to another thread after the call returns.
    std::shared_ptr<const DeployResult> builtCopy;
    std::shared_ptr<const DeployOptions> optionsCopy;
};

struct LiveResult {
    DeployResult deploy;             // plan, build (sizes), arena
    ProbeInfo probe;
    std::string unit;
    int64_t clockHz = 0;
    std::vector<LiveSample> samples;
    std::vector<LiveLayer> layers;
    int64_t stackPeak = 0;
    std::vector<uint8_t> output;     // the outputs' bytes read from the target after the last inference
    int outputMatches = -1;          // 1 yes, 0 no, -1 not checked
    std::string outputCheck;         // in words
    bool cancelled = false;
};

// The whole live loop; blocking, for a worker thread. `onEvent` is called from that thread.
// Cancel through `job`: the target is stopped and the probe closed; the result says cancelled.
Result<LiveResult> runLive(const Model& model, const Session& doc, const BoardSet& boards, const LiveOptions& options,
                           PluginManager& plugins, const JobControl& job, const std::function<void(const LiveEvent&)>& onEvent);

} // namespace ts
