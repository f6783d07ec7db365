// tinystudio: the GUI. Usage: tinystudio [MODEL.tflite] [--board ID]
// With no model it opens TinyStudio's demo model (the first-run state).

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QIcon>
#include <QMap>

#include <cstdio>

int main(int argc, char** argv)
{
    Q_INIT_RESOURCE(tinystudio); // the icons live in the static app library
    QApplication app(argc, argv);
    QApplication::setOrganizationName("TinyStudio");
    QApplication::setApplicationName("TinyStudio");
    QApplication::setApplicationVersion(TINYSTUDIO_VERSION);
    QApplication::setWindowIcon(QIcon(":/tinystudio/icons/tinystudio.svg"));

    QCommandLineParser parser;
    parser.setApplicationDescription("TinyStudio: int8 neural networks on microcontrollers");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption board("board", "Board profile id (see tinystudio-cli boards).", "id");
    parser.addOption(board);
    QCommandLineOption view("view", "Bring a panel to the front: memory, arena, patches, issues, board, schedule.", "name");
    parser.addOption(view);
    parser.addPositionalArgument("file", "A .tflite model or .tinystudio session to open (default: the demo model).");
    parser.process(app);

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
        const QMap<QString, QString> docks{{"memory", "chartDock"}, {"arena", "arenaDock"}, {"patches", "patchDock"},
                                           {"issues", "issuesDock"}, {"board", "boardDock"}, {"schedule", "scheduleDock"}};
        if (auto* d = window.findChild<QDockWidget*>(docks.value(name)))
            d->raise();
        else
            std::fprintf(stderr, "tinystudio: unknown view '%s'\n", qPrintable(name));
    }
    window.show();
    return app.exec();
}
