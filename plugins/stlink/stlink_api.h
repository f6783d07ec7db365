#pragma once
// The seam between the ST-Link driver and libstlink: one virtual per libstlink operation the
// driver uses, each returning a StlinkStatus that says what kind of failure libstlink or libusb
// reported. The driver (stlink_driver.h) is written only against this class; the real
// implementation (stlink_libstlink.cpp, makeLibStlinkApi) calls Debian's libstlink 1.7 over
// libusb-1.0, and the tests put a simulated target behind it (tests/stlink_sim.h).
//
// One StlinkApi instance talks to at most one open probe; the driver makes a fresh instance per
// scan and per session through a StlinkApiFactory.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ts {

// What went wrong, in the terms the driver turns into words.
enum class StlinkFault {
    None,
    NoProbe,             // no ST-Link on the USB bus (or no USB at all)
    PermissionDenied,    // libusb_open: LIBUSB_ERROR_ACCESS (udev rules missing)
    ProbeBusy,           // attached but cannot be claimed (another debugger has it)
    SerialNotFound,      // no probe with the requested serial
    TargetNotResponding, // the probe answers, the MCU behind it does not (power, SWD wiring)
    UnsupportedChip,     // libstlink has no flash parameters for the chip id it read
    Unplugged,           // libusb: LIBUSB_ERROR_NO_DEVICE in the middle of an operation
    EraseFailed,
    FlashWriteFailed,
    VerifyMismatch,
    ReadFailed,
    WriteFailed,
    Failed,              // anything else libstlink returned non-zero for
};
const char* stlinkFaultName(StlinkFault f);

struct StlinkStatus {
    StlinkFault fault = StlinkFault::None;
    int code = 0;            // libstlink's return value or the libusb error code (LIBUSB_ERROR_*)
    uint32_t address = 0;    // where it happened (flash write, verify, memory access)
    uint8_t expected = 0;    // VerifyMismatch: the image byte at `address` ...
    uint8_t found = 0;       // ... and what the target holds there
    std::string detail;      // the library's own words or the USB device, for the message

    bool ok() const { return fault == StlinkFault::None; }
    static StlinkStatus success() { return {}; }
    static StlinkStatus failure(StlinkFault f, std::string detail = {}, int code = 0, uint32_t address = 0)
    {
        StlinkStatus s;
        s.fault = f;
        s.detail = std::move(detail);
        s.code = code;
        s.address = address;
        return s;
    }
};

// A probe and the target behind it, as libstlink reports them.
struct StlinkTarget {
    std::string serial;       // the probe's USB serial (24 hex digits on ST-LINK/V2-1 and V3)
    std::string version;      // "ST-LINK/V2", "ST-LINK/V2-1", "ST-LINK/V3"
    uint32_t chipId = 0;      // DBGMCU_IDCODE device id (low 12 bits); 0: the target did not answer
    bool chipKnown = false;   // libstlink has flash parameters for chipId (it can flash it)
    uint32_t flashBase = 0;
    int64_t flashBytes = 0;   // read from the chip's flash size register
    uint32_t ramBase = 0;
    int64_t ramBytes = 0;     // libstlink's table value for the chip id
};

class StlinkApi {
public:
    virtual ~StlinkApi() = default;

    // stlink_probe_usb / stlink_probe_usb_free, after a libusb pass that tells "nothing attached"
    // (NoProbe) from "attached but not accessible" (PermissionDenied, ProbeBusy).
    virtual StlinkStatus enumerate(std::vector<StlinkTarget>& probes) = 0;
    // stlink_open_usb (hot plug: the target is not reset); empty serial: the first probe.
    virtual StlinkStatus open(const std::string& serial) = 0;
    // The open probe and its target: chip id (stlink_chip_id), flash and RAM size.
    virtual StlinkStatus target(StlinkTarget& out) = 0;
    // stlink_calculate_pagesize: the erase unit (page or sector) that holds `address`.
    virtual StlinkStatus pageAt(uint32_t address, uint32_t& pageStart, uint32_t& pageBytes) = 0;
    // stlink_erase_flash_page: erases the page or sector that holds `address`.
    virtual StlinkStatus erasePage(uint32_t address) = 0;
    // stlink_flashloader_start / _write / _stop: program erased flash. `address` and `length`
    // are multiples of 32 bytes (the largest flash word among the supported chips).
    virtual StlinkStatus beginFlashWrite() = 0;
    virtual StlinkStatus writeFlash(uint32_t address, const uint8_t* data, uint32_t length) = 0;
    virtual StlinkStatus endFlashWrite() = 0;
    // stlink_verify_write_flash; a mismatch names the first differing address and both bytes.
    virtual StlinkStatus verifyFlash(uint32_t address, const uint8_t* data, uint32_t length) = 0;
    // stlink_reset (soft reset, halted at the reset vector), stlink_run, stlink_force_debug.
    virtual StlinkStatus reset() = 0;
    virtual StlinkStatus run() = 0;
    virtual StlinkStatus halt() = 0;
    // stlink_status: whether the core is halted.
    virtual StlinkStatus isHalted(bool& halted) = 0;
    // stlink_read_mem32 / stlink_write_mem32: `address` and `length` are multiples of 4.
    virtual StlinkStatus readMem32(uint32_t address, uint32_t length, uint8_t* out) = 0;
    virtual StlinkStatus writeMem32(uint32_t address, const uint8_t* data, uint32_t length) = 0;
    // stlink_exit_debug_mode + stlink_close; safe to call twice or without open().
    virtual void close() = 0;
};

using StlinkApiFactory = std::function<std::unique_ptr<StlinkApi>()>;

// The real thing: libstlink 1.7 over libusb-1.0.
std::unique_ptr<StlinkApi> makeLibStlinkApi();

} // namespace ts
