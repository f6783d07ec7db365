#pragma once
// Locating the shared third-party test data (never copied into the repo): $TINYSTUDIO_SHARED_DIR,
// else ../shared beside the source tree. Tests that need it skip with a clear message if absent.

#include "boards/board.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <QStringList>
#include <QtTest>

#include <memory>
#include <vector>

namespace tstest {

inline QString sharedDir()
{
    const QByteArray env = qgetenv("TINYSTUDIO_SHARED_DIR");
    return QDir::cleanPath(env.isEmpty() ? QString::fromUtf8(TINYSTUDIO_SHARED_DIR) : QString::fromUtf8(env));
}

inline QString modelPath(const QString& name) { return sharedDir() + "/models/" + name + ".tflite"; }

// Every .tflite in shared/models, by base name.
inline QStringList sharedModels()
{
    QStringList names;
    for (const QFileInfo& fi : QDir(sharedDir() + "/models").entryInfoList({"*.tflite"}, QDir::Files, QDir::Name))
        names << fi.completeBaseName();
    return names;
}

// The bundled board profiles of this source tree, loaded once.
inline const ts::BoardSet& boards()
{
    static const ts::BoardSet set = ts::loadBoards({TINYSTUDIO_SOURCE_DIR "/boards"});
    return set;
}

inline const ts::Board& h743() { return *boards().find("nucleo-h743zi2"); }

inline std::shared_ptr<const std::vector<uint8_t>> readBytes(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return nullptr;
    const QByteArray b = f.readAll();
    return std::make_shared<const std::vector<uint8_t>>(b.begin(), b.end());
}

} // namespace tstest

// Skips the current test (or data row) when the shared model is not there.
#define TS_REQUIRE_MODEL(path)                                                                                    \
    do {                                                                                                          \
        if (!QFileInfo::exists(path))                                                                             \
            QSKIP(qPrintable(QString("shared test model %1 not found (set TINYSTUDIO_SHARED_DIR to the folder "   \
                                     "holding models/)").arg(path)));                                             \
    } while (false)

#define TS_REQUIRE_SHARED()                                                                                        \
    do {                                                                                                           \
        if (tstest::sharedModels().isEmpty())                                                                      \
            QSKIP(qPrintable(QString("no shared test models in %1/models (set TINYSTUDIO_SHARED_DIR)")             \
                                 .arg(tstest::sharedDir())));                                                      \
    } while (false)
