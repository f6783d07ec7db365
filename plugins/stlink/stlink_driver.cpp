#include "stlink_driver.h"

#include "boards/board.h"
#include "stlink_chips.h"

#include <algorithm>
#include <cstdio>

namespace ts {

const char* stlinkFaultName(StlinkFault f)
{
    switch (f) {
    case StlinkFault::None: return "none";
    case StlinkFault::NoProbe: return "no probe";
    case StlinkFault::PermissionDenied: return "permission denied";
    case StlinkFault::ProbeBusy: return "probe busy";
    case StlinkFault::SerialNotFound: return "serial not found";
    case StlinkFault::TargetNotResponding: return "target not responding";
    case StlinkFault::UnsupportedChip: return "unsupported chip";
    case StlinkFault::Unplugged: return "probe unplugged";
    case StlinkFault::EraseFailed: return "erase failed";
    case StlinkFault::FlashWriteFailed: return "flash write failed";
    case StlinkFault::VerifyMismatch: return "verify mismatch";
    case StlinkFault::ReadFailed: return "read failed";
    case StlinkFault::WriteFailed: return "write failed";
    case StlinkFault::Failed: return "failed";
    }
    return "failed";
}

namespace {

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

std::string hex8(uint8_t v)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(v));
    return buf;
}

std::string kib(int64_t bytes)
{
    if (bytes % 1024 == 0)
        return std::to_string(bytes / 1024) + " KiB";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024.0);
    return buf;
}

// libusb's names for its error codes (libusb.h, enum libusb_error).
std::string libusbErrorName(int code)
{
    static const char* const names[] = {"LIBUSB_ERROR_IO",        "LIBUSB_ERROR_INVALID_PARAM", "LIBUSB_ERROR_ACCESS",
                                        "LIBUSB_ERROR_NO_DEVICE", "LIBUSB_ERROR_NOT_FOUND",     "LIBUSB_ERROR_BUSY",
                                        "LIBUSB_ERROR_TIMEOUT",   "LIBUSB_ERROR_OVERFLOW",      "LIBUSB_ERROR_PIPE",
                                        "LIBUSB_ERROR_INTERRUPTED", "LIBUSB_ERROR_NO_MEM",      "LIBUSB_ERROR_NOT_SUPPORTED"};
    if (code <= -1 && code >= -12)
        return names[-code - 1];
    return "libusb error " + std::to_string(code);
}

// " (the library's words; libstlink returned -1)" or " (libusb: LIBUSB_ERROR_ACCESS)": the code
// is libusb's for the faults found on the USB side, libstlink's otherwise.
std::string codeNote(const StlinkStatus& s)
{
    std::string note = s.detail;
    const bool usbSide = s.fault == StlinkFault::NoProbe || s.fault == StlinkFault::PermissionDenied ||
                         s.fault == StlinkFault::ProbeBusy || s.fault == StlinkFault::Unplugged;
    if (s.code != 0 && s.fault != StlinkFault::Unplugged) {
        if (!note.empty())
            note += "; ";
        note += usbSide ? "libusb: " + libusbErrorName(s.code) : "libstlink returned " + std::to_string(s.code);
    }
    return note.empty() ? std::string() : " (" + note + ")";
}

std::string chipName(uint32_t id)
{
    if (const StlinkChip* c = findStlinkChip(id))
        return c->name;
    return "an STM32 with device id " + hexId(id);
}

Diagnostic makeInfo(std::string where, std::string message)
{
    Diagnostic d;
    d.severity = Severity::Info;
    d.where = std::move(where);
    d.message = std::move(message);
    return d;
}

// The board's on-chip flash (what the part behind the probe must have at least).
int64_t boardFlashBytes(const Board& b)
{
    int64_t internal = 0;
    for (const MemoryRegion& r : b.flash)
        if (r.kind == "internal")
            internal += int64_t(r.size);
    return internal ? internal : int64_t(b.totalFlash());
}

