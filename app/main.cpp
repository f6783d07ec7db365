// tinystudio: the GUI. Usage: tinystudio [MODEL.tflite] [--board ID]
// With no model it opens TinyStudio's demo model (the first-run state).

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <cstdio>

int main(int argc, char** argv)
{
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
    parser.addPositionalArgument("model", "A .tflite model to open (default: the demo model).");
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
        if (!window.openModel(args[0], &error))
            std::fprintf(stderr, "tinystudio: %s\n", qPrintable(error));
    }
    window.resize(1280, 720);
    window.show();
    return app.exec();
}
