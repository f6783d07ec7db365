#pragma once
// What the CLI's command files share: the parsed arguments and the output helpers.

#include "common/diagnostic.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <string>

namespace ts {
struct BoardSet;
struct Model;
struct Session;
}

namespace cli {

struct Args {
    QStringList positional;
    bool json = false;
    QStringList flags;              // valueless options seen (--no-inplace, ...)
    QMap<QString, QString> values;  // options with a value (--board ID, ...)
    QString unknown;
};

void printOut(const QString& s);
void printErr(const std::string& s);
// Prints the problem and the usage text; returns 2.
int usage(const std::string& problem);
// Prints warnings/errors to stderr; returns true if any was an error.
bool report(const ts::Diagnostics& diags, bool showInfo = false);
// MODEL --board ID or SESSION.tinystudio (+ --schedule): the document a command works on.
int buildDocument(const Args& a, const char* command, ts::BoardSet& boards, ts::Model& model, ts::Session& doc);

// --split INDEX --patches NxM [--input-resident]: the patch stage of the document (generate, build, deploy).
int applyPatchStage(const Args& a, const char* command, ts::Session& doc);

int cmdDeploy(const Args& a);   // cli_runs.cpp
int cmdRuns(const Args& a);     // cli_runs.cpp
int cmdSearch(const Args& a);   // cli_search.cpp

} // namespace cli
