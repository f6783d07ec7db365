#include "gdb_remote.h"

#include <QElapsedTimer>
#include <QThread>

namespace ts {

namespace {
constexpr uint32_t kChunk = 1024; // bytes per `m`/`M` packet (QEMU's packet buffer is larger)
}

QByteArray GdbRemote::frame(const QByteArray& payload)
{
    uint8_t sum = 0;
    for (char c : payload)
        sum = uint8_t(sum + uint8_t(c));
    return "$" + payload + "#" + QByteArray::number(sum, 16).rightJustified(2, '0');
}

bool GdbRemote::connectTo(const QString& path, int timeoutMs, QString* error)
{
    QElapsedTimer t;
    t.start();
    while (true) {
        m_socket.connectToServer(path);
        if (m_socket.waitForConnected(500))
            return true;
        if (t.elapsed() > timeoutMs) {
            *error = "cannot connect to QEMU's gdbstub at " + path + ": " + m_socket.errorString();
            return false;
        }
        QThread::msleep(50);
    }
}

void GdbRemote::disconnect()
{
    if (m_socket.state() != QLocalSocket::UnconnectedState) {
        m_socket.abort();
    }
    m_buffer.clear();
}

bool GdbRemote::isConnected() const { return m_socket.state() == QLocalSocket::ConnectedState; }

bool GdbRemote::fill(int timeoutMs, QString* error)
{
    if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(timeoutMs)) {
        *error = m_socket.state() == QLocalSocket::ConnectedState ? QString("QEMU's gdbstub did not answer within %1 ms").arg(timeoutMs)
                                                                  : QString("the emulator closed its gdbstub connection (did QEMU exit?)");
        return false;
    }
    m_buffer += m_socket.readAll();
    return true;
}

bool GdbRemote::waitAck(int timeoutMs, QString* error)
{
    while (true) {
        if (m_buffer.isEmpty() && !fill(timeoutMs, error))
            return false;
        const char c = m_buffer.at(0);
        m_buffer.remove(0, 1);
        if (c == '+')
            return true;
        if (c == '-') {
            *error = "QEMU's gdbstub rejected a packet (checksum)";
            return false;
        }
    }
}

bool GdbRemote::readPacket(QByteArray* payload, int timeoutMs, QString* error)
{
    QElapsedTimer t;
    t.start();
    while (true) {
        const int start = m_buffer.indexOf('$');
        const int hash = start >= 0 ? m_buffer.indexOf('#', start) : -1;
        if (hash >= 0 && m_buffer.size() >= hash + 3) {
            *payload = m_buffer.mid(start + 1, hash - start - 1);
            m_buffer.remove(0, hash + 3);
            m_socket.write("+");
            m_socket.flush();
            return true;
        }
        const int left = timeoutMs - int(t.elapsed());
        if (left <= 0) {
            *error = QString("QEMU's gdbstub did not answer within %1 ms").arg(timeoutMs);
            return false;
        }
        if (!fill(left, error))
            return false;
    }
}

bool GdbRemote::send(const QByteArray& packet, QString* error)
{
    m_socket.write(frame(packet));
    if (!m_socket.flush() && m_socket.state() != QLocalSocket::ConnectedState) {
        *error = "the emulator closed its gdbstub connection (did QEMU exit?)";
        return false;
    }
    return waitAck(5000, error);
}

bool GdbRemote::request(const QByteArray& packet, QByteArray* reply, int timeoutMs, QString* error)
{
    return send(packet, error) && readPacket(reply, timeoutMs, error);
}

bool GdbRemote::interrupt(int timeoutMs, QString* error)
{
    m_socket.write("\x03", 1);
    m_socket.flush();
    QByteArray stop;
    return readPacket(&stop, timeoutMs, error); // "T02thread:01;" or "S02"
}

bool GdbRemote::readMemory(uint32_t address, uint32_t bytes, std::vector<uint8_t>* out, QString* error)
{
    out->clear();
    out->reserve(bytes);
    for (uint32_t done = 0; done < bytes;) {
        const uint32_t n = std::min(kChunk, bytes - done);
        QByteArray reply;
        if (!request("m" + QByteArray::number(address + done, 16) + "," + QByteArray::number(n, 16), &reply, 5000, error))
            return false;
        if (reply.startsWith('E') || reply.size() != int(n) * 2) {
            *error = QString("the emulator cannot read %1 bytes at 0x%2 (%3)").arg(n).arg(address + done, 8, 16, QChar('0')).arg(QString::fromLatin1(reply.left(8)));
            return false;
        }
        const QByteArray raw = QByteArray::fromHex(reply);
        out->insert(out->end(), raw.begin(), raw.end());
        done += n;
    }
    return true;
}

bool GdbRemote::writeMemory(uint32_t address, const std::vector<uint8_t>& bytes, QString* error)
{
    for (size_t done = 0; done < bytes.size();) {
        const size_t n = std::min<size_t>(kChunk, bytes.size() - done);
        const QByteArray data(reinterpret_cast<const char*>(bytes.data() + done), qsizetype(n));
        QByteArray reply;
        if (!request("M" + QByteArray::number(quint64(address + done), 16) + "," + QByteArray::number(quint64(n), 16) + ":" + data.toHex(),
                     &reply, 5000, error))
            return false;
        if (reply != "OK") {
            *error = QString("the emulator cannot write %1 bytes at 0x%2 (%3)").arg(n).arg(quint64(address + done), 8, 16, QChar('0')).arg(QString::fromLatin1(reply.left(8)));
            return false;
        }
        done += n;
    }
    return true;
}

} // namespace ts
