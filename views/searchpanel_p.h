#pragma once
// Helpers shared by the Search panel's files (not part of the views API).

#include "search/evaluate.h"

#include <QString>
#include <QTableWidgetItem>

#include <cmath>
#include <cstdint>
#include <limits>

namespace ts::searchui {

inline QString kib(int64_t bytes) { return QString::number(double(bytes) / 1024.0, 'f', 1); }
// Millions: two decimals from 1 M up, three significant digits below (a 300-MAC model is not "0.00").
inline QString mega(double v)
{
    const double m = v / 1e6;
    return std::abs(m) >= 1 || m == 0 ? QString::number(m, 'f', 2) : QString::number(m, 'g', 3);
}
inline QString dash() { return QStringLiteral("\u2013"); }
inline QString latencyText(int64_t instructions) { return instructions > 0 ? mega(double(instructions)) : dash(); }
inline QString patchText(const CandidateFigures& f)
{
    if (!f.patch)
        return dash();
    return QStringLiteral("%1x%2 @ tensor %3").arg(f.patch->nh).arg(f.patch->nw).arg(f.patch->splitTensor);
}
inline QString widthText(double w) { return QString::number(w, 'g', 3); }
inline QString pairText(double width, int resolution)
{
    return QStringLiteral("width %1, %2\u00d7%2").arg(widthText(width)).arg(resolution);
}

// A table cell that sorts by a number (UserRole) rather than by its text; cells without a
// number ("–") sort after every number.
class NumberItem : public QTableWidgetItem {
public:
    NumberItem(const QString& text, double key) : QTableWidgetItem(text)
    {
        setData(Qt::UserRole, key);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    static NumberItem* none() { return new NumberItem(dash(), std::numeric_limits<double>::infinity()); }
    bool operator<(const QTableWidgetItem& other) const override
    {
        const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
        if (a.isValid() && b.isValid())
            return a.toDouble() < b.toDouble();
        return QTableWidgetItem::operator<(other);
    }
};

inline QTableWidgetItem* textItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setToolTip(text);
    return item;
}

} // namespace ts::searchui