std::string whereOf(const std::string& serial)
{
    return serial.empty() ? std::string("ST-Link") : "ST-Link " + serial;
}

} // namespace

std::string describeStlinkFailure(const StlinkStatus& s, const std::string& what, const std::string& serial)
{
    const std::string probe = serial.empty() ? std::string("the ST-Link probe") : "the ST-Link probe " + serial;
    switch (s.fault) {
    case StlinkFault::None:
        return {};
    case StlinkFault::NoProbe:
        return "no ST-Link probe found" + codeNote(s) +
               ": plug the board in by its ST-LINK USB connector and check that `lsusb` lists an "
               "STMicroelectronics ST-LINK (0483:3748, 0483:374b, 0483:3752, 0483:374e or 0483:374f)";
    case StlinkFault::PermissionDenied:
        return "permission denied opening the ST-Link probe" + codeNote(s) +
               ": install the udev rules of stlink-tools (49-stlinkv2-1.rules and friends in "
               "/lib/udev/rules.d or /etc/udev/rules.d), run `sudo udevadm control --reload-rules && "
               "sudo udevadm trigger`, make sure your user is in the plugdev group, then unplug and "
               "replug the probe";
    case StlinkFault::ProbeBusy:
        return probe + " is attached but could not be opened" + codeNote(s) +
               ": another program (st-util, OpenOCD, STM32CubeIDE or STM32CubeProgrammer) may hold it; "
               "close it and try again";
    case StlinkFault::SerialNotFound:
        return "no ST-Link probe with serial '" + serial + "' is attached" + codeNote(s);
    case StlinkFault::TargetNotResponding:
        return probe + " does not reach its target while " + what + codeNote(s) +
               ": check the board's power (USB cable, power jumpers) and the SWD wiring (SWDIO, SWCLK, "
               "GND, NRST)";
    case StlinkFault::UnsupportedChip:
        return "libstlink 1.7 has no flash parameters for the target behind " + probe + codeNote(s) +
               ": it can neither flash nor verify it";
    case StlinkFault::Unplugged:
        return probe + " was unplugged (libusb: LIBUSB_ERROR_NO_DEVICE) while " + what +
               (s.address ? " at " + hex32(s.address) : std::string()) +
               ": reconnect it, then scan and open it again";
    case StlinkFault::EraseFailed:
        return "erasing the flash page at " + hex32(s.address) + " failed" + codeNote(s) +
               ": the flash may be write-protected (option bytes) or the target lost power";
    case StlinkFault::FlashWriteFailed:
        return "flash write failed at " + hex32(s.address) + codeNote(s) +
               ": the flash may be write-protected (option bytes) or the target lost power";
    case StlinkFault::VerifyMismatch:
        return "verify failed: the first differing byte is at " + hex32(s.address) + ": expected " +
               hex8(s.expected) + ", found " + hex8(s.found);
    case StlinkFault::ReadFailed:
    case StlinkFault::WriteFailed:
        return what + " at " + hex32(s.address) + " failed" + codeNote(s);
    case StlinkFault::Failed:
        return what + " failed" + codeNote(s);
    }
    return what + " failed";
}

namespace {

struct FlashBlock {
    uint32_t address = 0;
    std::vector<uint8_t> bytes;
    uint64_t end() const { return uint64_t(address) + bytes.size(); }
};

class StlinkSession : public ProbeSession {
public:
    StlinkSession(std::unique_ptr<StlinkApi> api, ProbeInfo info, StlinkTarget target, bool running)
        : m_api(std::move(api)), m_info(std::move(info)), m_target(std::move(target)), m_running(running)
    {
    }
    ~StlinkSession() override { close(); }

