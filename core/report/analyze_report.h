#pragma once
// The `analyze` report: memory figures, per-layer working sets, the arena layout and the fit
// verdict, as JSON (CLI --json, GUI export) and as text (CLI).

#include "pipeline/analysis.h"

#include <QJsonObject>
#include <QString>

namespace ts {

QJsonObject analyzeJson(const Model& model, const Board& board, const Analysis& a, const AnalysisOptions& options);
QString analyzeText(const Model& model, const Board& board, const Analysis& a, const AnalysisOptions& options);

} // namespace ts
