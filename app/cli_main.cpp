// tinystudio-cli: the studio's pipeline from the command line. Errors go to stderr, exit code 1
// for bad input, 2 for bad usage.

#include "cli_common.h"
#include "boards/board.h"
#include "codegen/generator.h"
#include "build/deploy.h"
#include "build/firmware.h"
#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"
#include "session/session.h"
#include "schedule/patch.h"
#include "schedule/patch_exec.h"
#include "schedule/schedule_doc.h"

#include <QJsonArray>
#include <QJsonObject>
#include "report/analyze_report.h"
#include "report/inspect_report.h"
#include "reference/golden.h"
#include "reference/interpreter.h"

#include <QDir>
#include <QFile>

#include <flatbuffers/base.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QMap>

#include <optional>
#include <QStringList>

#include <cstdio>

namespace cli {

const char* kUsage =
    "usage: tinystudio-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect MODEL.tflite [--json]   per-op table (shapes, dtypes, MACs, weights, supported) and totals\n"
    "  boards [--json]                 the board profiles (bundled and user)\n"
    "  analyze (MODEL --board ID | SESSION.tinystudio) [--schedule S.json] [--planner NAME] [--no-inplace]\n"
    "          [--reorder] [--quantized-io] [--no-legalize] [--reserve BYTES] [--region NAME] [--alignment N] [--json]\n"
    "                                  peak SRAM, per-layer working sets, arena layout, fit verdict\n"
    "  schedule (MODEL --board ID | SESSION.tinystudio) [--split INDEX|auto] [--patches N|NxM] [--input-resident]\n"
    "          [--no-inplace] [--quantized-io] [--mac-cap PERCENT] [--save SCHEDULE.json] [--json]\n"
    "                                  patch-based first stage: peak SRAM, extra MACs, Pareto front\n"
    "  generate (MODEL --board ID | SESSION.tinystudio) -o DIR [--schedule S.json] [--split INDEX --patches NxM]\n"
    "          [--input-resident] [--no-inplace] [--quantized-io] [--name PREFIX] [--force] [--json]\n"
    "                                  a self-contained C inference project executing that plan\n"
    "  build (MODEL --board ID | SESSION.tinystudio) [--schedule S.json] [--split INDEX --patches NxM]\n"
    "          [--optimize O2|O3|Os] [--portable] [-o DIR] [--json]\n"
    "                                  generate and cross-build the firmware: ELF, map and the size report\n"
    "  deploy (MODEL --board ID | SESSION.tinystudio) --probe qemu|stlink [--serial S] [--schedule S.json]\n"
    "          [--split INDEX --patches NxM [--input-resident]]\n"
    "          [--input IN.bin] [--output OUT.bin] [--runs N] [--optimize O2|O3|Os] [--portable] [-o DIR]\n"
    "          [--db FILE | --no-store] [--json]\n"
    "                                  generate, cross-build, flash and profile live through the probe: per\n"
    "                                  inference and per layer (QEMU: instructions, not cycles; boards: DWT\n"
    "                                  cycles), RAM, flash, output checked; the run is kept in the run store\n"
    "  search --zoo DIR --board ID [--json]\n"
    "                                  rank every .tflite of a folder for the board: fit, peak SRAM (with the best\n"
    "                                  patch schedule), flash, MACs, estimated latency, why not\n"
    "  search --space mcunet|resnet|FILE --board ID [--samples N] [--resolution R --width W] [--generations N]\n"
    "          [--population N] [--seed S] [--evaluator CMD [--processes N] [--timeout SEC]]\n"
    "          [--latency-limit INSTRUCTIONS] [--export DIR] [--json]\n"
    "                                  TinyNAS-style search: the (width, resolution) pair whose fitting candidates\n"
    "                                  have the most MACs, then evolution under SRAM/flash/latency; score = MACs\n"
    "                                  (a proxy) or the evaluator's accuracy; --export writes the best as .tflite\n"
    "  runs list [--model SHA256|MODEL] [--board ID] | show ID | compare A B | export ID [-o FILE]\n"
    "          [--db FILE] [--json]    the runs in the run store\n"
    "  run MODEL --input FILE --output FILE [--schedule SCHEDULE.json]\n"
    "                                  run the reference interpreter (raw bytes, golden layout); with a\n"
    "                                  schedule: its legalized graph, op order and patch stage\n"
    "  verify MODEL GOLDEN_DIR [--per-op]\n"
    "                                  compare the reference interpreter with TFLM's outputs\n"
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
bool report(const ts::Diagnostics& diags, bool showInfo)
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


const QStringList kFlags = {"--force", "--portable", "--json", "--no-store", "--no-inplace", "--reorder", "--quantized-io", "--no-legalize", "--per-op", "--input-resident"};
const QStringList kValued = {"--zoo", "--space", "--generations", "--population", "--seed", "--samples", "--evaluator",
                             "--processes", "--timeout", "--resolution", "--width", "--export", "--latency-limit", "--board", "--planner", "--reserve", "--region", "--alignment", "--input", "--output", "--schedule", "--split", "--patches", "--save", "--mac-cap", "-o", "--name", "--probe", "--runs", "--optimize", "--serial", "--db", "--model"};

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

// The project document an invocation describes: a session file (its model, board and schedule),
// or a model plus flags; flags given with a session override its fields. Returns 0, else the exit
// code (1 bad input, 2 bad usage).
int buildDocument(const Args& a, const char* command, ts::BoardSet& boards, ts::Model& model, ts::Session& doc)
{
    if (a.positional.size() != 1)
        return usage(std::string(command) + " needs exactly one MODEL or SESSION");
    boards = ts::loadDefaultBoards();
    report(boards.diagnostics);
    const QString input = a.positional[0];
    if (input.endsWith("." + QString(ts::kSessionSuffix))) {
        auto loaded = ts::loadSession(input.toStdString(), boards);
        if (report(loaded.diagnostics) || !loaded.ok())
            return 1;
        if (report(loaded->notes))
            return 1;
        model = std::move(loaded->model);
        doc = loaded->session;
    } else {
        if (!a.values.contains("--board"))
            return usage(std::string(command) + " needs --board ID (tinystudio-cli boards lists them)");
        auto imported = ts::importTfliteFile(input.toStdString());
        if (report(imported.diagnostics) || !imported.ok())
            return 1;
        model = std::move(*imported);
        doc = ts::documentFor(model, a.values["--board"].toStdString());
    }
    if (a.values.contains("--board"))
        doc.boardId = a.values["--board"].toStdString();
    if (!boards.find(doc.boardId)) {
        printErr("error: unknown board '" + doc.boardId + "'; expected one of: " + boards.ids());
        return 1;
    }
    ts::ScheduleDoc& s = doc.schedule;
    if (a.values.contains("--schedule")) {
        QFile sf(a.values["--schedule"]);
        if (!sf.open(QIODevice::ReadOnly)) {
            printErr("error: " + a.values["--schedule"].toStdString() + ": " + sf.errorString().toStdString());
            return 1;
        }
        auto parsed = ts::scheduleFromJson(sf.readAll(), a.values["--schedule"].toStdString(), model);
        if (report(parsed.diagnostics) || !parsed.ok())
            return 1;
        s = *parsed;
    }
    if (a.values.contains("--planner"))
        s.planner = a.values["--planner"].toStdString();
    if (a.flags.contains("--no-inplace"))
        s.inplace.setAll(false);
    if (a.flags.contains("--reorder"))
        s.reorder = true;
    if (a.flags.contains("--quantized-io"))
        s.quantizedIo = true;
    if (a.flags.contains("--no-legalize"))
        s.legalize = false;
    if (a.values.contains("--region"))
        doc.region = a.values["--region"].toStdString();
    bool ok = true;
    if (a.values.contains("--reserve")) {
        doc.reserveBytes = a.values["--reserve"].toLongLong(&ok);
        if (!ok || doc.reserveBytes < 0)
            return usage("--reserve takes a number of bytes >= 0");
    }
    if (a.values.contains("--alignment")) {
        s.alignment = a.values["--alignment"].toInt(&ok);
        if (!ok || s.alignment < 1 || s.alignment > 4096)
            return usage("--alignment takes a number from 1 to 4096");
    }
    if (a.values.contains("--mac-cap")) {
        s.macCapPercent = a.values["--mac-cap"].toDouble(&ok);
        if (!ok || s.macCapPercent < 0 || s.macCapPercent > 1000)
            return usage("--mac-cap takes a percentage from 0 to 1000");
    }
    if (a.flags.contains("--input-resident") && s.patch)
        s.patch->inputResident = true;
    return 0;
}

int applyPatchStage(const Args& a, const char* command, ts::Session& doc)
{
    if (!a.values.contains("--split") && !a.values.contains("--patches"))
        return 0;
    bool ok = false;
    const int split = a.values.value("--split").toInt(&ok);
    const QStringList parts = a.values.value("--patches").toLower().split('x');
    bool ok1 = false, ok2 = true;
    const int nh = parts[0].toInt(&ok1), nw = parts.size() > 1 ? parts[1].toInt(&ok2) : nh;
    if (!ok || split < 0 || !ok1 || !ok2 || parts.size() > 2 || nh < 1 || nw < 1)
        return usage(std::string(command)
                     + " takes --split INDEX and --patches N or NxM together (tensor index >= 0, whole numbers >= 1)");
    doc.schedule.patch = ts::PatchStage{split, nh, nw, a.flags.contains("--input-resident")};
    return 0;
}

int cmdAnalyze(const Args& a)
{
    ts::BoardSet boards;
    ts::Model model;
    ts::Session doc;
    if (int rc = buildDocument(a, "analyze", boards, model, doc))
        return rc;
    if (a.values.contains("--split") || a.values.contains("--patches"))
        return usage("analyze takes a patch stage from a --schedule file or a session; use 'schedule' to choose one");
    auto r = ts::runPipeline(model, doc, boards);
    if (report(r.diagnostics) || !r.ok())
        return 1;
    if (a.json)
        printOut(QString::fromUtf8(ts::pipelineJsonBytes(**r)));
    else {
        printOut(ts::analyzeText(model, *boards.find(doc.boardId), (*r)->analysis, doc.schedule.analysisOptions()));
        if (const auto& p = (*r)->patch) {
            // The table above is the whole-tensor plan; what runs is the patch schedule.
            const ts::Graph& g = (*r)->legal().graph;
            printOut(QString("\nwhat runs: %1x%2 patches up to tensor %3 '%4' %5: peak %6 B (%7) = max(%8stage 1 %9 B, "
                             "stage 2 %10 B), +%11 % MACs\n%12\n")
                         .arg(p->nh)
                         .arg(p->nw)
                         .arg(p->split.tensor)
                         .arg(QString::fromStdString(g.tensors[size_t(p->split.tensor)].name),
                              QString::fromStdString(ts::shapeString(p->split.shape)), ts::formatCount(p->peak),
                              ts::formatBytes(p->peak),
                              p->split.prefix > 0 ? QString("stage 0 %1 B, ").arg(ts::formatCount(p->stage0Peak)) : QString(),
                              ts::formatCount(p->stage1Peak), ts::formatCount(p->stage2Peak))
                         .arg(p->extraMacsPercent, 0, 'f', 2)
                         .arg(QString::fromStdString((*r)->fit.summary)));
        }
    }
    return 0;
}

int cmdGenerate(const Args& a)
{
    if (!a.values.contains("-o"))
        return usage("generate needs -o DIR (the output folder)");
    ts::BoardSet boards;
    ts::Model model;
    ts::Session doc;
    if (int rc = buildDocument(a, "generate", boards, model, doc))
        return rc;
    if (int rc = applyPatchStage(a, "generate", doc))
        return rc;
    auto r = ts::runPipeline(model, doc, boards);
    if (report(r.diagnostics) || !r.ok())
        return 1;
    ts::GenerateOptions go;
    go.name = a.values.value("--name").toStdString();
    auto p = ts::generateProject(model, **r, go);
    if (report(p.diagnostics) || !p.ok())
        return 1;
    const std::string dir = a.values["-o"].toStdString();
    if (report(ts::writeProject(*p, dir, a.flags.contains("--force"))))
        return 1;
    if (a.json) {
        QJsonObject o = p->summary();
        o["output"] = QString::fromStdString(dir);
        printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
    } else {
        printOut(QString("generated %1: %2 files, %3 lines, %4 bytes of source\n"
                         "  arena %5 B (largest scratch %6 B), constants %7 B, %8 kernel calls per inference\n")
                     .arg(QString::fromStdString(dir))
                     .arg(p->files.size())
                     .arg(p->sourceLines)
                     .arg(p->sourceBytes)
                     .arg(p->arenaBytes)
                     .arg(p->largestScratch)
                     .arg(p->weightsBytes)
                     .arg(p->steps));
    }
    return 0;
}

int cmdBuild(const Args& a)
{
    const QString opt = a.values.value("--optimize", "O2");
    if (opt != "O2" && opt != "O3" && opt != "Os")
        return usage("--optimize takes O2, O3 or Os");
    ts::BoardSet boards;
    ts::Model model;
    ts::Session doc;
    if (int rc = buildDocument(a, "build", boards, model, doc))
        return rc;
    if (int rc = applyPatchStage(a, "build", doc))
        return rc;
    ts::DeployOptions dop;
    dop.optimize = "-" + opt.toStdString();
    dop.portable = a.flags.contains("--portable");
    dop.name = a.values.value("--name").toStdString();
    dop.dir = a.values.value("-o").toStdString();
    auto d = ts::buildFirmware(model, doc, boards, dop);
    if (report(d.diagnostics) || !d.ok())
        return 1;
    const ts::SizeReport& s = d->build.size;
    if (a.json) {
        QJsonObject o = s.json();
        o["elf"] = QString::fromStdString(d->build.elf);
        o["map"] = QString::fromStdString(d->build.map);
        o["board"] = QString::fromStdString(doc.boardId);
        o["planned_arena"] = qint64(d->arenaBytes);
        o["largest_scratch"] = qint64(d->largestScratch);
        printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
    } else {
        printOut(QString("%1\n  text %2 B, data %3 B, bss %4 B\n"
                         "  flash %5 B = runtime (kernels + glue) %6 B + weights %7 B + C library %8 B\n"
                         "  RAM: arena %9 B (the plan's %10 B, scratch %11 B inside), stack %12 B, heap %13 B, other %14 B\n")
                     .arg(QString::fromStdString(d->build.elf))
                     .arg(s.text).arg(s.data).arg(s.bss)
                     .arg(s.flash).arg(s.runtime).arg(s.weights).arg(s.libc)
                     .arg(s.arena).arg(d->arenaBytes).arg(d->largestScratch).arg(s.stack).arg(s.heap).arg(s.otherRam));
    }
    return 0;
}

int cmdSchedule(const Args& a)
{
    int nh = 0, nw = 0;
    if (a.values.contains("--patches")) {
        const QStringList parts = a.values["--patches"].toLower().split('x');
        bool ok1 = false, ok2 = true;
        nh = parts[0].toInt(&ok1);
        nw = parts.size() > 1 ? parts[1].toInt(&ok2) : nh;
        if (!ok1 || !ok2 || parts.size() > 2 || nh < 1 || nw < 1)
            return usage("--patches takes N or NxM with whole numbers >= 1");
    }
    int split = -1;
    const QString splitArg = a.values.value("--split", "auto");
    if (splitArg != "auto") {
        bool ok = false;
        split = splitArg.toInt(&ok);
        if (!ok || split < 0)
            return usage("--split takes a tensor index or 'auto'");
    }
    ts::BoardSet boards;
    ts::Model model;
    ts::Session doc;
    if (int rc = buildDocument(a, "schedule", boards, model, doc))
        return rc;
    const bool resident = a.flags.contains("--input-resident");
    doc.schedule.patch.reset();
    // The whole-tensor pipeline gives the order, the splits and the budget the search works in.
    auto whole = ts::runPipeline(model, doc, boards);
    if (report(whole.diagnostics) || !whole.ok())
        return 1;
    const ts::PipelineResult& w = **whole;
    ts::PatchOptions po = doc.schedule.patchOptions();
    po.inputResident = resident;
    const auto& order = w.analysis.memory.order;
    auto search = ts::searchPatches(w.legal(), order, po, w.arenaBudget(), 8, doc.schedule.macCapPercent);
    if (report(search.diagnostics) || !search.ok())
        return 1;
    // The chosen stage: as asked, else the recommended one.
    std::optional<ts::PatchStage> chosen;
    if (split >= 0 && nh > 0) {
        chosen = ts::PatchStage{split, nh, nw, resident};
    } else if (split >= 0 || nh > 0) {
        // One of the two given: the smallest-peak plan with it.
        int64_t best = -1;
        for (const auto& sp : w.splits) {
            if (split >= 0 && sp.tensor != split)
                continue;
            for (int i = 1; i <= 8; ++i)
                for (int j = 1; j <= 8; ++j) {
                    if (nh > 0 && (i != nh || j != nw))
                        continue;
                    auto p = ts::planPatches(w.legal(), order, sp.tensor, i, j, po);
                    if (p.ok() && (best < 0 || p->peak < best)) {
                        best = p->peak;
                        chosen = ts::PatchStage{sp.tensor, i, j, resident};
                    }
                }
        }
        if (!chosen && split >= 0)
            chosen = ts::PatchStage{split, 1, 1, resident}; // lets the pipeline name the invalid split
    } else if (search->recommended >= 0) {
        const auto& rec = search->pareto[size_t(search->recommended)];
        chosen = ts::PatchStage{rec.split.tensor, rec.nh, rec.nw, resident};
    }
    if (!chosen) {
        printErr("error: the model has no valid split for patch-based execution (its first op is not a spatial op)");
        return 1;
    }
    doc.schedule.patch = chosen;
    auto r = ts::runPipeline(model, doc, boards);
    if (report(r.diagnostics) || !r.ok())
        return 1;
    const ts::PipelineResult& res = **r;
    const ts::PatchPlan& p = *res.patch;
    if (a.values.contains("--save")) {
        QFile f(a.values["--save"]);
        const QByteArray bytes = ts::scheduleToBytes(res.schedule);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) {
            printErr("error: " + a.values["--save"].toStdString() + ": " + f.errorString().toStdString());
            return 1;
        }
        printErr("wrote " + a.values["--save"].toStdString());
    }
    const ts::Graph& g = res.legal().graph;
    if (a.json) {
        QJsonObject o = ts::pipelineJson(res);
        o["evaluated"] = qint64(search->evaluated);
        QJsonArray pareto;
        for (size_t i = 0; i < search->pareto.size(); ++i) {
            const auto& e = search->pareto[i];
            pareto.append(QJsonObject{{"split", QJsonObject{{"tensor", e.split.tensor}}},
                                      {"patches", QJsonArray{e.nh, e.nw}},
                                      {"peak_bytes", qint64(e.peak)},
                                      {"extra_macs_percent", e.extraMacsPercent},
                                      {"recommended", int(i) == search->recommended}});
        }
        o["pareto"] = pareto;
        printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
        return 0;
    }
    // Splits are named by the layer that produces them (#<op index> <OP NAME>), as in the studio.
    auto layerOf = [&res](const ts::SplitPoint& sp) {
        const auto& steps = res.analysis.memory.order;
        const ts::LegalGraph& lg = res.legal();
        if (sp.step < 0 || size_t(sp.step) >= steps.size())
            return QString("#?");
        const int legalOp = steps[size_t(sp.step)];
        const int src = size_t(legalOp) < lg.sourceOp.size() ? lg.sourceOp[size_t(legalOp)] : -1;
        return QString("#%1 %2").arg(src).arg(QString::fromStdString(ts::opKindName(lg.graph.ops[size_t(legalOp)].kind)));
    };
    printOut(QString("split      %9: tensor %1 '%2' %3 (after step %4)\npatches    %5x%6, largest input patch %7x%8\n")
                 .arg(p.split.tensor)
                 .arg(QString::fromStdString(g.tensors[size_t(p.split.tensor)].name),
                      QString::fromStdString(ts::shapeString(p.split.shape)))
                 .arg(p.split.step)
                 .arg(p.nh)
                 .arg(p.nw)
                 .arg(p.inputPatchH)
                 .arg(p.inputPatchW)
                 .arg(layerOf(p.split)));
    if (p.split.prefix > 0)
        printOut(QString("stage 0    the first %1 op(s) are not spatial and run whole first: %2 B; their output moves to %3\n")
                     .arg(p.split.prefix)
                     .arg(ts::formatCount(p.stage0Peak), ts::formatCount(p.inputOffset)));
    printOut(QString("peak       %1 B (%2)  = max(%6stage 1 %3 B, stage 2 %4 B); whole-tensor %5 B\n")
                 .arg(ts::formatCount(p.peak), ts::formatBytes(p.peak), ts::formatCount(p.stage1Peak),
                      ts::formatCount(p.stage2Peak), ts::formatCount(p.wholePeak),
                      p.split.prefix > 0 ? QString("stage 0 %1 B, ").arg(ts::formatCount(p.stage0Peak)) : QString()));
    printOut(QString("arena      stage 1 builds the split tensor at %1 (patch area at %2)%3\n")
                 .arg(ts::formatCount(p.stage1SplitOffset), ts::formatCount(p.patchAreaOffset),
                      p.movesSplit() ? QString(", moved to %1 for stage 2").arg(ts::formatCount(p.splitOffset)) : QString()));
    printOut(QString("extra MACs %1 (+%2 %)\nbudget     %3 B: %4\n\nPareto front (%5 schedules evaluated, MAC cap %6 %):\n")
                 .arg(ts::formatCount(p.extraMacs))
                 .arg(p.extraMacsPercent, 0, 'f', 2)
                 .arg(ts::formatCount(res.arenaBudget()), res.fit.sramMargin >= 0 ? QString("fits") : QString("does not fit"))
                 .arg(search->evaluated)
                 .arg(doc.schedule.macCapPercent));
    for (size_t i = 0; i < search->pareto.size(); ++i) {
        const auto& e = search->pareto[i];
        printOut(QString("  split %8 (tensor %1) %2  %3x%4  peak %5  +%6 %%7\n")
                     .arg(e.split.tensor)
                     .arg(QString::fromStdString(ts::shapeString(e.split.shape)), -14)
                     .arg(e.nh)
                     .arg(e.nw)
                     .arg(ts::formatBytes(e.peak), 10)
                     .arg(e.extraMacsPercent, 0, 'f', 2)
                     .arg(int(i) == search->recommended ? "   ← recommended" : "")
                     .arg(layerOf(e.split), -22));
    }
    return 0;
}