    ProbeInfo info() const override { return m_info; }
    Diagnostics flash(const FirmwareImage& image, const ProbeProgressFn& progress) override;
    Diagnostics reset() override;
    Diagnostics run() override;
    Diagnostics halt() override;
    bool isRunning() const override { return m_running && !m_closed; }
    Result<std::vector<uint8_t>> readMemory(uint32_t address, uint32_t bytes) override;
    Diagnostics writeMemory(uint32_t address, const std::vector<uint8_t>& bytes) override;
    void close() override;

private:
    std::string where() const { return whereOf(m_info.serial); }
    // The error for a failed call; an unplugged probe ends the session.
    Diagnostic failure(const StlinkStatus& s, const std::string& what, const std::string& file = {});
    // False (with the reason in `d`) once the session has ended.
    bool usable(Diagnostics& d) const;

    std::unique_ptr<StlinkApi> m_api;
    ProbeInfo m_info;
    StlinkTarget m_target;
    bool m_running = false;
    bool m_closed = false;
    std::string m_endReason; // why the session ended on its own (probe unplugged)
};

Diagnostic StlinkSession::failure(const StlinkStatus& s, const std::string& what, const std::string& file)
{
    const std::string text = describeStlinkFailure(s, what, m_info.serial);
    if (s.fault == StlinkFault::Unplugged && !m_closed) {
        m_endReason = "the probe was unplugged";
        close();
    }
    return makeError(file, where(), text);
}

bool StlinkSession::usable(Diagnostics& d) const
{
    if (!m_closed)
        return true;
    d.push_back(makeError({}, where(),
                          "the ST-Link session has ended" + (m_endReason.empty() ? std::string() : " (" + m_endReason + ")") +
                              ": scan and open the probe again"));
    return false;
}

void StlinkSession::close()
{
    if (m_closed)
        return;
    m_closed = true;
    m_running = false;
    if (m_api)
        m_api->close();
}

Diagnostics StlinkSession::flash(const FirmwareImage& image, const ProbeProgressFn& progress)
{
    Diagnostics d;
    if (!usable(d))
        return d;
    const std::string& file = image.elfPath;

    // Where the target's flash is: as the probe reports it.
    const uint64_t flashBase = m_target.flashBase;
    const uint64_t flashEnd = flashBase + uint64_t(std::max<int64_t>(m_target.flashBytes, 0));
    std::vector<const FlashSegment*> segs;
    for (const FlashSegment& s : image.segments) {
        if (s.bytes.empty())
            continue;
        const uint64_t a = s.address, e = a + s.bytes.size();
        if (a < flashBase || e > flashEnd) {
            d.push_back(makeError(file, "segment at " + hex32(s.address),
                                  std::to_string(s.bytes.size()) + " bytes at " + hex32(s.address) +
                                      " lie outside the target's flash (" + hex32(uint32_t(flashBase)) + " to " +
                                      hex32(uint32_t(flashEnd - 1)) + "): was the firmware linked for another board?"));
            return d;
        }
        segs.push_back(&s);
    }
    if (segs.empty()) {
        d.push_back(makeError(file, "program headers", "the firmware has no bytes to write (no non-empty loadable segment)"));
        return d;
    }
    std::stable_sort(segs.begin(), segs.end(),
                     [](const FlashSegment* a, const FlashSegment* b) { return a->address < b->address; });

    // Blocks of whole flash words; gaps between segments in one block hold the erased value.
    constexpr uint32_t A = StlinkDriver::kFlashAlign;
    std::vector<FlashBlock> blocks;
    for (const FlashSegment* s : segs) {
        const uint32_t a0 = s->address & ~(A - 1);
        const uint64_t e0 = (uint64_t(s->address) + s->bytes.size() + A - 1) & ~uint64_t(A - 1);
        if (blocks.empty() || a0 > blocks.back().end()) {
            FlashBlock b;
            b.address = a0;
            blocks.push_back(std::move(b));
        }
        FlashBlock& b = blocks.back();
        if (e0 > b.end())
            b.bytes.resize(size_t(e0 - b.address), 0xFF);
        std::copy(s->bytes.begin(), s->bytes.end(), b.bytes.begin() + (s->address - b.address));
    }

    // The erase units the blocks touch.
    std::vector<std::pair<uint32_t, uint32_t>> pages; // start, size
    for (const FlashBlock& b : blocks) {
        uint64_t at = b.address;
        while (at < b.end()) {
            uint32_t start = 0, size = 0;
            const StlinkStatus st = m_api->pageAt(uint32_t(at), start, size);
            if (!st.ok()) {
                d.push_back(failure(st, "looking up the flash page at " + hex32(uint32_t(at))));
                return d;
            }
            if (size == 0 || start > at) {
                d.push_back(makeError({}, where(), "the flash page at " + hex32(uint32_t(at)) +
                                                       " has no size (libstlink's flash layout for this chip is unknown)"));
                return d;
            }
            if (pages.empty() || pages.back().first != start)
                pages.emplace_back(start, size);
            at = uint64_t(start) + size;
        }
    }

    auto cancelled = [&](const std::string& phase, uint32_t at) {
        d.push_back(makeError(file, where(),
                              "flashing cancelled while " + phase + " (at " + hex32(at) +
                                  "): the flash holds a partial image; flash again before running it"));
        return d;
    };

    StlinkStatus st = m_api->halt();
    if (!st.ok()) {
        d.push_back(failure(st, "halting the core before flashing"));
        return d;
    }
    m_running = false;

    int64_t total = 0, done = 0;
    for (const auto& p : pages)
        total += p.second;
    if (progress && !progress(0, total, "erasing"))
        return cancelled("erasing", pages.front().first);
    for (const auto& p : pages) {
        st = m_api->erasePage(p.first);
        if (!st.ok()) {
            if (st.address == 0)
                st.address = p.first;
            d.push_back(failure(st, "erasing flash", file));
            return d;
        }
        done += p.second;
        if (progress && !progress(done, total, "erasing"))
            return cancelled("erasing", p.first + p.second);
    }

    total = 0;
    done = 0;
    for (const FlashBlock& b : blocks)
        total += int64_t(b.bytes.size());
    st = m_api->beginFlashWrite();
    if (!st.ok()) {
        d.push_back(failure(st, "starting the flash loader", file));
        return d;
    }
    for (const FlashBlock& b : blocks) {
        for (size_t off = 0; off < b.bytes.size(); off += StlinkDriver::kWriteChunk) {
            const uint32_t n = uint32_t(std::min<size_t>(StlinkDriver::kWriteChunk, b.bytes.size() - off));
            const uint32_t at = b.address + uint32_t(off);
            st = m_api->writeFlash(at, b.bytes.data() + off, n);
            if (!st.ok()) {
                if (st.address == 0)
                    st.address = at;
                d.push_back(failure(st, "writing flash", file));
                if (!m_closed)
                    m_api->endFlashWrite();
                return d;
            }
            done += n;
            if (progress && !progress(done, total, "writing")) {
                m_api->endFlashWrite();
                return cancelled("writing", at + n);
            }
        }
    }
    st = m_api->endFlashWrite();
    if (!st.ok()) {
        d.push_back(failure(st, "stopping the flash loader", file));
        return d;
    }

    done = 0;
    for (const FlashBlock& b : blocks) {
        for (size_t off = 0; off < b.bytes.size(); off += StlinkDriver::kVerifyChunk) {
            const uint32_t n = uint32_t(std::min<size_t>(StlinkDriver::kVerifyChunk, b.bytes.size() - off));
            const uint32_t at = b.address + uint32_t(off);
            st = m_api->verifyFlash(at, b.bytes.data() + off, n);
            if (!st.ok()) {
                d.push_back(failure(st, "verifying flash", file));
                return d;
            }
            done += n;
            if (progress && !progress(done, total, "verifying"))
                return cancelled("verifying", at + n);
        }
    }
    return d;
}

Diagnostics StlinkSession::reset()
{
    Diagnostics d;
    if (!usable(d))
        return d;
    const StlinkStatus st = m_api->reset();
    if (!st.ok())
        d.push_back(failure(st, "resetting the target"));
    else
        m_running = false;
    return d;
}

Diagnostics StlinkSession::run()
{
    Diagnostics d;
    if (!usable(d))
        return d;
    const StlinkStatus st = m_api->run();
    if (!st.ok())
        d.push_back(failure(st, "starting the core"));
    else
        m_running = true;
    return d;
}

Diagnostics StlinkSession::halt()
{
    Diagnostics d;
    if (!usable(d))
        return d;
    const StlinkStatus st = m_api->halt();
    if (!st.ok())
        d.push_back(failure(st, "halting the core"));
    else
        m_running = false;
    return d;
}

Result<std::vector<uint8_t>> StlinkSession::readMemory(uint32_t address, uint32_t bytes)
{
    Result<std::vector<uint8_t>> r;
    if (!usable(r.diagnostics))
        return r;
    if (bytes == 0) {
        r.value.emplace();
        return r;
    }
    const uint64_t end = uint64_t(address) + bytes;
    if (end > 0x100000000ull) {
        r.diagnostics.push_back(makeError({}, where(), "reading " + std::to_string(bytes) + " bytes at " + hex32(address) +
                                                           " runs past the end of the 32-bit address space"));
        return r;
    }
    // The probe reads whole words: widen to word boundaries and cut the request out.
    const uint32_t a0 = address & ~3u;
    const uint64_t e0 = (end + 3) & ~uint64_t(3);
    std::vector<uint8_t> words(size_t(e0 - a0));
    const StlinkStatus st = m_api->readMem32(a0, uint32_t(words.size()), words.data());
    if (!st.ok()) {
        StlinkStatus s = st;
        if (s.address == 0)
            s.address = address;
        Diagnostic diag = failure(s, "reading " + std::to_string(bytes) + " bytes");
        if (s.fault == StlinkFault::ReadFailed && m_running)
            diag.message += ": the core was running; it may have entered a low-power mode that stops the debug "
                            "port, or the address is not mapped; halt the core and read again";
        r.diagnostics.push_back(std::move(diag));
        return r;
    }
    r.value.emplace(words.begin() + (address - a0), words.begin() + (address - a0) + bytes);
    return r;
}

Diagnostics StlinkSession::writeMemory(uint32_t address, const std::vector<uint8_t>& bytes)
{
    Diagnostics d;
    if (!usable(d))
        return d;
    if (bytes.empty())
        return d;
    const uint64_t end = uint64_t(address) + bytes.size();
    if (end > 0x100000000ull) {
        d.push_back(makeError({}, where(), "writing " + std::to_string(bytes.size()) + " bytes at " + hex32(address) +
                                               " runs past the end of the 32-bit address space"));
        return d;
    }
    const uint32_t a0 = address & ~3u;
    const uint64_t e0 = (end + 3) & ~uint64_t(3);
    std::vector<uint8_t> words(size_t(e0 - a0));
    const std::string what = "writing " + std::to_string(bytes.size()) + " bytes";
    // Partial words at either end: keep the target's other bytes (read, patch, write back).
    auto fetch = [&](uint32_t at, size_t into) {
        const StlinkStatus st = m_api->readMem32(at, 4, words.data() + into);
        if (!st.ok()) {
            StlinkStatus s = st;
            if (s.address == 0)
                s.address = at;
            d.push_back(failure(s, "reading the word around an unaligned write"));
            return false;
        }
        return true;
    };
    if (address != a0 && !fetch(a0, 0))
        return d;
    if (end != e0 && (words.size() > 4 || address == a0) && !fetch(uint32_t(e0 - 4), words.size() - 4))
        return d;
    std::copy(bytes.begin(), bytes.end(), words.begin() + (address - a0));
    const StlinkStatus st = m_api->writeMem32(a0, words.data(), uint32_t(words.size()));
    if (!st.ok()) {
        StlinkStatus s = st;
        if (s.address == 0)
            s.address = address;
        d.push_back(failure(s, what));
    }
    return d;
}

} // namespace

