// tinystudio-guibench: how long a schedule change takes to reach every view of the real window
// (pipeline off the GUI thread + chart, arena view, patch view, table, board bars and headline),
// on tinyengine_mcunetv2_large by default. A benchmark: prints figures, asserts nothing.

#include "mainwindow.h"
#include "views/arenaview.h"
#include "views/layerchart.h"
#include "views/optablemodel.h"
#include "views/patchview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTableView>
#include <QUndoStack>

#include <algorithm>
#include <cstdio>

using namespace ts;

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& msg) {
        if (type != QtDebugMsg && !msg.contains("propagateSizeHints"))
            std::fprintf(stderr, "%s\n", qPrintable(msg));
    });
    QApplication app(argc, argv);
    const QByteArray env = qgetenv("TINYSTUDIO_SHARED_DIR");
    const QString model = argc > 1 ? QString::fromLocal8Bit(argv[1])
                                   : (env.isEmpty() ? QString(TINYSTUDIO_SHARED_DIR) : QString::fromUtf8(env))
            + "/models/tinyengine_mcunetv2_large.tflite";
    MainWindow w;
    w.resize(1366, 768);
    w.show();
    w.selectBoard("nucleo-h743zi2");
    QString error;
    if (!w.openModel(model, &error)) {
        std::fprintf(stderr, "tinystudio-guibench: %s\n", qPrintable(error));
        return 1;
    }
    w.waitForIdle();
    const auto splits = w.computation() ? w.computation()->splits : std::vector<SplitPoint>{};
    std::printf("model %s, %zu ops\n", qPrintable(model), w.model()->main().ops.size());
    struct Edit { const char* name; std::function<ScheduleDoc(ScheduleDoc)> change; };
    std::vector<Edit> edits{
        // Each edit is applied to the default schedule and undone again (both directions timed).
        {"in-place off", [](ScheduleDoc s) { s.inplace.setAll(false); return s; }},
        {"planner tflm-greedy", [](ScheduleDoc s) { s.planner = "tflm-greedy"; return s; }},
        {"planner greedy-by-size", [](ScheduleDoc s) { s.planner = "greedy-by-size"; return s; }},
        {"reorder on", [](ScheduleDoc s) { s.reorder = true; return s; }},
        {"quantized I/O off", [](ScheduleDoc s) { s.quantizedIo = false; return s; }},
    };
    if (!splits.empty()) {
        const int split = splits.back().tensor;
        edits.push_back({"patches 4x4 at the last split", [split](ScheduleDoc s) { s.patch = PatchStage{split, 4, 4, false}; return s; }});
        edits.push_back({"patches 3x3", [split](ScheduleDoc s) { s.patch = PatchStage{split, 3, 3, false}; return s; }});

    }
    std::printf("%-32s %10s %10s %12s\n", "edit", "median ms", "max ms", "pipeline ms");
    double worst = 0;
    for (const Edit& e : edits) {
        std::vector<double> times, pipeline;
        for (int i = 0; i < 5; ++i) {
            const ScheduleDoc before = w.schedule();
            QElapsedTimer t;
            t.start();
            w.applySchedule(e.change(before));
            w.waitForIdle();
            w.repaint(); // the views paint with the new data
            times.push_back(double(t.nsecsElapsed()) / 1e6);
            pipeline.push_back(w.computation() ? w.computation()->milliseconds : 0.0);
            t.restart();
            w.undoStack()->undo();
            w.waitForIdle();
            w.repaint();
            times.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        std::sort(times.begin(), times.end());
        worst = std::max(worst, times.back());
        std::sort(pipeline.begin(), pipeline.end());
        std::printf("%-32s %10.1f %10.1f %12.1f\n", e.name, times[times.size() / 2], times.back(),
                    pipeline[pipeline.size() / 2]);
    }
    std::printf("slowest update: %.1f ms\n", worst);

    // Where the time goes: each view's setResult alone, then its synchronous repaint (a view hidden
    // behind a dock tab does not paint), alternating between the default schedule and 3x3 patches.
    if (!splits.empty()) {
        const PipelineSnapshot plain = w.result();
        ScheduleDoc s = w.schedule();
        s.patch = PatchStage{splits.back().tensor, 3, 3, false};
        w.applySchedule(s);
        w.waitForIdle();
        const PipelineSnapshot patched = w.result();
        struct View { const char* name; QWidget* widget; std::function<void(PipelineSnapshot)> set; };
        const std::vector<View> views{
            {"memory chart", w.layerChart(), [&](PipelineSnapshot r) { w.layerChart()->setResult(r); }},
            {"arena view", w.arenaView(), [&](PipelineSnapshot r) { w.arenaView()->setResult(r); }},
            {"patch view", w.patchView(), [&](PipelineSnapshot r) { w.patchView()->setResult(r); }},
            {"op table", w.opView(), [&](PipelineSnapshot r) { w.opTable()->setResult(r); }},
        };
        std::printf("%-16s %8s %14s %12s\n", "view", "visible", "setResult ms", "paint ms");
        for (const View& v : views) {
            std::vector<double> set, paint;
            for (int i = 0; i < 10; ++i) {
                QElapsedTimer t;
                t.start();
                v.set(i % 2 ? plain : patched);
                set.push_back(double(t.nsecsElapsed()) / 1e6);
                t.restart();
                v.widget->repaint();
                paint.push_back(double(t.nsecsElapsed()) / 1e6);
            }
            std::sort(set.begin(), set.end());
            std::sort(paint.begin(), paint.end());
            std::printf("%-16s %8s %14.1f %12.1f\n", v.name, v.widget->isVisible() ? "yes" : "no", set[set.size() / 2],
                        paint[paint.size() / 2]);
        }
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 10; ++i)
            w.repaint();
        std::printf("%-16s %8s %14s %12.1f\n", "whole window", "yes", "-", double(t.nsecsElapsed()) / 1e7);
    }
    return 0;
}
