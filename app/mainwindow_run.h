#pragma once
// The main window's Build & Run state (mainwindow_run.cpp), visible to the window's destructor.

#include "mainwindow.h"
#include "profile/live.h"
#include "profile/record.h"
#include "store/runstore.h"

#include <QFutureWatcher>

namespace ts {

struct MainWindow::RunState {
    std::unique_ptr<RunStore> store;
    QString storeError;
    std::shared_ptr<JobControl> job;
    std::unique_ptr<RunRecorder> recorder;
    QFutureWatcher<Result<LiveResult>>* watcher = nullptr;
    int64_t lastRunId = 0;
    Result<LiveResult> last;
    const Model* hashedModel = nullptr; // the model modelHash belongs to
    std::string modelHash;
};

} // namespace ts
