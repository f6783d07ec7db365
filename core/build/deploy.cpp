#include "build/deploy.h"

#include "build/firmware.h"
#include "codegen/generator.h"
#include "reference/interpreter.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>

#include <csignal>
#include <sys/prctl.h>

namespace ts {

void killWithParent(QProcess& process)
{
    // The child (a compiler, an emulator) gets SIGKILL when the thread that started it ends, so a
    // killed studio or CLI never leaves an emulator running behind it.
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

namespace {

bool run(const QString& program, const QStringList& args, const QString& cwd, int timeoutMs, QString* out, QString* why,
         const std::function<void(const std::string&)>& onLog = {}, const JobControl* job = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (!cwd.isEmpty())
        p.setWorkingDirectory(cwd);
    killWithParent(p);
    p.start(program, args);
    if (!p.waitForStarted(30000)) {
        *why = program + " could not be started (is it installed?)";
        return false;
    }
    QElapsedTimer clock;
    clock.start();
    QByteArray all, pending;
    auto drain = [&] {
        const QByteArray chunk = p.readAll();
        all += chunk;
        if (!onLog)
            return;
        pending += chunk;
        int nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            onLog(QString::fromLocal8Bit(pending.left(nl)).toStdString());
            pending.remove(0, nl + 1);
        }
    };
    while (!p.waitForFinished(100)) {
        drain();
        if (p.state() == QProcess::NotRunning)
            break;
        const bool cancelled = job && job->cancelled();
        if (cancelled || clock.elapsed() > timeoutMs) {
            p.kill();
            p.waitForFinished(5000);
            drain();
            *out = QString::fromLocal8Bit(all);
            *why = cancelled ? QString(kCancelledMessage)
                             : program + " did not finish within " + QString::number(timeoutMs / 1000) + " s";
            return false;
        }
    }
    drain();
    if (onLog && !pending.isEmpty())
        onLog(QString::fromLocal8Bit(pending).toStdString());
    *out = QString::fromLocal8Bit(all);
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *why = program + " failed (exit code " + QString::number(p.exitCode()) + ")";
        return false;
    }
    return true;
}

} // namespace

QJsonObject SizeReport::json() const
{
    return QJsonObject{{"text", qint64(text)},       {"data", qint64(data)},       {"bss", qint64(bss)},
                       {"weights", qint64(weights)}, {"input", qint64(input)}, {"libc", qint64(libc)},       {"runtime", qint64(runtime)},
                       {"flash", qint64(flash)},     {"arena", qint64(arena)},     {"stack", qint64(stack)},
                       {"heap", qint64(heap)},       {"other_ram", qint64(otherRam)}};
}

Result<CrossBuildResult> crossBuild(const std::string& projectDir, int timeoutMs, const std::function<void(const std::string&)>& onLog,
                                    const JobControl* job)
{
    Result<CrossBuildResult> r;
    const QString dir = QString::fromStdString(projectDir);
    const QString build = dir + "/build-arm";
    QString out, why;
    CrossBuildResult b;
    auto fail = [&](const QString& what) {
        r.diagnostics.push_back(makeError(projectDir, "build", (what + ": " + why + "\n" + out.right(3000)).toStdString()));
        return r;
    };
    if (!run("cmake", {"-S", dir, "-B", build, "-DCMAKE_TOOLCHAIN_FILE=" + dir + "/cmake/arm-none-eabi.cmake",
                       "-DCMAKE_BUILD_TYPE=Release"},
             {}, timeoutMs, &out, &why, onLog, job))
        return fail("configuring the cross build");
    b.log += out.toStdString();
    if (!run("cmake", {"--build", build, "--target", "firmware.elf", "-j2"}, {}, timeoutMs, &out, &why, onLog, job))
        return fail("building the firmware");
    b.log += out.toStdString();
    b.elf = (build + "/firmware.elf").toStdString();
    b.map = (build + "/firmware.map").toStdString();
    // Section sizes.
    if (!run("arm-none-eabi-size", {"-A", build + "/firmware.elf"}, {}, 60000, &out, &why))
        return fail("reading the ELF's sections");
    SizeReport& s = b.size;
    for (const QString& line : out.split('\n')) {
        const QStringList f = line.simplified().split(' ');
        if (f.size() < 3)
            continue;
        bool ok = false;
        const int64_t n = f[1].toLongLong(&ok);
        if (!ok)
            continue;
        const QString& name = f[0];
        if (name == ".weights")
            s.weights = n;
        else if (name == ".input")
            s.input = n;
        else if (name == ".arena")
            s.arena = n;
        else if (name == ".stack")
            s.stack = n;
        else if (name == ".heap")
            s.heap = n;
        if (name == ".data")
            s.data += n;
        else if (name == ".bss")
            s.bss += n;
        else if (name == ".vectors" || name == ".text" || name == ".weights" || name == ".input" || name == ".rodata" || name.startsWith(".ARM")
                 || name.endsWith("_array"))
            s.text += n;
    }
    s.flash = s.text + s.data;
    s.otherRam = s.data + s.bss;
    // The C library's share of flash, from the map: input sections of libc/libm/libgcc/librdimon.
    QFile map(build + "/firmware.map");
    if (map.open(QIODevice::ReadOnly)) {
        static const QRegularExpression sec(R"(^ (\.text|\.rodata)\S*\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+))");
        static const QRegularExpression cont(R"(^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+\.a\(\S+\)))");
        QString pending;
        for (const QString& line : QString::fromLocal8Bit(map.readAll()).split('\n')) {
            if (line.startsWith("Linker script and memory map"))
                pending.clear();
            QRegularExpressionMatch m = sec.match(line);
            QString size, file;
            if (m.hasMatch()) {
                size = m.captured(3);
                file = m.captured(4);
            } else if (line.startsWith(" .text") || line.startsWith(" .rodata")) {
                pending = line; // name on its own line, sizes on the next
                continue;
            } else if (!pending.isEmpty()) {
                QRegularExpressionMatch c = cont.match(line);
                pending.clear();
                if (!c.hasMatch())
                    continue;
                size = c.captured(2);
                file = c.captured(3);
            } else {
                continue;
            }
            if (file.contains("libc") || file.contains("libm.a") || file.contains("libgcc") || file.contains("librdimon")
                || file.contains("libnosys") || file.contains("libg_nano") || file.contains("libg.a"))
                s.libc += size.toLongLong(nullptr, 16);
        }
    }
    s.runtime = s.flash - s.weights - s.input - s.libc;
    r.value = std::move(b);
    return r;
}

