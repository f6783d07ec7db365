#pragma once
// The ST-Link probe driver (the "API file" half of the plugin, libsigrok-style): scan, open, and a
// session that flashes (erase, write, verify), resets, runs, halts and reads/writes target memory.
// Written only against the StlinkApi seam (stlink_api.h), so tests can put a simulated target
// behind it; the plugin (stlink_plugin.cpp) puts libstlink behind it. Every StlinkStatus failure
// becomes a Diagnostic a user can act on.

#include "probe/probe.h"
#include "stlink_api.h"

#include <memory>
#include <string>
#include <vector>

namespace ts {

// The words for a failed StlinkStatus: `what` is the operation ("writing flash"), `serial` the
// probe. Exposed for the tests and for callers that use the seam directly.
std::string describeStlinkFailure(const StlinkStatus& s, const std::string& what, const std::string& serial);

class StlinkDriver : public ProbeDriver {
public:
    explicit StlinkDriver(StlinkApiFactory factory);

    std::string name() const override { return "stlink"; }
    std::string description() const override;
    Result<std::vector<ProbeInfo>> scan(const BoardSet& boards) override;
    Result<std::unique_ptr<ProbeSession>> open(const std::string& serial, const Board& board) override;

    // Program granule: flash blocks are aligned and padded (with the erased value 0xFF) to this.
    static constexpr uint32_t kFlashAlign = 32;
    // Bytes per write call and per verify call (progress and cancel are checked between calls).
    static constexpr uint32_t kWriteChunk = 4096;
    static constexpr uint32_t kVerifyChunk = 16384;

private:
    StlinkApiFactory m_factory;
};

} // namespace ts