int cmdRun(const Args& a)
{
    if (a.positional.size() != 1 || !a.values.contains("--input") || !a.values.contains("--output"))
        return usage("run needs MODEL --input FILE --output FILE");
    auto model = ts::importTfliteFile(a.positional[0].toStdString());
    if (report(model.diagnostics) || !model.ok())
        return 1;
    std::optional<ts::ResolvedSchedule> schedule;
    if (a.values.contains("--schedule")) {
        QFile sf(a.values["--schedule"]);
        if (!sf.open(QIODevice::ReadOnly)) {
            printErr("error: " + a.values["--schedule"].toStdString() + ": " + sf.errorString().toStdString());
            return 1;
        }
        auto doc = ts::scheduleFromJson(sf.readAll(), a.values["--schedule"].toStdString(), *model);
        if (report(doc.diagnostics) || !doc.ok())
            return 1;
        auto resolved = ts::resolveSchedule(*doc, *model, a.values["--schedule"].toStdString());
        if (report(resolved.diagnostics) || !resolved.ok())
            return 1;
        schedule = std::move(*resolved);
    }
    auto interp = ts::ReferenceInterpreter::create(schedule ? schedule->legal.graph : model->main());
    if (report(interp.diagnostics) || !interp.ok())
        return 1;
    QFile in(a.values["--input"]);
    if (!in.open(QIODevice::ReadOnly)) {
        printErr("error: " + a.values["--input"].toStdString() + ": " + in.errorString().toStdString());
        return 1;
    }
    const QByteArray bytes = in.readAll();
    const std::vector<uint8_t> inputBytes(bytes.begin(), bytes.end());
    if (report(interp->setInputsFromConcatenated(inputBytes)))
        return 1;
    std::vector<uint8_t> out;
    if (schedule && schedule->patch) {
        // The patch schedule runs as laid out: every stage in one arena of the plan's peak bytes.
        const auto run = ts::runPatchedInArena(schedule->legal, schedule->order, *schedule->patch, inputBytes);
        if (report(run.diagnostics) || !run.ok())
            return 1;
        out = run.outputs;
    } else if (report(interp->run(schedule ? &schedule->order : nullptr))) {
        return 1;
    } else {
        out = interp->outputsConcatenated();
    }
    QFile f(a.values["--output"]);
    if (!f.open(QIODevice::WriteOnly) || f.write(reinterpret_cast<const char*>(out.data()), qint64(out.size())) != qint64(out.size())) {
        printErr("error: " + a.values["--output"].toStdString() + ": " + f.errorString().toStdString());
        return 1;
    }
    return 0;
}