StlinkDriver::StlinkDriver(StlinkApiFactory factory) : m_factory(std::move(factory)) {}

std::string StlinkDriver::description() const
{
    return "ST-Link debug probes (ST-LINK/V2, V2-1, V3) through libstlink: flash, run and read memory of STM32 boards";
}

Result<std::vector<ProbeInfo>> StlinkDriver::scan(const BoardSet& boards)
{
    Result<std::vector<ProbeInfo>> r;
    std::unique_ptr<StlinkApi> api = m_factory ? m_factory() : nullptr;
    if (!api) {
        r.diagnostics.push_back(makeError({}, "ST-Link", "the ST-Link driver has no libstlink backend"));
        return r;
    }
    std::vector<StlinkTarget> probes;
    const StlinkStatus st = api->enumerate(probes);
    api->close();
    if (st.fault == StlinkFault::NoProbe) {
        r.value.emplace();
        r.diagnostics.push_back(makeInfo("ST-Link", describeStlinkFailure(st, "scanning", {})));
        return r;
    }
    if (!st.ok()) {
        r.diagnostics.push_back(makeError({}, "ST-Link", describeStlinkFailure(st, "scanning", {})));
        return r;
    }
    std::vector<ProbeInfo> out;
    for (const StlinkTarget& t : probes) {
        ProbeInfo p;
        p.driver = name();
        p.serial = t.serial;
        p.chipId = t.chipId;
        p.flashBytes = t.flashBytes;
        p.ramBytes = t.ramBytes;
        const std::string version = t.version.empty() ? std::string("ST-LINK") : t.version;
        if (t.chipId == 0) {
            p.description = version + " (target not responding: check the board's power and the SWD wiring)";
        } else {
            p.chipName = chipName(t.chipId);
            p.description = version + " on " + p.chipName;
            if (const StlinkChip* chip = findStlinkChip(t.chipId)) {
                for (const Board& b : boards.boards)
                    if (b.probe.type == "stlink" && !stlinkMcuFamily(*chip, b.mcu).empty() &&
                        (t.flashBytes <= 0 || boardFlashBytes(b) <= t.flashBytes))
                        p.boards.push_back(b.id);
            }
        }
        out.push_back(std::move(p));
    }
    if (out.empty())
        r.diagnostics.push_back(makeInfo("ST-Link", describeStlinkFailure(StlinkStatus::failure(StlinkFault::NoProbe), "scanning", {})));
    r.value = std::move(out);
    return r;
}

