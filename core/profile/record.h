#pragma once
// Keeps a live run in the run store as it happens (the studio and the CLI share this): the run row
// is written when the firmware is built (model, board, schedule document, build sizes), samples and
// layer figures are committed as they arrive (each batch its own transaction), and the end writes
// the status and the output check. A process killed mid-run leaves a "running" row that the next
// RunStore::open() marks interrupted.

#include "profile/live.h"
#include "store/runstore.h"

namespace ts {

struct Board;

class RunRecorder {
public:
    // `store` may be null (nothing is recorded). `doc` is the document the run executes.
    RunRecorder(RunStore* store, const Model& model, const Session& doc, const Board& board, const std::string& probe);

    // Feed every LiveEvent; the run row is begun at the "flashing" phase (the build is known then).
    Diagnostics onEvent(const LiveEvent& event);
    // The run's end: ok (with the output check), failed (the first error) or cancelled.
    Diagnostics finish(const Result<LiveResult>& result);

    int64_t runId() const { return m_run; }
    // The model's name as the user sees it (default: the file name).
    void setModelName(const std::string& name) { m_model.name = name; }

private:
    RunStore* m_store;
    StoreModel m_model;
    StoreBoard m_board;
    std::string m_document, m_probe, m_unit;
    int64_t m_clockHz = 0;
    int64_t m_run = 0;
    bool m_finished = false;
};

// The model's identity in the store: the sha256 of its file, or of its serialized bytes when it was
// built in memory (the demo model).
std::string storeModelSha256(const Model& model);

// The build row for a firmware build (sizes from the ELF, flags from the board and options).
StoreBuild storeBuildOf(const DeployResult& deploy, const Board& board, const DeployOptions& options);

} // namespace ts
