#include "store/processid.h"

#include <QString>
#include <QSysInfo>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <signal.h>
#include <sstream>
#include <unistd.h>

namespace ts::storedetail {

namespace {

std::string readFirstLine(const std::string& file)
{
    std::ifstream in(file);
    std::string line;
    if (in)
        std::getline(in, line);
    return line;
}

// State letter and start time (clock ticks since boot) from /proc/<pid>/stat; false when the file
// cannot be read. The command name (field 2) may hold spaces and parentheses, so the fields are
// counted from the last ')'.
bool readStat(int64_t pid, char* state, int64_t* start)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in)
        return false;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos)
        return false;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    // After ')': field 3 (state) is the first, field 22 (starttime) the 20th.
    for (int i = 3; i <= 22; ++i) {
        if (!(fields >> field))
            return false;
        if (i == 3)
            *state = field.empty() ? '?' : field[0];
    }
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(field.c_str(), &end, 10);
    if (errno != 0 || end == field.c_str() || *end != '\0')
        return false;
    *start = static_cast<int64_t>(value);
    return true;
}

} // namespace

ProcessIdentity currentProcess()
{
    ProcessIdentity id;
    id.pid = static_cast<int64_t>(::getpid());
    id.host = QSysInfo::machineHostName().toStdString();
    id.boot = readFirstLine("/proc/sys/kernel/random/boot_id");
    char state = '?';
    int64_t start = 0;
    if (readStat(id.pid, &state, &start))
        id.start = start;
    return id;
}

OwnerState ownerState(const ProcessIdentity& owner, const ProcessIdentity& self, std::string* why)
{
    if (owner.host != self.host)
        return OwnerState::OtherHost;
    if (!owner.boot.empty() && !self.boot.empty() && owner.boot != self.boot) {
        if (why)
            *why = "the machine has rebooted since";
        return OwnerState::Gone;
    }
    if (owner.pid <= 0) {
        if (why)
            *why = "no owner process recorded";
        return OwnerState::Gone;
    }
    if (::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH) {
        if (why)
            *why = "no process " + std::to_string(owner.pid) + " any more";
        return OwnerState::Gone;
    }
    char state = '?';
    int64_t start = 0;
    if (readStat(owner.pid, &state, &start)) {
        if (state == 'Z' || state == 'X') {
            if (why)
                *why = "process " + std::to_string(owner.pid) + " has exited";
            return OwnerState::Gone;
        }
        if (owner.start != 0 && start != owner.start) {
            if (why)
                *why = "pid " + std::to_string(owner.pid) + " now belongs to another process (started at tick "
                    + std::to_string(start) + ", the owner at tick " + std::to_string(owner.start) + ")";
            return OwnerState::Gone;
        }
    }
    return OwnerState::Alive;
}

} // namespace ts::storedetail
