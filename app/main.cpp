// tinystudio: the GUI. Usage: tinystudio [MODEL.tflite] [--board ID]
// With no model it opens TinyStudio's demo model (the first-run state).

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <QDockWidget>
#include <QIcon>
#include <QMap>

#include <cstdio>

namespace {

struct Options {
    QCommandLineOption board{"board", "Board profile id (see tinystudio-cli boards).", "id"};
    QCommandLineOption view{"view", "Bring a panel to the front: memory, ops, arena, patches, issues, board, schedule, live, runs, build.",
                            "name"};
    QCommandLineOption run{"run", "Start Build & Run (F5) on the selected probe once the window is up."};
};

void describe(QCommandLineParser& parser, const Options& o)
{
    parser.setApplicationDescription("TinyStudio: int8 neural networks on microcontrollers");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(o.board);
    parser.addOption(o.view);
    parser.addOption(o.run);
    parser.addPositionalArgument("file", "A .tflite model or .tinystudio session to open (default: the demo model).");
}

} // namespace

int main(int argc, char** argv)
{
    const Options options;
    {
        // --help, --version and bad options are answered before any display is needed.
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName("tinystudio");
        QCoreApplication::setApplicationVersion(TINYSTUDIO_VERSION);
        QCommandLineParser parser;
        describe(parser, options);
        if (!parser.parse(QCoreApplication::arguments())) {
            std::fprintf(stderr, "tinystudio: %s\n%s", qPrintable(parser.errorText()), qPrintable(parser.helpText()));
            return 2;
        }
        if (parser.isSet("help") || parser.isSet("help-all")) {
            std::fputs(qPrintable(parser.helpText()), stdout);
            return 0;
        }
        if (parser.isSet("version")) {
            std::printf("tinystudio %s\n", TINYSTUDIO_VERSION);
            return 0;
        }
    }

    Q_INIT_RESOURCE(tinystudio); // the icons live in the static app library
    QApplication app(argc, argv);
    QApplication::setOrganizationName("TinyStudio");
    QApplication::setApplicationName("TinyStudio");
    QApplication::setApplicationVersion(TINYSTUDIO_VERSION);
    QApplication::setWindowIcon(QIcon(":/tinystudio/icons/tinystudio.svg"));

    QCommandLineParser parser;
    describe(parser, options);
    parser.process(app);
    const QCommandLineOption& board = options.board;
    const QCommandLineOption& view = options.view;

    ts::MainWindow window;
    if (parser.isSet(board) && !window.selectBoard(parser.value(board))) {
        std::fprintf(stderr, "tinystudio: unknown board '%s' (tinystudio-cli boards lists them)\n",
                     qPrintable(parser.value(board)));
        return 2;
    }
    const QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        window.openDemoModel();
    } else {
        QString error;
        const bool ok = args[0].endsWith(".tinystudio") ? window.openSession(args[0], &error) : window.openModel(args[0], &error);
        if (!ok)
            std::fprintf(stderr, "tinystudio: %s\n", qPrintable(error));
    }
    if (parser.isSet(view)) {
        const QString name = parser.value(view).toLower();
        const QMap<QString, QString> docks{{"ops", "opsDock"},       {"arena", "arenaDock"},   {"patches", "patchDock"},
                                           {"issues", "issuesDock"},   {"board", "boardDock"},   {"schedule", "scheduleDock"},
                                           {"live", "liveDock"},       {"runs", "runsDock"},     {"build", "buildDock"}};
        if (name == "memory")
            ; // the memory chart is the central view, always in front
        else if (auto* d = window.findChild<QDockWidget*>(docks.value(name)))
            d->raise();
        else
            std::fprintf(stderr, "tinystudio: unknown view '%s'\n", qPrintable(name));
    }
    window.show();
    if (parser.isSet(options.run))
        QTimer::singleShot(0, &window, [&window] {
            window.waitForIdle();
            window.buildAndRun();
        });
    return app.exec();
}
