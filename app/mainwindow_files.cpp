// MainWindow's file handling: sessions, exports and the recent-file menus.

#include "mainwindow.h"
#include "codegen/generator.h"

#include "report/analyze_report.h"
#include "session/session.h"
#include "views/boardpanel.h"
#include "views/layerchart.h"
#include "views/optablemodel.h"

#include <qcustomplot.h>

#include <QDesktopServices>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QProgressDialog>
#include <QPushButton>
#include <QUrl>
#include <QtConcurrent>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QSvgGenerator>
#include <QUndoStack>

namespace ts {

namespace {
constexpr int kMaxRecent = 8;
} // namespace

bool MainWindow::openSession(const QString& path, QString* error)
{
    auto r = loadSession(path.toStdString(), m_boards);
    if (!r.ok()) {
        // The open document and its issues stay as they were; the failure is shown in front.
        const QString why = QString::fromStdString(firstError(r.diagnostics));
        if (error)
            *error = why;
        showOpenError(path, why);
        return false;
    }
    LoadedSession& ls = *r.value;
    m_boardPanel->selectBoard(QString::fromStdString(ls.session.boardId));
    const Session loaded = ls.session;
    ScheduleDoc s = ls.session.schedule;
    m_modelPath = QString::fromStdString(ls.model.path);
    setModel(std::make_shared<const Model>(std::move(ls.model)), ls.notes, QFileInfo(m_modelPath).fileName());
    m_doc = loaded; // every field of the document: reserve, region, notes, codegen and target too
    setScheduleNoUndo(s);
    m_sessionPath = QFileInfo(path).absoluteFilePath();
    m_undo->clear();
    updateTitle();
    recompute();
    addRecent("recentSessions", m_sessionPath);
    return true;
}

bool MainWindow::saveSession(const QString& path, QString* error)
{
    if (!m_model || m_modelPath.isEmpty()) {
        if (error)
            *error = tr("Save the model to a .tflite file first: a session refers to a model file.");
        return false;
    }
    Session s = m_doc;
    s.modelPath = m_modelPath.toStdString();
    s.modelSha256 = m_model->sha256;
    s.boardId = m_boardPanel->currentBoardId().toStdString();
    s.schedule.modelSha256 = m_model->sha256;
    const Diagnostics d = ts::saveSession(s, path.toStdString());
    if (hasErrors(d)) {
        if (error)
            *error = QString::fromStdString(firstError(d));
        return false;
    }
    m_sessionPath = QFileInfo(path).absoluteFilePath();
    m_undo->setClean();
    updateTitle();
    addRecent("recentSessions", m_sessionPath);
    return true;
}

void MainWindow::saveSessionDialog(bool saveAs)
{
    QString path = m_sessionPath;
    if (saveAs || path.isEmpty())
        path = QFileDialog::getSaveFileName(this, tr("Save session"), QSettings().value("lastDir").toString(),
                                            tr("TinyStudio sessions (*.tinystudio)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(".tinystudio"))
        path += ".tinystudio";
    QString error;
    if (!saveSession(path, &error))
        QMessageBox::warning(this, tr("Cannot save session"), error);
}

bool MainWindow::exportChart(const QString& path, QString* error)
{
    QCustomPlot* plot = m_chart->plot();
    bool ok = false;
    if (path.endsWith(".png", Qt::CaseInsensitive))
        ok = plot->savePng(path, 1600, 600, 1.0);
    else if (path.endsWith(".pdf", Qt::CaseInsensitive))
        ok = plot->savePdf(path, 1600, 600);
    else if (path.endsWith(".svg", Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(1600, 600));
        svg.setViewBox(QRect(0, 0, 1600, 600));
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, 1600, 600);
            painter.end();
        }
    }
    if (!ok && error)
        *error = tr("Could not write %1 (expected a .png, .svg or .pdf path)").arg(path);
    return ok;
}

bool MainWindow::exportTableCsv(const QString& path, QString* error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error)
            *error = f.errorString();
        return false;
    }
    auto quote = [](QString s) { return "\"" + s.replace("\"", "\"\"") + "\""; };
    QStringList header;
    for (int c = 0; c < m_opTable->columnCount(); ++c)
        header << quote(m_opTable->headerData(c, Qt::Horizontal).toString());
    f.write((header.join(",") + "\n").toUtf8());
    for (int r = 0; r < m_opTable->rowCount(); ++r) {
        QStringList row;
        for (int c = 0; c < m_opTable->columnCount(); ++c) {
            const QVariant raw = m_opTable->data(m_opTable->index(r, c), OpTableModel::SortRole);
            row << (raw.typeId() == QMetaType::LongLong || raw.typeId() == QMetaType::Int ? raw.toString()
                                                                                         : quote(raw.toString()));
        }
        f.write((row.join(",") + "\n").toUtf8());
    }
    if (!f.commit()) {
        if (error)
            *error = f.errorString();
        return false;
    }
    return true;
}

bool MainWindow::exportAnalysisJson(const QString& path, QString* error)
{
    if (!m_result) {
        if (error)
            *error = tr("Nothing analysed yet");
        return false;
    }
    // The one serializer: the same bytes as `tinystudio-cli analyze --json` for this document.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(pipelineJsonBytes(*m_result)) < 0 || !f.commit()) {
        if (error)
            *error = f.errorString();
        return false;
    }
    return true;
}

