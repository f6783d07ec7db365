// The protocol half of the ST-Link plugin: StlinkApi on Debian's libstlink 1.7 over libusb-1.0.
// libstlink answers most failures with -1 and a line on stderr; this file turns them into
// StlinkStatus kinds: a libusb pass before opening tells "nothing attached" from "attached but
// not accessible" (LIBUSB_ERROR_ACCESS: the udev rules), and after a failed call the USB handle
// is asked whether the device is still there (LIBUSB_ERROR_NO_DEVICE: unplugged) and the target
// voltage whether the MCU is powered.
//
// NOT EXERCISED ON HARDWARE: no probe was attached where this was written; only the "no probe
// found" path has run. The driver logic above it is tested against a simulated target.

#include "stlink_api.h"

#include <stlink.h>
#include <libusb.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ts {

namespace {

constexpr uint32_t kMemChunk = 1024; // bytes per stlink_read_mem32 / write_mem32 (V2 limit is 6 KiB)

std::string usbError(int code)
{
    return std::string(libusb_error_name(code));
}

std::string probeVersion(const stlink_t* sl)
{
    const uint32_t pid = sl->version.stlink_pid;
    if (STLINK_V1_USB_PID(pid))
        return "ST-LINK/V1";
    if (STLINK_V2_1_USB_PID(pid) || pid == STLINK_USB_PID_STLINK_NUCLEO)
        return "ST-LINK/V2-1";
    if (STLINK_V2_USB_PID(pid))
        return "ST-LINK/V2";
    if (STLINK_V3_USB_PID(pid))
        return "ST-LINK/V3";
    switch (sl->version.stlink_v) {
    case 1: return "ST-LINK/V1";
    case 2: return "ST-LINK/V2";
    case 3: return "ST-LINK/V3";
    default: return "ST-LINK";
    }
}

int logLevel()
{
    // TINYSTUDIO_STLINK_DEBUG=1 lets libstlink print what it does; otherwise it stays quiet.
    const char* v = std::getenv("TINYSTUDIO_STLINK_DEBUG");
    return (v && *v && std::strcmp(v, "0") != 0) ? UDEBUG : 0;
}

// The libusb view of the bus: how many ST-Links there are and how many cannot be opened.
struct UsbScan {
    int initError = 0;
    int found = 0;
    int denied = 0;
    int busy = 0;
    std::string firstDenied; // "0483:374b on bus 1 device 5"
};

UsbScan scanUsb()
{
    UsbScan s;
    libusb_context* ctx = nullptr;
    const int rc = libusb_init(&ctx);
    if (rc != 0) {
        s.initError = rc;
        return s;
    }
    libusb_device** list = nullptr;
    const ssize_t n = libusb_get_device_list(ctx, &list);
    for (ssize_t i = 0; i < n; ++i) {
        libusb_device_descriptor desc{};
        if (libusb_get_device_descriptor(list[i], &desc) != 0)
            continue;
        if (desc.idVendor != STLINK_USB_VID_ST || !STLINK_SUPPORTED_USB_PID(desc.idProduct))
            continue;
        ++s.found;
        libusb_device_handle* h = nullptr;
        const int o = libusb_open(list[i], &h);
        if (o == LIBUSB_ERROR_ACCESS) {
            ++s.denied;
            if (s.firstDenied.empty()) {
                char buf[96];
                std::snprintf(buf, sizeof buf, "USB %04x:%04x on bus %u device %u", desc.idVendor, desc.idProduct,
                              unsigned(libusb_get_bus_number(list[i])), unsigned(libusb_get_device_address(list[i])));
                s.firstDenied = buf;
            }
        } else if (o != 0) {
            ++s.busy;
        } else {
            libusb_close(h);
        }
    }
    if (n >= 0)
        libusb_free_device_list(list, 1);
    libusb_exit(ctx);
    return s;
}

// The failure before any probe is open, or success if stlink_probe_usb / stlink_open_usb may try.
StlinkStatus usbPrecheck()
{
    const UsbScan u = scanUsb();
    if (u.initError != 0)
        return StlinkStatus::failure(StlinkFault::NoProbe, "libusb could not start: " + usbError(u.initError) +
                                                               "; is there USB access on this machine?");
    if (u.found == 0)
        return StlinkStatus::failure(StlinkFault::NoProbe);
    if (u.denied == u.found)
        return StlinkStatus::failure(StlinkFault::PermissionDenied, u.firstDenied, LIBUSB_ERROR_ACCESS);
    return StlinkStatus::success();
}

void fillTarget(const stlink_t* sl, StlinkTarget& t)
{
    t.serial = std::string(sl->serial, strnlen(sl->serial, sizeof sl->serial));
    t.version = probeVersion(sl);
    t.chipId = sl->chip_id & 0xFFF;
    t.chipKnown = sl->flash_type != STLINK_FLASH_TYPE_UNKNOWN && sl->flash_size > 0;
    t.flashBase = sl->flash_base;
    t.flashBytes = int64_t(sl->flash_size);
    t.ramBase = sl->sram_base;
    t.ramBytes = int64_t(sl->sram_size);
}

class LibStlinkApi : public StlinkApi {
public:
    ~LibStlinkApi() override { close(); }