Result<QemuRun> runOnQemu(const std::string& elf, const std::string& machine, const std::string& cpu,
                          const std::vector<uint8_t>& input, const std::string& workDir, int timeoutMs)
{
    Result<QemuRun> r;
    const QString work = QString::fromStdString(workDir);
    QDir(work).removeRecursively();
    QDir().mkpath(work);
    QFile in(work + "/input.bin");
    if (!in.open(QIODevice::WriteOnly) || in.write(reinterpret_cast<const char*>(input.data()), qint64(input.size())) != qint64(input.size())) {
        r.diagnostics.push_back(makeError(workDir, "input", "cannot write input.bin"));
        return r;
    }
    in.close();
    QString out, why;
    const QStringList args{"-M", QString::fromStdString(machine), "-cpu", QString::fromStdString(cpu), "-nographic",
                           "-monitor", "none", "-serial", "none", "-icount", "shift=0",
                           "-semihosting-config", "enable=on,target=native", "-kernel", QString::fromStdString(elf)};
    const bool ok = run("qemu-system-arm", args, work, timeoutMs, &out, &why);
    QemuRun q;
    q.console = out.toStdString();
    int64_t perTick = kQemuInstructionsPerTick;
    bool ended = false;
    std::string fault, error;
    for (const QString& line : out.split('\n')) {
        const QStringList f = line.trimmed().split(' ');
        if (f.isEmpty())
            continue;
        if (f[0] == "TS_BEGIN") {
            for (const QString& kv : f)
                if (kv.startsWith("unit="))
                    q.unit = kv.mid(5).toStdString();
                else if (kv.startsWith("per_tick="))
                    perTick = kv.mid(9).toLongLong();
        } else if (f[0] == "TS_INFERENCE" && f.size() > 1) {
            q.instructions = f[1].toLongLong() * perTick;
        } else if (f[0] == "TS_LAYER" && f.size() > 2) {
            q.layers.push_back({f[1].toInt(), f[2].toLongLong() * perTick});
        } else if (f[0] == "TS_STACK" && f.size() > 1) {
            q.stackPeak = f[1].toLongLong();
        } else if (f[0] == "TS_END") {
            ended = true;
        } else if (f[0] == "TS_FAULT") {
            fault = line.trimmed().toStdString();
        } else if (f[0] == "TS_ERROR") {
            error = line.trimmed().mid(9).toStdString();
        }
    }
    if (!fault.empty()) {
        r.diagnostics.push_back(makeError(elf, "qemu", "the firmware faulted: " + fault.substr(9)));
        return r;
    }
    if (!error.empty()) {
        r.diagnostics.push_back(makeError(elf, "qemu", "the firmware reported: " + error));
        return r;
    }
    if (!ok || !ended) {
        r.diagnostics.push_back(makeError(elf, "qemu", (why.isEmpty() ? QString("the firmware stopped before finishing") : why).toStdString()
                                                           + "; console: " + out.right(1500).toStdString()));
        return r;
    }
    QFile o(work + "/output.bin");
    if (!o.open(QIODevice::ReadOnly)) {
        r.diagnostics.push_back(makeError(elf, "qemu", "the firmware wrote no output.bin"));
        return r;
    }
    const QByteArray bytes = o.readAll();
    q.output.assign(bytes.begin(), bytes.end());
    r.value = std::move(q);
    return r;
}

