#include "qemu_driver.h"

#include "boards/board.h"
#include "build/deploy.h"
#include "gdb_remote.h"

#include <QStandardPaths>

#include <algorithm>

namespace ts {

namespace {

// The virtual probe that emulates `b`'s machine.
ProbeInfo probeInfoFor(const Board& b)
{
    ProbeInfo p;
    p.driver = "qemu";
    p.serial = "qemu:" + b.probe.machine;
    p.description = "QEMU " + b.probe.machine + " (" + b.probe.cpu + ")";
    p.chipName = b.mcu;
    p.flashBytes = int64_t(b.totalFlash());
    p.ramBytes = int64_t(b.totalRam());
    return p;
}

} // namespace

std::string QemuDriver::description() const
{
    return "QEMU's emulated Cortex-M boards (mps2-an386, mps2-an500): instruction counts under -icount shift=0, not cycles";
}

std::string QemuDriver::emulatorPath()
{
    const QString env = qEnvironmentVariable("TINYSTUDIO_QEMU");
    if (!env.isEmpty())
        return env.toStdString();
    return QStandardPaths::findExecutable("qemu-system-arm").toStdString();
}

Result<std::vector<ProbeInfo>> QemuDriver::scan(const BoardSet& boards)
{
    Result<std::vector<ProbeInfo>> r;
    if (emulatorPath().empty()) {
        r.diagnostics.push_back(makeWarning("", "qemu", "qemu-system-arm is not installed (Debian: apt install qemu-system-arm)"));
        r.value.emplace();
        return r;
    }
    std::vector<ProbeInfo> out;
    for (const Board& b : boards.boards) {
        if (!b.emulated())
            continue;
        const std::string serial = "qemu:" + b.probe.machine;
        auto it = std::find_if(out.begin(), out.end(), [&](const ProbeInfo& p) { return p.serial == serial; });
        if (it == out.end()) {
            out.push_back(probeInfoFor(b));
            it = out.end() - 1;
        }
        it->boards.push_back(b.id);
    }
    r.value = std::move(out);
    return r;
}

Result<std::unique_ptr<ProbeSession>> QemuDriver::open(const std::string& serial, const Board& board)
{
    Result<std::unique_ptr<ProbeSession>> r;
    if (!board.emulated()) {
        r.diagnostics.push_back(makeError(board.filePath, "probe", "board '" + board.id + "' is a real board (probe '" + board.probe.type
                                                                        + "'); the qemu probe runs the emulated boards"));
        return r;
    }
    const std::string want = "qemu:" + board.probe.machine;
    if (!serial.empty() && serial != want) {
        r.diagnostics.push_back(makeError(board.filePath, "probe", "probe '" + serial + "' emulates another machine; board '" + board.id
                                                                        + "' needs '" + want + "'"));
        return r;
    }
    if (emulatorPath().empty()) {
        r.diagnostics.push_back(makeError("", "qemu", "qemu-system-arm is not installed (Debian: apt install qemu-system-arm)"));
        return r;
    }
    ProbeInfo info = probeInfoFor(board);
    info.boards = {board.id};
    r.value = std::make_unique<QemuSession>(info, board.probe.machine, board.probe.cpu);
    return r;
}

QemuSession::QemuSession(ProbeInfo info, std::string machine, std::string cpu)
    : m_info(std::move(info)), m_machine(std::move(machine)), m_cpu(std::move(cpu))
{
}

QemuSession::~QemuSession() { close(); }

Diagnostic QemuSession::error(const std::string& where, const std::string& what) const
{
    return makeError(m_image.elfPath, where, what);
}

std::string QemuSession::exitText()
{
    std::string t = "QEMU exited";
    if (m_qemu) {
        m_console += m_qemu->readAll().toStdString();
        t += " (exit code " + std::to_string(m_qemu->exitCode()) + ")";
    }
    if (!m_console.empty())
        t += ": " + m_console.substr(m_console.size() > 800 ? m_console.size() - 800 : 0);
    return t;
}

Diagnostics QemuSession::boot()
{
    close();
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/tinystudio-qemu-XXXXXX");
    const QString socket = m_dir->filePath("gdb.sock");
    m_qemu = std::make_unique<QProcess>();
    m_qemu->setProcessChannelMode(QProcess::MergedChannels);
    m_qemu->setWorkingDirectory(m_dir->path());
    killWithParent(*m_qemu);
    const QStringList args{"-M", QString::fromStdString(m_machine), "-cpu", QString::fromStdString(m_cpu), "-nographic",
                           "-monitor", "none", "-serial", "none", "-icount", "shift=0",
                           "-semihosting-config", "enable=on,target=native",
                           "-chardev", "socket,id=tsgdb,path=" + socket + ",server=on,wait=off", "-gdb", "chardev:tsgdb", "-S",
                           "-kernel", QString::fromStdString(m_image.elfPath)};
    m_qemu->start(QString::fromStdString(QemuDriver::emulatorPath()), args);
    if (!m_qemu->waitForStarted(10000))
        return {error("qemu", "qemu-system-arm could not be started: " + m_qemu->errorString().toStdString())};
    m_gdb = std::make_unique<GdbRemote>();
    QString why;
    if (!m_gdb->connectTo(socket, 10000, &why)) {
        if (m_qemu->state() == QProcess::NotRunning)
            return {error("qemu", exitText())};
        return {error("qemu", why.toStdString())};
    }
    m_running = false; // -S: halted at the reset vector
    return {};
}

Diagnostics QemuSession::flash(const FirmwareImage& image, const ProbeProgressFn& progress)
{
    m_image = image;
    m_haveImage = true;
    const int64_t total = int64_t(image.totalBytes());
    if (progress && !progress(0, total, "loading"))
        return {error("flash", kCancelledMessage)};
    if (Diagnostics d = boot(); !d.empty())
        return d;
    // Verify: every load segment read back from the emulated flash.
    int64_t done = 0;
    for (const FlashSegment& s : image.segments) {
        std::vector<uint8_t> back;
        QString why;
        if (!m_gdb->readMemory(s.address, uint32_t(s.bytes.size()), &back, &why))
            return {error("verify", why.toStdString())};
        for (size_t i = 0; i < s.bytes.size(); ++i)
            if (back[i] != s.bytes[i]) {
                char b[160];
                std::snprintf(b, sizeof b, "verify failed at 0x%08X: expected 0x%02X, found 0x%02X", unsigned(s.address + i), s.bytes[i], back[i]);
                return {error("verify", b)};
            }
        done += int64_t(s.bytes.size());
        if (progress && !progress(done, total, "verifying"))
            return {error("flash", kCancelledMessage)};
    }
    return {};
}

Diagnostics QemuSession::reset()
{
    if (!m_haveImage)
        return {error("reset", "nothing to run: flash a firmware first")};
    return boot();
}

Diagnostics QemuSession::run()
{
    if (!m_gdb || !m_gdb->isConnected())
        return {error("run", "the emulator is not running (flash first)")};
    if (m_running)
        return {};
    QString why;
    if (!m_gdb->send("c", &why))
        return {error("run", why.toStdString())};
    m_running = true;
    return {};
}

Diagnostics QemuSession::halt()
{
    if (!m_gdb || !m_gdb->isConnected())
        return {error("halt", "the emulator is not running")};
    if (!m_running)
        return {};
    QString why;
    if (!m_gdb->interrupt(5000, &why))
        return {error("halt", why.toStdString())};
    m_running = false;
    return {};
}

Result<std::vector<uint8_t>> QemuSession::readMemory(uint32_t address, uint32_t bytes)
{
    Result<std::vector<uint8_t>> r;
    if (!m_gdb || !m_gdb->isConnected() || (m_qemu && m_qemu->state() == QProcess::NotRunning)) {
        r.diagnostics.push_back(error("read", m_qemu && m_qemu->state() == QProcess::NotRunning ? exitText() : "the emulator is not running"));
        return r;
    }
    const bool wasRunning = m_running;
    QString why;
    if (wasRunning && !m_gdb->interrupt(5000, &why)) {
        r.diagnostics.push_back(error("read", why.toStdString()));
        return r;
    }
    m_running = false;
    std::vector<uint8_t> out;
    const bool ok = m_gdb->readMemory(address, bytes, &out, &why);
    if (wasRunning) {
        QString why2;
        if (!m_gdb->send("c", &why2) && ok) {
            r.diagnostics.push_back(error("run", why2.toStdString()));
            return r;
        }
        m_running = true;
    }
    if (!ok) {
        r.diagnostics.push_back(error("read", why.toStdString()));
        return r;
    }
    r.value = std::move(out);
    return r;
}

Diagnostics QemuSession::writeMemory(uint32_t address, const std::vector<uint8_t>& bytes)
{
    if (!m_gdb || !m_gdb->isConnected())
        return {error("write", "the emulator is not running")};
    const bool wasRunning = m_running;
    QString why;
    if (wasRunning && !m_gdb->interrupt(5000, &why))
        return {error("write", why.toStdString())};
    const bool ok = m_gdb->writeMemory(address, bytes, &why);
    if (wasRunning) {
        QString why2;
        if (m_gdb->send("c", &why2))
            m_running = true;
    }
    if (!ok)
        return {error("write", why.toStdString())};
    return {};
}

std::string QemuSession::takeConsole()
{
    if (m_qemu)
        m_console += m_qemu->readAll().toStdString();
    std::string t;
    t.swap(m_console);
    return t;
}

void QemuSession::close()
{
    if (m_gdb)
        m_gdb->disconnect();
    m_gdb.reset();
    if (m_qemu) {
        if (m_qemu->state() != QProcess::NotRunning) {
            m_qemu->kill();
            m_qemu->waitForFinished(5000);
        }
        m_console += m_qemu->readAll().toStdString();
        m_qemu.reset();
    }
    m_running = false;
    m_dir.reset();
}

} // namespace ts
