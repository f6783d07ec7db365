#pragma once
// The probe interface: what the studio needs of a debug probe (or an emulator standing in for
// one) to put firmware on a target, run it and read its profiling mailbox. Shaped like a libsigrok
// driver: a ProbeDriver scans for attached probes and opens one; the ProbeSession it returns
// flashes (erase, write, verify), resets, runs, halts and reads/writes target memory. Backends
// are Qt plugins in plugins/ (qemu, stlink), found by the PluginManager (probe/pluginmanager.h).
// Every failure is a Diagnostic in words a user can act on (no probe, permission denied with the
// udev hint, wrong chip, verify mismatch, probe unplugged); nothing throws.

#include "common/diagnostic.h"

#include <QtPlugin>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ts {

struct Board;
struct BoardSet;

// One attached probe and the target behind it, as scan() finds it.
struct ProbeInfo {
    std::string driver;               // "qemu", "stlink"
    std::string serial;               // unique among the driver's probes; what open() takes
    std::string description;          // "ST-LINK/V2-1 on STM32F411xC/E", "QEMU mps2-an386 (Cortex-M4)"
    uint32_t chipId = 0;              // DBGMCU_IDCODE device id (0: unknown / emulator)
    std::string chipName;             // "STM32F411xC/E"
    int64_t flashBytes = 0;           // as the probe reports the target (0: unknown)
    int64_t ramBytes = 0;
    std::vector<std::string> boards;  // ids of the board profiles this target matches
};

// A load image: what a real probe writes to flash, and the ELF an emulator boots.
struct FlashSegment {
    uint32_t address = 0;
    std::vector<uint8_t> bytes;
};
struct FirmwareImage {
    std::string elfPath;
    std::vector<FlashSegment> segments; // PT_LOAD contents at their load (flash) addresses
    uint32_t entry = 0;
    uint64_t totalBytes() const;
};
// Reads the loadable segments of an ARM ELF file (32-bit little-endian); errors name the file.
Result<FirmwareImage> loadFirmwareImage(const std::string& elfPath);

// A symbol of an ELF file (its address and size), e.g. the live firmware's mailbox.
struct ElfSymbol {
    uint32_t address = 0;
    uint32_t size = 0;
};
Result<ElfSymbol> findElfSymbol(const std::string& elfPath, const std::string& name);

// Progress while flashing: bytes done of total and a phrase ("erasing", "writing", "verifying").
// Returning false cancels.
using ProbeProgressFn = std::function<bool(int64_t done, int64_t total, const std::string& what)>;

class ProbeSession {
public:
    virtual ~ProbeSession() = default;
    virtual ProbeInfo info() const = 0;
    // Erase, write and verify `image`; the target is left halted (reset() then run() starts it).
    virtual Diagnostics flash(const FirmwareImage& image, const ProbeProgressFn& progress) = 0;
    virtual Diagnostics reset() = 0;   // reset and halt at the reset vector
    virtual Diagnostics run() = 0;     // let the core run
    virtual Diagnostics halt() = 0;
    virtual bool isRunning() const = 0;
    // Reads `bytes` bytes at `address`; a probe that can read while the core runs (ST-Link, QEMU's
    // gdbstub pausing the emulator for the read) leaves it running.
    virtual Result<std::vector<uint8_t>> readMemory(uint32_t address, uint32_t bytes) = 0;
    virtual Diagnostics writeMemory(uint32_t address, const std::vector<uint8_t>& bytes) = 0;
    // Text the target printed since the last call (QEMU: semihosting console; ST-Link: empty).
    virtual std::string takeConsole() { return {}; }
    // Ends the session: stops the emulator or releases the probe. Safe to call twice.
    virtual void close() = 0;
};

class ProbeDriver {
public:
    virtual ~ProbeDriver() = default;
    virtual std::string name() const = 0;         // "qemu", "stlink": the board profiles' probe.type
    virtual std::string description() const = 0;
    // The attached probes; `boards` lets the driver say which profiles each target matches.
    virtual Result<std::vector<ProbeInfo>> scan(const BoardSet& boards) = 0;
    // Opens the probe `serial` (empty: the only one) for `board`; checks that the target behind it
    // is the board's chip and has at least its flash and RAM before anything is written.
    virtual Result<std::unique_ptr<ProbeSession>> open(const std::string& serial, const Board& board) = 0;
};

} // namespace ts

#define TS_PROBE_DRIVER_IID "org.tinystudio.ProbeDriver/1"
Q_DECLARE_INTERFACE(ts::ProbeDriver, TS_PROBE_DRIVER_IID)
