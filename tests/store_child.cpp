// A second process for tst_store: opens the run store named on its command line, begins a run and
// commits samples in small batches, printing after each commit how many samples are committed so
// far ("committed N"), so the test can SIGKILL it mid-run or write beside it at the same time.
//
//   store_child DB [--batches N] [--batch-size K] [--sleep-ms M]
//
// Sample i (1-based inference number) has the value 1000 + i and host_seconds i / 100. With
// --batches 0 (the default) it writes until killed; otherwise it finishes the run "ok" and exits 0.
// Any store error is printed to stderr and ends the process with status 2.

#include "store/runstore.h"

#include <QCoreApplication>
#include <QThread>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int fail(const std::string& what)
{
    std::fprintf(stderr, "store_child: %s\n", what.c_str());
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2)
        return fail("usage: store_child DB [--batches N] [--batch-size K] [--sleep-ms M]");
    long batches = 0, batchSize = 5, sleepMs = 2;
    for (int i = 2; i + 1 < args.size(); i += 2) {
        bool ok = false;
        const long v = args[i + 1].toLong(&ok);
        if (!ok || v < 0)
            return fail("expected a number >= 0 after " + args[i].toStdString());
        if (args[i] == "--batches")
            batches = v;
        else if (args[i] == "--batch-size")
            batchSize = v;
        else if (args[i] == "--sleep-ms")
            sleepMs = v;
        else
            return fail("unknown option " + args[i].toStdString());
    }

    auto store = ts::RunStore::open(args[1].toStdString());
    if (!store.ok())
        return fail(ts::firstError(store.diagnostics));
    ts::RunStart start;
    start.model = {std::string(64, 'c'), "child.tflite", 4096};
    start.board = {"qemu-mps2-an386", "QEMU mps2-an386", "{}"};
    start.documentJson = "{\"schedule\":{\"child\":true}}";
    start.build.toolchain = "child";
    start.probe = "qemu";
    start.unit = "instructions";
    auto run = (*store)->beginRun(start);
    if (!run.ok())
        return fail(ts::firstError(run.diagnostics));
    std::printf("run %lld\n", static_cast<long long>(*run));
    std::fflush(stdout);

    int64_t committed = 0;
    for (long b = 0; batches == 0 || b < batches; ++b) {
        std::vector<ts::SampleRow> rows;
        for (long k = 0; k < batchSize; ++k) {
            const int64_t inference = committed + k + 1;
            rows.push_back({inference, 1000 + inference, double(inference) / 100.0});
        }
        const ts::Diagnostics diags = (*store)->addSamples(*run, rows);
        if (ts::hasErrors(diags))
            return fail(ts::firstError(diags));
        committed += batchSize;
        std::printf("committed %lld\n", static_cast<long long>(committed));
        std::fflush(stdout);
        if (sleepMs > 0)
            QThread::msleep(static_cast<unsigned long>(sleepMs));
    }
    const ts::Diagnostics diags = (*store)->finishRun(*run, "ok", "child done", -1);
    if (ts::hasErrors(diags))
        return fail(ts::firstError(diags));
    std::printf("done\n");
    std::fflush(stdout);
    return 0;
}