int cmdVerify(const Args& a)
{
    if (a.positional.size() != 2)
        return usage("verify needs MODEL and GOLDEN_DIR");
    auto model = ts::importTfliteFile(a.positional[0].toStdString());
    if (report(model.diagnostics) || !model.ok())
        return 1;
    if (a.flags.contains("--per-op")) {
        bool all = true;
        for (const auto& c : ts::checkOpsIndividually(*model, a.positional[1].toStdString())) {
            printOut(QString("%1  %2  %3\n").arg(c.op, 4).arg(QString::fromStdString(c.kind), -24).arg(QString::fromStdString(c.status)));
            all &= c.status == "match";
        }
        return all ? 0 : 1;
    }
    const ts::GoldenReport r = ts::checkAgainstGolden(*model, a.positional[1].toStdString());
    if (!r.error.empty()) {
        printErr("error: " + r.error);
        return 1;
    }
    for (const auto& c : r.cases)
        printOut(QString("seed %1: %2\n").arg(c.seed).arg(c.match ? "match" : QString::fromStdString("DIFFERS: " + c.detail)));
    if (r.firstBadOp >= 0)
        printOut(QString("first differing op: %1: %2\n").arg(r.firstBadOp).arg(QString::fromStdString(r.firstBadDetail)));
    return r.allMatch() ? 0 : 1;
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

} // namespace cli

using namespace cli;

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
    if (command == "run")
        return cmdRun(a);
    if (command == "generate")
        return cmdGenerate(a);
    if (command == "deploy")
        return cmdDeploy(a);
    if (command == "runs")
        return cmdRuns(a);
    if (command == "build")
        return cmdBuild(a);
    if (command == "search")
        return cmdSearch(a);
    if (command == "schedule")
        return cmdSchedule(a);
    if (command == "verify")
        return cmdVerify(a);
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