void MainWindow::exportDialog()
{
    QString filter;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export"), QSettings().value("lastDir").toString(),
        tr("Memory chart (*.png *.svg *.pdf);;Op table (*.csv);;Analysis JSON (*.json)"), &filter);
    if (path.isEmpty())
        return;
    QString error;
    bool ok;
    if (path.endsWith(".csv", Qt::CaseInsensitive))
        ok = exportTableCsv(path, &error);
    else if (path.endsWith(".json", Qt::CaseInsensitive))
        ok = exportAnalysisJson(path, &error);
    else
        ok = exportChart(path, &error);
    if (!ok)
        QMessageBox::warning(this, tr("Export failed"), error);
}

// Generates the C project of what the studio shows (the current snapshot) into `dir`. Runs on any
// thread: it only reads the immutable snapshot and the model.
static Result<GeneratedProject> generateInto(std::shared_ptr<const Model> model, PipelineSnapshot snapshot,
                                             const std::string& dir, bool force)
{
    Result<GeneratedProject> r = generateProject(*model, *snapshot);
    if (!r.ok())
        return r;
    Diagnostics d = writeProject(*r, dir, force);
    if (!d.empty()) {
        Result<GeneratedProject> failed;
        failed.diagnostics = std::move(d);
        return failed;
    }
    return r;
}

bool MainWindow::generateProjectTo(const QString& dir, bool force, QString* error)
{
    if (!m_model || !m_result) {
        if (error)
            *error = tr("Open a model first.");
        return false;
    }
    auto r = generateInto(m_model, m_result, dir.toStdString(), force);
    if (!r.ok() && error)
        *error = QString::fromStdString(firstError(r.diagnostics));
    return r.ok();
}

void MainWindow::generateProjectDialog()
{
    if (!m_model || !m_result) {
        QMessageBox::information(this, tr("Generate Project"), tr("Open a model first: the project executes the plan shown."));
        return;
    }
    const QString suggested = QDir(QSettings().value("lastGenerateDir", QSettings().value("lastDir").toString()).toString())
                                  .filePath(QFileInfo(QString::fromStdString(m_result->modelPath)).completeBaseName() + "_project");
    const QString dir = QFileDialog::getSaveFileName(this, tr("Generate Project into Folder"), suggested, QString(), nullptr,
                                                     QFileDialog::ShowDirsOnly);
    if (dir.isEmpty())
        return;
    QSettings().setValue("lastGenerateDir", QFileInfo(dir).absolutePath());
    bool force = false;
    if (QFileInfo::exists(dir + "/manifest.json")) {
        if (QMessageBox::question(this, tr("Replace Project?"),
                                  tr("%1 holds a previous generation. Replace it as a whole?").arg(dir))
            != QMessageBox::Yes)
            return;
        force = true;
    }
    auto* progress = new QProgressDialog(tr("Generating the C project…"), QString(), 0, 0, this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(200);
    auto* watcher = new QFutureWatcher<Result<GeneratedProject>>(this);
    connect(watcher, &QFutureWatcher<Result<GeneratedProject>>::finished, this, [this, watcher, progress, dir] {
        progress->close();
        progress->deleteLater();
        watcher->deleteLater();
        const Result<GeneratedProject> r = watcher->result();
        if (!r.ok()) {
            QMessageBox::warning(this, tr("Generate Project failed"), QString::fromStdString(firstError(r.diagnostics)));
            return;
        }
        QMessageBox box(QMessageBox::Information, tr("Project Generated"),
                        tr("%1\n\nArena %2 B (largest scratch %3 B), constants %4 B, %5 kernel calls per inference; "
                           "%6 files, %7 lines.")
                            .arg(dir)
                            .arg(r->arenaBytes)
                            .arg(r->largestScratch)
                            .arg(r->weightsBytes)
                            .arg(r->steps)
                            .arg(r->files.size())
                            .arg(r->sourceLines),
                        QMessageBox::Close, this);
        QPushButton* open = box.addButton(tr("Open Folder"), QMessageBox::AcceptRole);
        box.exec();
        if (box.clickedButton() == open)
            QDesktopServices::openUrl(QUrl::fromLocalFile(dir));
    });
    watcher->setFuture(QtConcurrent::run(generateInto, m_model, m_result, dir.toStdString(), force));
}

void MainWindow::addRecent(const QString& key, const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(key).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(key, recent);
    refreshRecentMenus();
}

void MainWindow::refreshRecentMenus()
{
    auto fill = [this](QMenu* menu, const QString& key, bool sessions) {
        menu->clear();
        const QStringList recent = QSettings().value(key).toStringList();
        for (const QString& path : recent)
            menu->addAction(QFileInfo(path).fileName(), this, [this, path, sessions] {
                sessions ? openSession(path) : openModel(path); // a failure shows in front
            })->setToolTip(path);
        menu->setEnabled(!recent.isEmpty());
    };
    fill(m_recentModels, "recentFiles", false);
    fill(m_recentSessions, "recentSessions", true);
}

} // namespace ts
