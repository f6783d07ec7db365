// tinystudio-cli: the studio's pipeline from the command line. Errors go to stderr, exit code 1
// for bad input, 2 for bad usage.

#include "boards/board.h"
#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "report/inspect_report.h"

#include <flatbuffers/base.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QStringList>

#include <cstdio>

namespace {

const char* kUsage =
    "usage: tinystudio-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect MODEL.tflite [--json]   per-op table (shapes, dtypes, MACs, weights, supported) and totals\n"
    "  boards [--json]                 the board profiles (bundled and user)\n"
    "  demo-model OUT.tflite           write TinyStudio's demo MCUNet-style int8 model\n"
    "  roundtrip IN.tflite OUT.tflite  import and export again (checks that the graph survives)\n"
    "  version                         versions of TinyStudio, Qt and FlatBuffers\n";

void printOut(const QString& s) { std::fputs(s.toUtf8().constData(), stdout); }
void printErr(const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); }

int usage(const std::string& problem)
{
    if (!problem.empty())
        printErr("tinystudio-cli: " + problem);
    std::fputs(kUsage, stderr);
    return 2;
}

// Prints warnings/errors to stderr; returns true if any was an error.
bool report(const ts::Diagnostics& diags, bool showInfo = false)
{
    bool failed = false;
    for (const auto& d : diags) {
        if (d.severity == ts::Severity::Info && !showInfo)
            continue;
        printErr(std::string(ts::severityName(d.severity)) + ": " + d.toString());
        failed |= d.severity == ts::Severity::Error;
    }
    return failed;
}

struct Args {
    QStringList positional;
    bool json = false;
    QString unknown;
};

Args parse(const QStringList& raw)
{
    Args a;
    for (const QString& s : raw) {
        if (s == "--json")
            a.json = true;
        else if (s.startsWith("--") && a.unknown.isEmpty())
            a.unknown = s;
        else
            a.positional << s;
    }
    return a;
}

int cmdInspect(const Args& a)
{
    if (a.positional.size() != 1)
        return usage("inspect needs exactly one MODEL");
    auto r = ts::importTfliteFile(a.positional[0].toStdString());
    if (report(r.diagnostics) || !r.ok())
        return 1;
    if (a.json)
        printOut(QString::fromUtf8(QJsonDocument(ts::inspectJson(*r)).toJson(QJsonDocument::Indented)));
    else
        printOut(ts::inspectText(*r));
    return 0;
}

int cmdBoards(const Args& a)
{
    if (!a.positional.isEmpty())
        return usage("boards takes no arguments");
    const ts::BoardSet set = ts::loadDefaultBoards();
    const bool failed = report(set.diagnostics);
    if (a.json)
        printOut(QString::fromUtf8(QJsonDocument(ts::boardsJson(set)).toJson(QJsonDocument::Indented)));
    else
        printOut(ts::boardsText(set));
    return failed ? 1 : 0;
}

int cmdDemo(const Args& a)
{
    if (a.positional.size() != 1)
        return usage("demo-model needs the OUT.tflite path");
    const std::string out = a.positional[0].toStdString();
    if (report(ts::writeTfliteFile(ts::buildDemoModel(), out)))
        return 1;
    printErr("wrote " + out);
    return 0;
}

int cmdRoundtrip(const Args& a)
{
    if (a.positional.size() != 2)
        return usage("roundtrip needs IN.tflite and OUT.tflite");
    auto in = ts::importTfliteFile(a.positional[0].toStdString());
    if (report(in.diagnostics) || !in.ok())
        return 1;
    const std::string outPath = a.positional[1].toStdString();
    if (report(ts::writeTfliteFile(*in, outPath)))
        return 1;
    auto again = ts::importTfliteFile(outPath);
    if (report(again.diagnostics) || !again.ok())
        return 1;
    std::string diff;
    if (!ts::sameGraph(*in, *again, &diff)) {
        printErr("error: the exported model differs: " + diff);
        return 1;
    }
    printErr("ok: " + outPath + " holds the same graph");
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("TinyStudio");
    QStringList raw = app.arguments();
    raw.removeFirst();
    if (raw.isEmpty() || raw[0] == "-h" || raw[0] == "--help" || raw[0] == "help") {
        std::fputs(kUsage, raw.isEmpty() ? stderr : stdout);
        return raw.isEmpty() ? 2 : 0;
    }
    const QString command = raw.takeFirst();
    const Args a = parse(raw);
    if (!a.unknown.isEmpty())
        return usage("unknown option " + a.unknown.toStdString());
    if (command == "inspect")
        return cmdInspect(a);
    if (command == "boards")
        return cmdBoards(a);
    if (command == "demo-model")
        return cmdDemo(a);
    if (command == "roundtrip")
        return cmdRoundtrip(a);
    if (command == "version") {
        std::printf("TinyStudio %s, Qt %s, FlatBuffers %d.%d.%d\n", TINYSTUDIO_VERSION, qVersion(),
                    FLATBUFFERS_VERSION_MAJOR, FLATBUFFERS_VERSION_MINOR, FLATBUFFERS_VERSION_REVISION);
        return 0;
    }
    return usage("unknown command '" + command.toStdString() + "'");
}
