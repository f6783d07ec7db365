#include "search/evaluator_hook.h"

#include "model/tflite_export.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>

#include <memory>

namespace ts {

namespace {

std::string tail(const QByteArray& bytes, int n = 400)
{
    QByteArray t = bytes.trimmed();
    if (t.size() > n)
        t = "…" + t.right(n);
    return t.toStdString();
}

// The accuracy from the command's stdout: the last line that parses as a JSON object.
bool parseAccuracy(const QByteArray& out, double& accuracy, std::string& error)
{
    const QList<QByteArray> lines = out.split('\n');
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const QByteArray line = it->trimmed();
        if (!line.startsWith('{'))
            continue;
        QJsonParseError pe{};
        const QJsonDocument d = QJsonDocument::fromJson(line, &pe);
        if (pe.error != QJsonParseError::NoError || !d.isObject())
            continue;
        const QJsonValue v = d.object().value("accuracy");
        if (!v.isDouble()) {
            error = "its JSON has no numeric \"accuracy\" (found: " + line.left(200).toStdString() + ")";
            return false;
        }
        accuracy = v.toDouble();
        return true;
    }
    error = "it printed no JSON object with \"accuracy\" on stdout (stdout: " + tail(out, 200) + ")";
    return false;
}

struct Running {
    size_t index = 0;
    std::unique_ptr<QProcess> process;
    QElapsedTimer timer;
};

} // namespace

std::vector<HookResult> runEvaluatorHook(const std::string& command, const std::vector<HookInput>& inputs,
                                         const std::string& workDir, int processes, int timeoutMs, const JobControl* job)
{
    std::vector<HookResult> results(inputs.size());
    QStringList argv = QProcess::splitCommand(QString::fromStdString(command));
    if (argv.isEmpty()) {
        for (auto& r : results)
            r.error = "the evaluator command is empty";
        return results;
    }
    const QString program = argv.takeFirst();
    processes = std::max(1, processes);
    std::vector<Running> running;
    size_t next = 0, finished = 0;
    auto start = [&](size_t i) -> bool {
        const HookInput& in = inputs[i];
        const QString dir = QDir(QString::fromStdString(workDir)).filePath(QString::fromStdString(in.name));
        if (!QDir().mkpath(dir)) {
            results[i].error = "cannot create the folder " + dir.toStdString();
            return false;
        }
        const QString archPath = QDir(dir).filePath("architecture.json");
        QFile af(archPath);
        if (!af.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            af.write(QJsonDocument(in.architecture).toJson(QJsonDocument::Indented)) < 0) {
            results[i].error = "cannot write " + archPath.toStdString();
            return false;
        }
        af.close();
        const QString modelPath = QDir(dir).filePath("model.tflite");
        if (in.model) {
            const Diagnostics d = writeTfliteFile(*in.model, modelPath.toStdString());
            if (hasErrors(d)) {
                results[i].error = "cannot export the candidate: " + firstError(d);
                return false;
            }
        }
        Running r;
        r.index = i;
        r.process = std::make_unique<QProcess>();
        r.process->setWorkingDirectory(dir);
        r.process->setProgram(program);
        r.process->setArguments(argv + QStringList{archPath, modelPath});
        r.process->start();
        if (!r.process->waitForStarted(10000)) {
            results[i].error = "the evaluator '" + program.toStdString() + "' did not start: " +
                               r.process->errorString().toStdString();
            return false;
        }
        r.timer.start();
        running.push_back(std::move(r));
        return true;
    };
    while (finished < inputs.size()) {
        const bool cancelled = job && job->cancelled();
        while (!cancelled && running.size() < size_t(processes) && next < inputs.size()) {
            const size_t i = next++;
            if (!start(i))
                ++finished;
        }
        if (cancelled) {
            for (Running& r : running) {
                r.process->kill();
                r.process->waitForFinished(2000);
                results[r.index].error = kCancelledMessage;
            }
            for (size_t i = next; i < inputs.size(); ++i)
                results[i].error = kCancelledMessage;
            return results;
        }
        if (running.empty())
            continue;
        // Wait a little on the oldest; then collect every finished or timed-out process.
        running.front().process->waitForFinished(20);
        for (size_t k = 0; k < running.size();) {
            Running& r = running[k];
            HookResult& res = results[r.index];
            QProcess& p = *r.process;
            const bool done = p.state() == QProcess::NotRunning || p.waitForFinished(0);
            if (!done && r.timer.elapsed() <= timeoutMs) {
                ++k;
                continue;
            }
            res.seconds = double(r.timer.elapsed()) / 1000.0;
            if (!done) {
                p.kill();
                p.waitForFinished(2000);
                res.error = "timed out after " + std::to_string(timeoutMs / 1000) + " s (killed)";
            } else {
                const QByteArray out = p.readAllStandardOutput();
                const QByteArray err = p.readAllStandardError();
                if (p.exitStatus() != QProcess::NormalExit)
                    res.error = "crashed (" + p.errorString().toStdString() + "); stderr: " + tail(err);
                else if (p.exitCode() != 0)
                    res.error = "exited with status " + std::to_string(p.exitCode()) + "; stderr: " + tail(err);
                else
                    res.ok = parseAccuracy(out, res.accuracy, res.error);
            }
            running.erase(running.begin() + long(k));
            ++finished;
            if (job)
                job->progress(int64_t(finished), int64_t(inputs.size()), "evaluator");
        }
    }
    return results;
}

} // namespace ts
