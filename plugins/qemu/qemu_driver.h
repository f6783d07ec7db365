#pragma once
// The API half of the QEMU probe: the emulated boards (board profiles whose probe.type is "qemu")
// as probes. One virtual probe per QEMU machine ("qemu:mps2-an386"). flash() keeps the image and
// boots it in qemu-system-arm halted (-S, -icount shift=0, gdbstub on a unix socket), then verifies
// every load segment by reading it back; reset() boots again; run()/halt() continue/interrupt
// through the gdbstub; readMemory()/writeMemory() go through it too. The emulator is started with
// PR_SET_PDEATHSIG so it dies with the thread that started it, and close() kills it.

#include "probe/probe.h"

#include <QProcess>
#include <QTemporaryDir>

#include <memory>

namespace ts {

class GdbRemote;

class QemuDriver : public ProbeDriver {
public:
    std::string name() const override { return "qemu"; }
    std::string description() const override;
    Result<std::vector<ProbeInfo>> scan(const BoardSet& boards) override;
    Result<std::unique_ptr<ProbeSession>> open(const std::string& serial, const Board& board) override;

    // The emulator binary ($TINYSTUDIO_QEMU or qemu-system-arm on PATH); empty when absent.
    static std::string emulatorPath();
};

class QemuSession : public ProbeSession {
public:
    QemuSession(ProbeInfo info, std::string machine, std::string cpu);
    ~QemuSession() override;
    ProbeInfo info() const override { return m_info; }
    Diagnostics flash(const FirmwareImage& image, const ProbeProgressFn& progress) override;
    Diagnostics reset() override;
    Diagnostics run() override;
    Diagnostics halt() override;
    bool isRunning() const override { return m_running; }
    Result<std::vector<uint8_t>> readMemory(uint32_t address, uint32_t bytes) override;
    Diagnostics writeMemory(uint32_t address, const std::vector<uint8_t>& bytes) override;
    std::string takeConsole() override;
    void close() override;

private:
    Diagnostics boot();          // (re)starts QEMU halted on the image
    Diagnostic error(const std::string& where, const std::string& what) const;
    std::string exitText();      // why QEMU is gone, with its last output

    ProbeInfo m_info;
    std::string m_machine, m_cpu;
    FirmwareImage m_image;
    bool m_haveImage = false;
    std::unique_ptr<QProcess> m_qemu;
    std::unique_ptr<GdbRemote> m_gdb;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::string m_console;
    bool m_running = false;
};

} // namespace ts
