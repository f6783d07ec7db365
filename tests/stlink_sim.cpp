#include "stlink_sim.h"

#include <algorithm>
#include <cstdio>

namespace ts::sim {

namespace {

constexpr int kLibusbErrorAccess = -3;   // LIBUSB_ERROR_ACCESS
constexpr int kLibusbErrorNoDevice = -4; // LIBUSB_ERROR_NO_DEVICE

std::string hex(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

std::shared_ptr<SimTarget> f4(uint32_t chipId, uint32_t flashKiB, uint8_t fill)
{
    auto t = std::make_shared<SimTarget>();
    t->chipId = chipId;
    const std::vector<uint32_t> sectors = {16384, 16384, 16384, 16384, 65536, 131072, 131072, 131072};
    uint32_t total = 0;
    for (uint32_t s : sectors) {
        if (total >= flashKiB * 1024)
            break;
        t->pageSizes.push_back(s);
        total += s;
    }
    t->flash.assign(total, fill);
    t->ram.assign(128 * 1024, 0);
    return t;
}

} // namespace

std::shared_ptr<SimTarget> SimTarget::f411(uint8_t oldFirmware) { return f4(0x431, 512, oldFirmware); }
std::shared_ptr<SimTarget> SimTarget::f446(uint8_t oldFirmware) { return f4(0x421, 512, oldFirmware); }
std::shared_ptr<SimTarget> SimTarget::f411xc(uint8_t oldFirmware) { return f4(0x431, 256, oldFirmware); }

int64_t SimTarget::flashIndex(uint32_t address, uint32_t n) const
{
    if (address < flashBase || uint64_t(address) + n > uint64_t(flashBase) + flash.size())
        return -1;
    return int64_t(address - flashBase);
}

int64_t SimTarget::ramIndex(uint32_t address, uint32_t n) const
{
    if (address < ramBase || uint64_t(address) + n > uint64_t(ramBase) + ram.size())
        return -1;
    return int64_t(address - ramBase);
}

StlinkApiFactory SimBench::factory()
{
    return [this]() -> std::unique_ptr<StlinkApi> {
        ++apisMade;
        return std::make_unique<SimStlinkApi>(*this);
    };
}

std::vector<std::string>& SimStlinkApi::log()
{
    static std::vector<std::string> calls;
    return calls;
}

StlinkStatus SimStlinkApi::live()
{
    if (!m_t)
        return StlinkStatus::failure(StlinkFault::Failed, "no probe is open");
    if (m_t->unplugged)
        return StlinkStatus::failure(StlinkFault::Unplugged, {}, kLibusbErrorNoDevice);
    if (m_t->silent)
        return StlinkStatus::failure(StlinkFault::TargetNotResponding, "target voltage 0.00 V", -1);
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::enumerate(std::vector<StlinkTarget>& probes)
{
    log().push_back("enumerate");
    probes.clear();
    std::vector<std::shared_ptr<SimTarget>> attached;
    for (const auto& t : m_bench.targets)
        if (!t->unplugged)
            attached.push_back(t);
    if (attached.empty())
        return StlinkStatus::failure(StlinkFault::NoProbe);
    if (m_bench.permissionDenied)
        return StlinkStatus::failure(StlinkFault::PermissionDenied, "USB 0483:374b on bus 1 device 7", kLibusbErrorAccess);
    for (const auto& t : attached) {
        StlinkTarget p;
        p.serial = t->serial;
        p.version = t->version;
        p.chipId = t->silent ? 0 : t->chipId;
        p.chipKnown = t->chipKnown && !t->silent;
        p.flashBase = t->flashBase;
        p.flashBytes = t->silent ? 0 : (t->reportedFlashBytes >= 0 ? t->reportedFlashBytes : int64_t(t->flash.size()));
        p.ramBase = t->ramBase;
        p.ramBytes = t->silent ? 0 : int64_t(t->ram.size());
        probes.push_back(std::move(p));
    }
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::open(const std::string& serial)
{
    log().push_back("open " + serial);
    close();
    std::vector<StlinkTarget> probes;
    const StlinkStatus st = enumerate(probes);
    log().pop_back();
    if (!st.ok())
        return st;
    for (const auto& t : m_bench.targets) {
        if (t->unplugged || (!serial.empty() && t->serial != serial))
            continue;
        m_t = t;
        ++t->opens;
        t->open = true;
        return StlinkStatus::success();
    }
    std::string list;
    for (const StlinkTarget& p : probes)
        list += (list.empty() ? "" : ", ") + p.serial;
    return StlinkStatus::failure(StlinkFault::SerialNotFound, "attached: " + list);
}

StlinkStatus SimStlinkApi::target(StlinkTarget& out)
{
    log().push_back("target");
    if (!m_t)
        return live();
    if (m_t->unplugged)
        return live();
    out.serial = m_t->serial;
    out.version = m_t->version;
    out.chipId = m_t->silent ? 0 : m_t->chipId; // libstlink reads 0 from a target that does not answer
    out.chipKnown = m_t->chipKnown && !m_t->silent;
    out.flashBase = m_t->flashBase;
    out.flashBytes = m_t->silent ? 0 : (m_t->reportedFlashBytes >= 0 ? m_t->reportedFlashBytes : int64_t(m_t->flash.size()));
    out.ramBase = m_t->ramBase;
    out.ramBytes = m_t->silent ? 0 : int64_t(m_t->ram.size());
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::pageAt(uint32_t address, uint32_t& pageStart, uint32_t& pageBytes)
{
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    uint64_t start = m_t->flashBase;
    for (uint32_t size : m_t->pageSizes) {
        if (address >= start && address < start + size) {
            pageStart = uint32_t(start);
            pageBytes = size;
            return StlinkStatus::success();
        }
        start += size;
    }
    return StlinkStatus::failure(StlinkFault::Failed, "address outside the flash", -1, address);
}

StlinkStatus SimStlinkApi::erasePage(uint32_t address)
{
    log().push_back("erase " + hex(address));
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    uint32_t start = 0, size = 0;
    const StlinkStatus p = pageAt(address, start, size);
    if (!p.ok())
        return StlinkStatus::failure(StlinkFault::EraseFailed, {}, -1, address);
    const int64_t i = m_t->flashIndex(start, size);
    std::fill(m_t->flash.begin() + i, m_t->flash.begin() + i + size, uint8_t(0xFF));
    ++m_t->pagesErased;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::beginFlashWrite()
{
    log().push_back("loader start");
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    if (!m_t->halted)
        return StlinkStatus::failure(StlinkFault::FlashWriteFailed, "the core is running (the flash loader needs it halted)", -1);
    m_loader = true;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::writeFlash(uint32_t address, const uint8_t* data, uint32_t length)
{
    log().push_back("write " + hex(address) + " " + std::to_string(length));
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    if (!m_loader)
        return StlinkStatus::failure(StlinkFault::FlashWriteFailed, "flash loader not started", -1, address);
    if (address % 32 != 0 || length % 32 != 0)
        return StlinkStatus::failure(StlinkFault::FlashWriteFailed, "unaligned flash write", -1, address);
    const int64_t i = m_t->flashIndex(address, length);
    if (i < 0)
        return StlinkStatus::failure(StlinkFault::FlashWriteFailed, "outside the flash", -1, address);
    if (m_t->failWriteAt >= address && m_t->failWriteAt < int64_t(address) + length)
        return StlinkStatus::failure(StlinkFault::FlashWriteFailed, "FLASH_SR: WRPERR", -1, uint32_t(m_t->failWriteAt) & ~31u);
    ++m_t->flashWrites;
    for (uint32_t k = 0; k < length; ++k) {
        if (m_t->unplugAfterFlashBytes >= 0 && m_t->flashBytesWritten >= m_t->unplugAfterFlashBytes) {
            m_t->unplugged = true;
            return StlinkStatus::failure(StlinkFault::Unplugged, {}, kLibusbErrorNoDevice, address + k);
        }
        uint8_t v = data[k];
        if (int64_t(address) + k == m_t->corruptAddress)
            v ^= m_t->corruptXor;
        m_t->flash[size_t(i + k)] &= v; // programming only clears bits; erase sets them
        ++m_t->flashBytesWritten;
    }
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::endFlashWrite()
{
    log().push_back("loader stop");
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    m_loader = false;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::verifyFlash(uint32_t address, const uint8_t* data, uint32_t length)
{
    log().push_back("verify " + hex(address) + " " + std::to_string(length));
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    const int64_t i = m_t->flashIndex(address, length);
    if (i < 0)
        return StlinkStatus::failure(StlinkFault::ReadFailed, {}, -1, address);
    for (uint32_t k = 0; k < length; ++k) {
        if (m_t->flash[size_t(i + k)] != data[k]) {
            StlinkStatus s = StlinkStatus::failure(StlinkFault::VerifyMismatch, {}, -1, address + k);
            s.expected = data[k];
            s.found = m_t->flash[size_t(i + k)];
            return s;
        }
    }
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::reset()
{
    log().push_back("reset");
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    m_t->halted = true;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::run()
{
    log().push_back("run");
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    m_t->halted = false;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::halt()
{
    log().push_back("halt");
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    m_t->halted = true;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::isHalted(bool& halted)
{
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    halted = m_t->halted;
    return StlinkStatus::success();
}

StlinkStatus SimStlinkApi::readMem32(uint32_t address, uint32_t length, uint8_t* out)
{
    log().push_back("read " + hex(address) + " " + std::to_string(length));
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    if (address % 4 != 0 || length % 4 != 0)
        return StlinkStatus::failure(StlinkFault::ReadFailed, "unaligned stlink_read_mem32", -1, address);
    if (m_t->readFailsWhileRunning && !m_t->halted)
        return StlinkStatus::failure(StlinkFault::ReadFailed, "SWD transfer FAULT", -1, address);
    if (int64_t i = m_t->ramIndex(address, length); i >= 0) {
        std::copy_n(m_t->ram.begin() + i, length, out);
        return StlinkStatus::success();
    }
    if (int64_t i = m_t->flashIndex(address, length); i >= 0) {
        std::copy_n(m_t->flash.begin() + i, length, out);
        return StlinkStatus::success();
    }
    return StlinkStatus::failure(StlinkFault::ReadFailed, "no memory there", -1, address);
}

StlinkStatus SimStlinkApi::writeMem32(uint32_t address, const uint8_t* data, uint32_t length)
{
    log().push_back("writemem " + hex(address) + " " + std::to_string(length));
    const StlinkStatus st = live();
    if (!st.ok())
        return st;
    if (address % 4 != 0 || length % 4 != 0)
        return StlinkStatus::failure(StlinkFault::WriteFailed, "unaligned stlink_write_mem32", -1, address);
    const int64_t i = m_t->ramIndex(address, length);
    if (i < 0)
        return StlinkStatus::failure(StlinkFault::WriteFailed, "not RAM", -1, address);
    std::copy_n(data, length, m_t->ram.begin() + i);
    return StlinkStatus::success();
}

void SimStlinkApi::close()
{
    if (!m_t)
        return;
    log().push_back("close");
    m_t->open = false;
    m_t.reset();
    m_loader = false;
}

} // namespace ts::sim
