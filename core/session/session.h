#pragma once
// The session document (.tinystudio, JSON): which model, which board, the schedule and the code
// generation options. GUI-free; the GUI keeps its recent-sessions list itself (QSettings).
//
// File format 2 (keys sorted, as QJsonDocument writes them):
//   {"format": 2,
//    "model_path": "models/net.tflite",          relative to the session file's folder when possible
//    "model_absolute_path": "/home/me/x/models/net.tflite",   fallback when the relative one is gone
//    "model_sha256": "<64 lower-case hex>",
//    "board": "qemu-mps2-an386", "reserve_bytes": 8192, "region": "",
//    "schedule": { ...scheduleToJson()... },
//    "codegen": {"optimize": "O2", "user_arena": false, "layer_hook": false},
//    "target": {"probe": "", "runs": 1},
//    "notes": ""}
// Format 1 is still read: its top-level "reorder" moves into the schedule; codegen and target get
// defaults. reserve_bytes, region, codegen, target, notes and model_absolute_path may be left out.

#include "analysis/fit.h"
#include "boards/board.h"
#include "common/diagnostic.h"
#include "model/graph.h"
#include "schedule/schedule_doc.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <string>

namespace ts {

constexpr const char* kSessionSuffix = "tinystudio"; // file name extension, without the dot

constexpr int kSessionFormat = 2;

// Code generation options (the code generator fills these in; kept and round-tripped now).
struct CodegenOptions {
    std::string optimize = "O2"; // O2, O3 or Os
    bool userArena = false;      // the application passes its own arena buffer (size checked)
    bool layerHook = false;      // compile the per-layer profiling hook in
    bool operator==(const CodegenOptions& o) const
    {
        return optimize == o.optimize && userArena == o.userArena && layerHook == o.layerHook;
    }
};

// Where and how to run (the probe backends fill these in).
struct TargetOptions {
    std::string probe;  // "qemu", "stlink", or empty: the board profile's own
    int runs = 1;       // inferences per measurement
    bool operator==(const TargetOptions& o) const { return probe == o.probe && runs == o.runs; }
};

// The project document: everything a deployment needs, and the one live state the studio edits.
struct Session {
    std::string modelPath;     // absolute after loadSession (where the model was found)
    std::string modelSha256;   // of the model file
    std::string boardId;
    int64_t reserveBytes = 8192; // RAM kept free for the application (stack, heap, I/O buffers)
    std::string region;        // RAM region the arena goes in; empty: the board's largest
    ScheduleDoc schedule;      // its modelSha256 is written as modelSha256 when left empty
    CodegenOptions codegen;
    TargetOptions target;
    std::string notes;         // free text

    FitOptions fitOptions() const;
    bool operator==(const Session& o) const;
    bool operator!=(const Session& o) const { return !(*this == o); }
};

// The document as JSON (format 2). The model path is stored relative to the folder of
// `sessionFilePath` (absolute if no relative path exists, e.g. another drive) together with the
// absolute path as a fallback.
QByteArray sessionToJson(const Session& session, const QString& sessionFilePath);

// Writes sessionToJson() atomically (QSaveFile: an existing file is never left half-written).
// Errors name `path`.
Diagnostics saveSession(const Session& session, const std::string& path);

struct LoadedSession {
    Session session;
    Model model;        // the imported model the session refers to
    Diagnostics notes;  // everything short of failure: warnings, the changed-model error, import notes
};

// Reads, validates and resolves a session file:
//  - every field is checked; errors name the session file, the field and what was expected;
//  - the board id must be one of `boards` (the error lists the valid ids), a non-empty region must
//    be one of that board's RAM regions;
//  - the model is looked for at model_path relative to the session file's folder, then at
//    model_absolute_path; neither there → an error naming both paths. Found only at one of them
//    while the other is gone (the model or the whole folder was moved) → a Warning in `notes`
//    saying where it was found. session.modelPath is the absolute path it was found at;
//  - the schedule is validated against the model with scheduleFromJson (its errors carry the
//    session file name and "schedule." before the field).
// A CHANGED model (its sha256 differs from model_sha256) does not fail the load: the session is
// returned with an Error-severity diagnostic in `notes`, and its schedule is reset to defaults for
// the new model — planner, in-place and quantized I/O are kept, the op order and patch stage are
// dropped; session.modelSha256 and schedule.modelSha256 become the new model's hash.
// On success `diagnostics` of the result is empty (all diagnostics are in value->notes); on
// failure it holds the errors (and any warnings found before them).
Result<LoadedSession> loadSession(const std::string& path, const BoardSet& boards);

} // namespace ts