    StlinkStatus enumerate(std::vector<StlinkTarget>& probes) override
    {
        probes.clear();
        const StlinkStatus pre = usbPrecheck();
        if (!pre.ok())
            return pre;
        stlink_t** devs = nullptr;
        const size_t n = stlink_probe_usb(&devs, CONNECT_HOT_PLUG, 0);
        for (size_t i = 0; i < n; ++i) {
            StlinkTarget t;
            fillTarget(devs[i], t);
            probes.push_back(std::move(t));
        }
        stlink_probe_usb_free(&devs, n);
        if (probes.empty())
            return StlinkStatus::failure(StlinkFault::ProbeBusy, "stlink_probe_usb opened none of them");
        return StlinkStatus::success();
    }

    StlinkStatus open(const std::string& serial) override
    {
        close();
        const StlinkStatus pre = usbPrecheck();
        if (!pre.ok())
            return pre;
        char buf[STLINK_SERIAL_BUFFER_SIZE] = {};
        std::strncpy(buf, serial.c_str(), STLINK_SERIAL_LENGTH);
        const auto level = static_cast<ugly_loglevel>(logLevel());
        m_sl = stlink_open_usb(level, CONNECT_HOT_PLUG, serial.empty() ? nullptr : buf, 0);
        if (m_sl && (m_sl->chip_id & 0xFFF) == 0 && !gone()) {
            // The target did not answer a hot-plug connect (its firmware may sleep or reuse the SWD
            // pins): try once more holding it in reset, as `st-flash --connect-under-reset` does.
            stlink_close(m_sl);
            m_sl = stlink_open_usb(level, CONNECT_UNDER_RESET, serial.empty() ? nullptr : buf, 0);
        }
        if (!m_sl) {
            if (!serial.empty()) {
                std::vector<StlinkTarget> probes;
                if (enumerate(probes).ok() &&
                    std::none_of(probes.begin(), probes.end(), [&](const StlinkTarget& t) { return t.serial == serial; })) {
                    std::string list;
                    for (const StlinkTarget& t : probes)
                        list += (list.empty() ? "" : ", ") + t.serial;
                    return StlinkStatus::failure(StlinkFault::SerialNotFound, "attached: " + list);
                }
            }
            return StlinkStatus::failure(StlinkFault::ProbeBusy, "stlink_open_usb failed");
        }
        return StlinkStatus::success();
    }

    StlinkStatus target(StlinkTarget& out) override
    {
        if (!m_sl)
            return notOpen();
        uint32_t id = 0;
        if (stlink_chip_id(m_sl, &id) != 0 || (id & 0xFFF) == 0)
            return failure(StlinkFault::TargetNotResponding, "reading DBGMCU_IDCODE", -1, 0);
        fillTarget(m_sl, out);
        if (out.chipId == 0)
            out.chipId = id & 0xFFF;
        return StlinkStatus::success();
    }

