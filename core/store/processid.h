#pragma once
// Who owns a run: enough about a process to tell, later and from another process, whether it still
// runs. A pid alone is not enough (pids are recycled), so the owner is (host, boot id, pid, the
// process's start time in clock ticks since boot). Internal to the run store.

#include <cstdint>
#include <string>

namespace ts::storedetail {

struct ProcessIdentity {
    int64_t pid = 0;
    std::string host;   // QSysInfo::machineHostName()
    std::string boot;   // /proc/sys/kernel/random/boot_id (empty where unknown)
    int64_t start = 0;  // field 22 of /proc/<pid>/stat (0 where unknown)
};

ProcessIdentity currentProcess();

enum class OwnerState {
    Alive,      // the owning process still runs (or we cannot tell it is gone)
    Gone,       // same host and the process has ended (or the pid now belongs to another process)
    OtherHost,  // owned by a process on another machine: left alone
};

// `why` receives a short reason when the owner is gone ("no process 1234", "pid 1234 now belongs
// to a process started later", "the machine has rebooted since").
OwnerState ownerState(const ProcessIdentity& owner, const ProcessIdentity& self, std::string* why);

} // namespace ts::storedetail