Result<std::unique_ptr<ProbeSession>> StlinkDriver::open(const std::string& serial, const Board& board)
{
    Result<std::unique_ptr<ProbeSession>> r;
    const std::string where = whereOf(serial);
    auto error = [&](std::string file, std::string at, std::string message) {
        r.diagnostics.push_back(makeError(std::move(file), std::move(at), std::move(message)));
        return std::move(r);
    };
    if (board.probe.type != "stlink")
        return error(board.filePath, "probe.type",
                     "the board profile '" + board.id + "' uses the '" + board.probe.type + "' probe, not an ST-Link");
    const StlinkChip* expected = stlinkChipForMcu(board.mcu);
    if (!expected) {
        std::string known;
        for (const StlinkChip& c : stlinkChips())
            known += (known.empty() ? "" : ", ") + std::string(c.name);
        return error(board.filePath, "mcu",
                     "the ST-Link driver does not know the chip '" + board.mcu +
                         "', so it cannot check the target before writing (known: " + known + ")");
    }
    std::unique_ptr<StlinkApi> api = m_factory ? m_factory() : nullptr;
    if (!api)
        return error({}, where, "the ST-Link driver has no libstlink backend");

    std::string want = serial;
    if (want.empty()) {
        // "The only one": refuse to guess among several.
        std::vector<StlinkTarget> probes;
        const StlinkStatus st = api->enumerate(probes);
        if (!st.ok())
            return error({}, where, describeStlinkFailure(st, "scanning", {}));
        if (probes.empty())
            return error({}, where, describeStlinkFailure(StlinkStatus::failure(StlinkFault::NoProbe), "scanning", {}));
        if (probes.size() > 1) {
            std::string list;
            for (const StlinkTarget& t : probes)
                list += (list.empty() ? "" : ", ") + t.serial;
            return error({}, where, std::to_string(probes.size()) + " ST-Link probes are attached (" + list +
                                        "): choose one by its serial");
        }
        want = probes.front().serial;
    }

    StlinkStatus st = api->open(want);
    if (!st.ok()) {
        api->close();
        return error({}, whereOf(want), describeStlinkFailure(st, "opening the probe", want));
    }
    StlinkTarget t;
    st = api->target(t);
    if (!st.ok()) {
        api->close();
        return error({}, whereOf(want), describeStlinkFailure(st, "reading the target's chip id", want));
    }
    if (t.serial.empty())
        t.serial = want;
    if (t.chipId == 0) {
        api->close();
        return error({}, whereOf(want),
                     describeStlinkFailure(StlinkStatus::failure(StlinkFault::TargetNotResponding, "chip id 0"),
                                           "reading the target's chip id", want));
    }
    const std::string family = stlinkMcuFamily(*expected, board.mcu);
    const std::string flashNote = t.flashBytes > 0 ? ", " + kib(t.flashBytes) + " flash" : std::string();
    if (t.chipId != expected->id) {
        const StlinkChip* got = findStlinkChip(t.chipId);
        api->close();
        return error(board.filePath, whereOf(want),
                     "the probe's target is " + (got ? std::string(got->name) : chipName(t.chipId)) + " (" +
                         hexId(t.chipId) + flashNote + "); the board profile '" + board.id + "' expects " + family +
                         " (" + hexId(expected->id) + "): choose the board profile of the connected board, or "
                         "connect the board you chose; nothing was written");
    }
    if (!t.chipKnown) {
        api->close();
        return error(board.filePath, whereOf(want),
                     "libstlink 1.7 has no flash parameters for " + std::string(expected->name) + " (" +
                         hexId(t.chipId) + "), the chip of board profile '" + board.id +
                         "': it can neither flash nor verify it; flash this board with STM32CubeProgrammer or "
                         "stlink 1.8 or newer");
    }
    const int64_t wantFlash = boardFlashBytes(board);
    if (t.flashBytes > 0 && t.flashBytes < wantFlash) {
        api->close();
        return error(board.filePath, whereOf(want),
                     "the probe's target is " + std::string(expected->name) + " (" + hexId(t.chipId) + flashNote +
                         "); the board profile '" + board.id + "' expects " + kib(wantFlash) +
                         " of flash: the connected part is a smaller variant; nothing was written");
    }
    if (t.flashBytes <= 0) {
        r.diagnostics.push_back(makeWarning({}, whereOf(want),
                                            "the target did not report its flash size; using the board profile's " +
                                                kib(wantFlash)));
        t.flashBytes = wantFlash;
        if (t.flashBase == 0 && !board.flash.empty())
            t.flashBase = uint32_t(board.flash.front().base);
    }

    ProbeInfo info;
    info.driver = name();
    info.serial = t.serial;
    info.chipId = t.chipId;
    info.chipName = expected->name;
    info.description = (t.version.empty() ? std::string("ST-LINK") : t.version) + " on " + info.chipName;
    info.flashBytes = t.flashBytes;
    info.ramBytes = t.ramBytes;
    info.boards = {board.id};
    // Opening does not stop the core (hot plug): whatever it ran before keeps running.
    bool halted = true;
    const bool running = api->isHalted(halted).ok() && !halted;
    r.value = std::unique_ptr<ProbeSession>(new StlinkSession(std::move(api), std::move(info), std::move(t), running));
    return r;
}

} // namespace ts
