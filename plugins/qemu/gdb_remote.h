#pragma once
// The protocol half of the QEMU probe: a small client of the GDB remote serial protocol that QEMU's
// gdbstub speaks (packets `$data#checksum`, acknowledged with '+'). Enough to halt (0x03), continue
// (`c`), read (`m addr,len`) and write (`M addr,len:hex`) memory. Blocking calls with timeouts, for the
// thread that owns the session. QEMU's gdbstub cannot serve a packet while the emulated CPU runs,
// so a read on a running target halts it, reads and continues (with -icount the instruction count
// does not change while halted).

#include <QByteArray>
#include <QLocalSocket>
#include <QString>

#include <cstdint>
#include <vector>

namespace ts {

class GdbRemote {
public:
    // Connects to the unix socket QEMU listens on (retrying until `timeoutMs`).
    bool connectTo(const QString& socketPath, int timeoutMs, QString* error);
    void disconnect();
    bool isConnected() const;

    // A request and its reply packet (without '$', '#' and checksum).
    bool request(const QByteArray& packet, QByteArray* reply, int timeoutMs, QString* error);
    // Sends a packet whose reply only comes when the target stops (`c`).
    bool send(const QByteArray& packet, QString* error);
    // Interrupts a running target and waits for its stop reply.
    bool interrupt(int timeoutMs, QString* error);

    bool readMemory(uint32_t address, uint32_t bytes, std::vector<uint8_t>* out, QString* error);
    bool writeMemory(uint32_t address, const std::vector<uint8_t>& bytes, QString* error);

    static QByteArray frame(const QByteArray& payload); // "$payload#cs"

private:
    bool readPacket(QByteArray* payload, int timeoutMs, QString* error);
    bool waitAck(int timeoutMs, QString* error);
    bool fill(int timeoutMs, QString* error);

    QLocalSocket m_socket;
    QByteArray m_buffer;
};

} // namespace ts
