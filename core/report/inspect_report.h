#pragma once
// The `inspect` report: per-op facts and model totals as JSON (CLI --json, GUI export) and as a
// plain-text table (CLI).

#include "boards/board.h"
#include "model/graph.h"

#include <QJsonObject>
#include <QString>

namespace ts {

QJsonObject inspectJson(const Model& model);
QString inspectText(const Model& model);

QJsonObject boardJson(const Board& board, const BoardSet& set);
QJsonObject boardsJson(const BoardSet& set);
QString boardsText(const BoardSet& set);

// "96.0 KiB" style (1 KiB = 1024 B), and grouped integers "1,234,567".
QString formatBytes(int64_t bytes);
QString formatCount(int64_t n);

} // namespace ts
