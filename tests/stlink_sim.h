#pragma once
// A simulated ST-Link bench behind the StlinkApi seam: probes with serials, each with an STM32
// target (chip id, flash and RAM as byte arrays at their addresses, a page layout with
// erase-to-0xFF and program-clears-bits semantics) and injectable faults: unplug after N flash
// bytes, a corrupted byte that makes verify fail, a wrong chip id, read failures while running,
// open refused with permission denied or no device, a silent target.

#include "stlink_api.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts::sim {

struct SimTarget {
    std::string serial = "066DFF485457725187092435";
    std::string version = "ST-LINK/V2-1";
    uint32_t chipId = 0x431;
    bool chipKnown = true;               // libstlink has flash parameters for it
    uint32_t flashBase = 0x08000000;
    std::vector<uint32_t> pageSizes;     // erase units from flashBase upwards
    std::vector<uint8_t> flash;          // the whole flash (its size is the reported flash size)
    int64_t reportedFlashBytes = -1;     // -1: flash.size()
    uint32_t ramBase = 0x20000000;
    std::vector<uint8_t> ram;
    bool halted = false;                 // a board fresh from the box runs its demo firmware

    // Faults.
    bool silent = false;                 // the target does not answer (chip id 0)
    int64_t unplugAfterFlashBytes = -1;  // the probe disappears once this many bytes were programmed
    int64_t corruptAddress = -1;         // the programmed byte here is stored XOR corruptXor
    uint8_t corruptXor = 0x10;
    bool readFailsWhileRunning = false;
    int64_t failWriteAt = -1;            // programming the flash word holding this address fails

    // What happened.
    bool unplugged = false;
    int64_t flashBytesWritten = 0;
    int pagesErased = 0;
    int flashWrites = 0;
    int opens = 0;
    bool open = false;

    // A bare STM32F411xE: 512 KiB flash in sectors 4x16 KiB, 64 KiB, 3x128 KiB (RM0383 table 5),
    // 128 KiB SRAM; flash filled with `oldFirmware` (what the previous program left there).
    static std::shared_ptr<SimTarget> f411(uint8_t oldFirmware = 0x5A);
    // The same sectors, other chips: F446 (0x421, 512 KiB, 128 KiB SRAM per RM0390) and an F411xC
    // (0x431 with 256 KiB: the first six sectors).
    static std::shared_ptr<SimTarget> f446(uint8_t oldFirmware = 0x5A);
    static std::shared_ptr<SimTarget> f411xc(uint8_t oldFirmware = 0x5A);

    // Index into flash/ram for [address, address+n), or -1 if not inside.
    int64_t flashIndex(uint32_t address, uint32_t n) const;
    int64_t ramIndex(uint32_t address, uint32_t n) const;
};

// The USB bus: the attached probes and bus-wide faults.
struct SimBench {
    std::vector<std::shared_ptr<SimTarget>> targets;
    bool permissionDenied = false;       // libusb_open says LIBUSB_ERROR_ACCESS for every probe
    int apisMade = 0;

    StlinkApiFactory factory();
};

class SimStlinkApi : public StlinkApi {
public:
    explicit SimStlinkApi(SimBench& bench) : m_bench(bench) {}
    ~SimStlinkApi() override { close(); }

    StlinkStatus enumerate(std::vector<StlinkTarget>& probes) override;
    StlinkStatus open(const std::string& serial) override;
    StlinkStatus target(StlinkTarget& out) override;
    StlinkStatus pageAt(uint32_t address, uint32_t& pageStart, uint32_t& pageBytes) override;
    StlinkStatus erasePage(uint32_t address) override;
    StlinkStatus beginFlashWrite() override;
    StlinkStatus writeFlash(uint32_t address, const uint8_t* data, uint32_t length) override;
    StlinkStatus endFlashWrite() override;
    StlinkStatus verifyFlash(uint32_t address, const uint8_t* data, uint32_t length) override;
    StlinkStatus reset() override;
    StlinkStatus run() override;
    StlinkStatus halt() override;
    StlinkStatus isHalted(bool& halted) override;
    StlinkStatus readMem32(uint32_t address, uint32_t length, uint8_t* out) override;
    StlinkStatus writeMem32(uint32_t address, const uint8_t* data, uint32_t length) override;
    void close() override;

    // Every call the driver made, in order ("open", "erase 0x08000000", "write 0x08000000 4096", ...).
    static std::vector<std::string>& log();

private:
    StlinkStatus live(); // fails once the probe is unplugged or when nothing is open
    SimBench& m_bench;
    std::shared_ptr<SimTarget> m_t;
    bool m_loader = false;
};

} // namespace ts::sim