Result<DeployResult> buildFirmware(const Model& model, const Session& doc, const BoardSet& boards, const DeployOptions& o)
{
    Result<DeployResult> out;
    const Board* board = boards.find(doc.boardId);
    if (!board) {
        out.diagnostics.push_back(makeError("", "board", "unknown board '" + doc.boardId + "'; expected one of: " + boards.ids()));
        return out;
    }
    auto r = runPipeline(model, doc, boards);
    if (!r.ok()) {
        out.diagnostics = r.diagnostics;
        return out;
    }
    const PipelineResult& res = **r;
    if (!res.fit.fits) {
        out.diagnostics.push_back(makeError("", "fit", "the plan does not fit " + board->id + ": " + res.fit.summary));
        return out;
    }
    auto p = generateProject(model, res, GenerateOptions{o.name});
    if (!p.ok()) {
        out.diagnostics = p.diagnostics;
        return out;
    }
    FirmwareOptions fo;
    fo.optimize = o.optimize;
    fo.runs = o.live ? std::max(0, o.runs) : o.runs;
    fo.portable = o.portable;
    if (o.live) {
        fo.live = true;
        fo.checkTensors = o.checkTensors;
        fo.tensorCount = int(res.legal().graph.tensors.size());
        fo.liveInput = o.input.empty() ? goldenInput(res.legal().graph, 1) : o.input;
        int64_t want = 0;
        for (int t : res.legal().graph.inputs)
            want += res.legal().graph.tensors[size_t(t)].byteSize().value_or(0);
        if (int64_t(fo.liveInput.size()) != want) {
            out.diagnostics.push_back(makeError("", "input", "the input has " + std::to_string(fo.liveInput.size())
                                                                  + " bytes; the model's inputs take " + std::to_string(want)));
            return out;
        }
    }
    if (Diagnostics d = addFirmware(*p, *board, res.fit, fo); !d.empty()) {
        out.diagnostics = d;
        return out;
    }
    DeployResult dr;
    dr.pipeline = *r;
    dr.name = p->name;
    dr.dir = o.dir.empty() ? (QDir::tempPath() + "/tinystudio-deploy-" + QString::fromStdString(p->name + "-" + board->id)).toStdString()
                           : o.dir;
    dr.arenaBytes = p->arenaBytes;
    dr.largestScratch = p->largestScratch;
    if (Diagnostics d = writeProject(*p, dr.dir, true); !d.empty()) {
        out.diagnostics = d;
        return out;
    }
    if (o.onLog)
        o.onLog("generated " + dr.dir);
    if (o.beforeBuild)
        o.beforeBuild(dr.dir);
    auto built = crossBuild(dr.dir, 900000, o.onLog, o.job);
    if (!built.ok()) {
        out.diagnostics = built.diagnostics;
        return out;
    }
    dr.build = *built;
    out.value = std::move(dr);
    return out;
}

Result<DeployResult> deployOnQemu(const Model& model, const Session& doc, const BoardSet& boards, const DeployOptions& o)
{
    Result<DeployResult> out;
    const Board* board = boards.find(doc.boardId);
    if (board && !board->emulated()) {
        out.diagnostics.push_back(makeError(board->filePath, "probe", "board '" + board->id
                                                                          + "' is a real board; QEMU runs the emulated boards"));
        return out;
    }
    auto built = buildFirmware(model, doc, boards, o);
    if (!built.ok())
        return built;
    DeployResult dr = std::move(*built);
    const PipelineResult& res = *dr.pipeline;
    const std::vector<uint8_t> input = o.input.empty() ? goldenInput(res.legal().graph, 1) : o.input;
    auto q = runOnQemu(dr.build.elf, board->probe.machine, board->probe.cpu, input, dr.dir + "/run");
    if (!q.ok()) {
        out.diagnostics = q.diagnostics;
        return out;
    }
    dr.run = *q;
    // The reference interpreter on the same legal graph and input: the independent check.
    auto interp = ReferenceInterpreter::create(res.legal().graph);
    if (interp.ok() && interp->setInputsFromConcatenated(input).empty() && interp->run().empty()) {
        std::vector<uint8_t> expected;
        for (int t : res.legal().graph.outputs) {
            const auto& b = interp->tensorBytes(t);
            expected.insert(expected.end(), b.begin(), b.end());
        }
        dr.matchesReference = expected == q->output;
        if (!dr.matchesReference)
            dr.mismatch = "the firmware's " + std::to_string(q->output.size()) + " output bytes differ from the reference interpreter's "
                          + std::to_string(expected.size());
    } else {
        dr.mismatch = "the reference interpreter could not run the model";
    }
    out.value = std::move(dr);
    return out;
}

} // namespace ts
