// tinystudio-cli: the studio's pipeline from the command line. Errors go to stderr, exit code 1
// for bad input, 2 for bad usage.

#include "boards/board.h"
#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "pipeline/analysis.h"
#include "report/analyze_report.h"
#include "report/inspect_report.h"

#include <flatbuffers/base.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QMap>
#include <QStringList>

#include <cstdio>

namespace {

const char* kUsage =
    "usage: tinystudio-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect MODEL.tflite [--json]   per-op table (shapes, dtypes, MACs, weights, supported) and totals\n"
    "  boards [--json]                 the board profiles (bundled and user)\n"
    "  analyze MODEL --board ID [--planner NAME] [--no-inplace] [--reorder] [--quantized-io] [--no-legalize]\n"
    "          [--reserve BYTES] [--region NAME] [--alignment N] [--json]\n"
    "                                  peak SRAM, per-layer working sets, arena layout, fit verdict\n"
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
    QStringList flags;              // valueless options seen (--no-inplace, ...)
    QMap<QString, QString> values;  // options with a value (--board ID, ...)
    QString unknown;
};

const QStringList kFlags = {"--json", "--no-inplace", "--reorder", "--quantized-io", "--no-legalize"};
const QStringList kValued = {"--board", "--planner", "--reserve", "--region", "--alignment"};

Args parse(const QStringList& raw)
{
    Args a;
    for (int i = 0; i < raw.size(); ++i) {
        const QString& s = raw[i];
        if (kFlags.contains(s)) {
            a.flags << s;
            a.json |= s == "--json";
        } else if (kValued.contains(s)) {
            if (i + 1 >= raw.size()) {
                if (a.unknown.isEmpty())
                    a.unknown = s + " (needs a value)";
            } else {
                a.values[s] = raw[++i];
            }
        } else if (s.startsWith("--") && a.unknown.isEmpty()) {
            a.unknown = s;
        } else {
            a.positional << s;
        }
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

int cmdAnalyze(const Args& a)
{
    if (a.positional.size() != 1)
        return usage("analyze needs exactly one MODEL");
    if (!a.values.contains("--board"))
        return usage("analyze needs --board ID (tinystudio-cli boards lists them)");
    const ts::BoardSet boards = ts::loadDefaultBoards();
    report(boards.diagnostics);
    const std::string id = a.values["--board"].toStdString();
    const ts::Board* board = boards.find(id);
    if (!board) {
        printErr("error: unknown board '" + id + "'; expected one of: " + boards.ids());
        return 1;
    }
    ts::AnalysisOptions options;
    options.planner = a.values.value("--planner", ts::kDefaultPlanner).toStdString();
    options.memory.inplaceDepthwise = !a.flags.contains("--no-inplace");
    options.reorder = a.flags.contains("--reorder");
    options.legalize.quantizedIo = a.flags.contains("--quantized-io");
    if (a.flags.contains("--no-legalize")) // the graph exactly as stored, as TFLM plans it
        options.legalize = ts::LegalizeOptions{false, false, false, options.legalize.quantizedIo};
    options.fit.region = a.values.value("--region").toStdString();
    bool ok = true;
    if (a.values.contains("--reserve")) {
        options.fit.reserveBytes = a.values["--reserve"].toLongLong(&ok);
        if (!ok || options.fit.reserveBytes < 0)
            return usage("--reserve takes a number of bytes >= 0");
    }
    if (a.values.contains("--alignment")) {
        options.memory.alignment = a.values["--alignment"].toInt(&ok);
        if (!ok || options.memory.alignment < 1 || options.memory.alignment > 4096)
            return usage("--alignment takes a number from 1 to 4096");
    }
    auto model = ts::importTfliteFile(a.positional[0].toStdString());
    if (report(model.diagnostics) || !model.ok())
        return 1;
    auto r = ts::runAnalysis(*model, *board, boards, options);
    if (report(r.diagnostics) || !r.ok())
        return 1;
    if (a.json)
        printOut(QString::fromUtf8(QJsonDocument(ts::analyzeJson(*model, *board, *r, options)).toJson(QJsonDocument::Indented)));
    else
        printOut(ts::analyzeText(*model, *board, *r, options));
    return 0;
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
    if (command == "analyze")
        return cmdAnalyze(a);
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