    StlinkStatus pageAt(uint32_t address, uint32_t& pageStart, uint32_t& pageBytes) override
    {
        if (!m_sl)
            return notOpen();
        pageBytes = stlink_calculate_pagesize(m_sl, address);
        if (pageBytes == 0)
            return StlinkStatus::failure(StlinkFault::Failed, "no page size for this address", 0, address);
        // Pages and sectors of the supported families are aligned to their size from the flash base.
        const uint32_t off = address - m_sl->flash_base;
        pageStart = m_sl->flash_base + off / pageBytes * pageBytes;
        return StlinkStatus::success();
    }

    StlinkStatus erasePage(uint32_t address) override
    {
        if (!m_sl)
            return notOpen();
        const int rc = stlink_erase_flash_page(m_sl, address);
        return rc == 0 ? StlinkStatus::success() : failure(StlinkFault::EraseFailed, {}, rc, address);
    }

    StlinkStatus beginFlashWrite() override
    {
        if (!m_sl)
            return notOpen();
        m_loader = flash_loader_t{};
        const int rc = stlink_flashloader_start(m_sl, &m_loader);
        if (rc != 0)
            return failure(StlinkFault::FlashWriteFailed, "starting the flash loader", rc, m_sl->flash_base);
        m_loaderRunning = true;
        return StlinkStatus::success();
    }

    StlinkStatus writeFlash(uint32_t address, const uint8_t* data, uint32_t length) override
    {
        if (!m_sl)
            return notOpen();
        std::vector<uint8_t> copy(data, data + length); // libstlink takes a non-const buffer
        const int rc = stlink_flashloader_write(m_sl, &m_loader, address, copy.data(), length);
        return rc == 0 ? StlinkStatus::success() : failure(StlinkFault::FlashWriteFailed, {}, rc, address);
    }

    StlinkStatus endFlashWrite() override
    {
        if (!m_sl)
            return notOpen();
        if (!m_loaderRunning)
            return StlinkStatus::success();
        m_loaderRunning = false;
        const int rc = stlink_flashloader_stop(m_sl, &m_loader);
        return rc == 0 ? StlinkStatus::success() : failure(StlinkFault::FlashWriteFailed, "stopping the flash loader", rc, 0);
    }

    StlinkStatus verifyFlash(uint32_t address, const uint8_t* data, uint32_t length) override
    {
        if (!m_sl)
            return notOpen();
        std::vector<uint8_t> copy(data, data + length);
        const int rc = stlink_verify_write_flash(m_sl, address, copy.data(), length);
        if (rc == 0)
            return StlinkStatus::success();
        if (gone())
            return unplugged(address);
        // libstlink only says "mismatch": read back to name the first differing byte.
        std::vector<uint8_t> back(length);
        const StlinkStatus st = readMem32(address, length, back.data());
        if (!st.ok())
            return st;
        for (uint32_t i = 0; i < length; ++i) {
            if (back[i] != data[i]) {
                StlinkStatus s = StlinkStatus::failure(StlinkFault::VerifyMismatch, {}, rc, address + i);
                s.expected = data[i];
                s.found = back[i];
                return s;
            }
        }
        return StlinkStatus::failure(StlinkFault::VerifyMismatch, "libstlink reported a mismatch the read-back does not show",
                                     rc, address);
    }

    StlinkStatus reset() override
    {
        if (!m_sl)
            return notOpen();
        const int rc = stlink_reset(m_sl, RESET_SOFT_AND_HALT);
        return rc == 0 ? StlinkStatus::success() : failure(StlinkFault::TargetNotResponding, "reset", rc, 0);
    }

