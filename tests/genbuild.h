#pragma once
// Building generated projects on the host for the tests: every .c with the strictest flags and both
// sanitizers, the runner linked against them. Objects are cached by content (a kernel file is the
// same bytes in every project, a model's weights the same across its schedules), so the suite
// compiles each distinct source once and many projects build in parallel.

#include "codegen/generator.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace tstest {

struct HostBuild {
    QString runner; // the built runner, empty on failure
    QString error;  // compiler output on failure
};

inline QStringList hostCFlags()
{
    return {"-O1", "-g0", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer"};
}

inline bool runTool(const QString& program, const QStringList& args, QString* output, int timeoutMs = 600000)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForStarted(30000)) {
        *output = program + ": could not start";
        return false;
    }
    p.waitForFinished(timeoutMs);
    *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// Writes `p` into `dir` (replacing a previous generation) and builds it with -D<NAME>_DEBUG when
// `debug`. `cache` holds objects by content hash.
inline HostBuild buildGenerated(const ts::GeneratedProject& p, const QString& dir, const QString& cache, bool debug)
{
    HostBuild b;
    const ts::Diagnostics d = ts::writeProject(p, dir.toStdString(), true);
    if (!d.empty()) {
        b.error = QString::fromStdString(d.front().toString());
        return b;
    }
    QDir().mkpath(cache);
    QString NAME = QString::fromStdString(p.name).toUpper();
    QStringList common = hostCFlags();
    common << "-I" + dir + "/include" << "-I" + dir + "/src" << "-I" + dir + "/src/kernels";
    if (debug)
        common << "-D" + NAME + "_DEBUG=1";
    QStringList objects;
    for (const ts::GeneratedFile& f : p.files) {
        const QString path = QString::fromStdString(f.path);
        if (!path.endsWith(".c"))
            continue;
        QStringList args = QStringList{"-std=c99", "-pedantic"} + common;
        // Headers a file includes are part of its identity: the model source includes the API and
        // weights headers and the kernel headers; hash them all in.
        QCryptographicHash h(QCryptographicHash::Sha1);
        for (const QString& a : args) // the flags, not the project's include paths
            if (!a.startsWith("-I"))
                h.addData(a.toUtf8() + ' ');
        h.addData(QByteArray::fromStdString(f.text));
        // Kernels include only kernel headers, the weights only their own header.
        const bool kernel = path.startsWith("src/kernels/"), weights = path.endsWith("_weights.c");
        for (const ts::GeneratedFile& hdr : p.files) {
            const QString hp = QString::fromStdString(hdr.path);
            if (!hp.endsWith(".h") || (kernel && !hp.startsWith("src/kernels/")) || (weights && !hp.endsWith("_weights.h")))
                continue;
            h.addData(QByteArray::fromStdString(hdr.text));
        }
        const QString obj = cache + "/" + QString::fromLatin1(h.result().toHex()) + ".o";
        if (!QFileInfo::exists(obj)) {
            const QString tmp = obj + ".tmp" + QString::number(quintptr(&b));
            QString out;
            if (!runTool("cc", args + QStringList{"-c", dir + "/" + path, "-o", tmp}, &out)) {
                b.error = "cc " + path + ":\n" + out;
                QFile::remove(tmp);
                return b;
            }
            QFile::remove(obj);
            QFile::rename(tmp, obj);
        }
        objects << obj;
    }
    const QString runner = dir + "/runner.bin";
    QString out;
    if (!runTool("c++", QStringList{"-std=c++11"} + common + QStringList{dir + "/runner/runner.cpp"} + objects
                            + QStringList{"-lm", "-o", runner},
                 &out)) {
        b.error = "c++ runner.cpp:\n" + out;
        return b;
    }
    b.runner = runner;
    return b;
}

// Runs a built runner on `input`; returns the output bytes, or sets *error.
inline QByteArray runGenerated(const QString& runner, const QByteArray& input, const QString& work, QString* error,
                               const QString& dumpDir = {})
{
    QDir().mkpath(work);
    const QString in = work + "/in.bin", outPath = work + "/out.bin";
    QFile f(in);
    if (!f.open(QIODevice::WriteOnly) || f.write(input) != input.size()) {
        *error = "cannot write " + in;
        return {};
    }
    f.close();
    QFile::remove(outPath);
    QStringList args{in, outPath};
    if (!dumpDir.isEmpty()) {
        QDir(dumpDir).removeRecursively();
        QDir().mkpath(dumpDir);
        args << "--dump" << dumpDir;
    }
    QString out;
    if (!runTool(runner, args, &out)) {
        *error = "runner failed: " + out.left(4000);
        return {};
    }
    QFile o(outPath);
    if (!o.open(QIODevice::ReadOnly)) {
        *error = "no output file";
        return {};
    }
    return o.readAll();
}

} // namespace tstest