    StlinkStatus run() override
    {
        if (!m_sl)
            return notOpen();
        const int rc = stlink_run(m_sl, RUN_NORMAL);
        return rc == 0 ? StlinkStatus::success() : failure(StlinkFault::TargetNotResponding, "run", rc, 0);
    }

    StlinkStatus halt() override
    {
        if (!m_sl)
            return notOpen();
        const int rc = stlink_force_debug(m_sl);
        return rc == 0 ? StlinkStatus::success() : failure(StlinkFault::TargetNotResponding, "halt", rc, 0);
    }

    StlinkStatus isHalted(bool& halted) override
    {
        if (!m_sl)
            return notOpen();
        const int rc = stlink_status(m_sl);
        if (rc != 0)
            return failure(StlinkFault::TargetNotResponding, "status", rc, 0);
        halted = m_sl->core_stat == TARGET_HALTED;
        return StlinkStatus::success();
    }

    StlinkStatus readMem32(uint32_t address, uint32_t length, uint8_t* out) override
    {
        if (!m_sl)
            return notOpen();
        for (uint32_t off = 0; off < length; off += kMemChunk) {
            const uint32_t n = std::min(kMemChunk, length - off);
            const int rc = stlink_read_mem32(m_sl, address + off, uint16_t(n));
            if (rc != 0)
                return failure(StlinkFault::ReadFailed, {}, rc, address + off);
            std::memcpy(out + off, m_sl->q_buf, n);
        }
        return StlinkStatus::success();
    }

    StlinkStatus writeMem32(uint32_t address, const uint8_t* data, uint32_t length) override
    {
        if (!m_sl)
            return notOpen();
        for (uint32_t off = 0; off < length; off += kMemChunk) {
            const uint32_t n = std::min(kMemChunk, length - off);
            std::memcpy(m_sl->q_buf, data + off, n);
            const int rc = stlink_write_mem32(m_sl, address + off, uint16_t(n));
            if (rc != 0)
                return failure(StlinkFault::WriteFailed, {}, rc, address + off);
        }
        return StlinkStatus::success();
    }

    void close() override
    {
        if (!m_sl)
            return;
        if (m_loaderRunning && !gone())
            stlink_flashloader_stop(m_sl, &m_loader);
        m_loaderRunning = false;
        if (!gone())
            stlink_exit_debug_mode(m_sl);
        stlink_close(m_sl);
        m_sl = nullptr;
    }

private:
    static StlinkStatus notOpen() { return StlinkStatus::failure(StlinkFault::Failed, "no probe is open"); }

    // Whether the USB device has disappeared under the open handle.
    bool gone() const
    {
        if (!m_sl || !m_sl->backend_data)
            return false;
        const auto* slu = static_cast<const stlink_libusb*>(m_sl->backend_data);
        if (!slu->usb_handle)
            return false;
        int config = 0;
        return libusb_get_configuration(slu->usb_handle, &config) == LIBUSB_ERROR_NO_DEVICE;
    }

    StlinkStatus unplugged(uint32_t address) const
    {
        return StlinkStatus::failure(StlinkFault::Unplugged, {}, LIBUSB_ERROR_NO_DEVICE, address);
    }

    // A failed call: unplugged if the device is gone, target not responding if it has no power,
    // otherwise `kind`.
    StlinkStatus failure(StlinkFault kind, std::string detail, int rc, uint32_t address) const
    {
        if (gone())
            return unplugged(address);
        const int mv = stlink_target_voltage(m_sl);
        if (mv >= 0 && mv < 1500) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "target voltage %.2f V", mv / 1000.0);
            return StlinkStatus::failure(StlinkFault::TargetNotResponding, buf, rc, address);
        }
        return StlinkStatus::failure(kind, std::move(detail), rc, address);
    }

    stlink_t* m_sl = nullptr;
    flash_loader_t m_loader{};
    bool m_loaderRunning = false;
};

} // namespace

std::unique_ptr<StlinkApi> makeLibStlinkApi()
{
    return std::make_unique<LibStlinkApi>();
}

} // namespace ts
