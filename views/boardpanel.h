#pragma once
// The board panel: a board picker and the chosen board's memory regions drawn as bars. The flash
// bar fills with the model's weights. The arena gets one bar over the (possibly merged) region it
// is placed in — e.g. DTCM+SRAM1+SRAM2 on the F746, ticks marking where each region starts — with
// activations, kernel scratch, the runtime/stack reserve and what is free, or by how much it
// overflows that region; RAM regions the arena does not cover keep their own bars.

#include "analysis/fit.h"
#include "boards/board.h"

#include <QStringList>
#include <QWidget>

#include <optional>
#include <utility>
#include <vector>

class QComboBox;
class QLabel;
class QVBoxLayout;

namespace ts {

class BoardPanel : public QWidget {
    Q_OBJECT
public:
    explicit BoardPanel(QWidget* parent = nullptr);

    void setBoards(const BoardSet* boards);
    bool selectBoard(const QString& id); // false if the id is unknown
    QString currentBoardId() const;
    const Board* currentBoard() const;
    void setWeightBytes(int64_t bytes); // what the model puts in flash
    // The planned arena placed at the start of `region`: activations, kernel scratch and the
    // runtime/stack reserve, drawn as one bar spanning the regions it covers.
    void setArena(const ArenaRegion& region, int64_t activationBytes, int64_t scratchBytes, int64_t reserveBytes);
    void clearArena();
    // Flash use by part (weights, biases, requantization parameters, code estimate).
    void setFlashUse(const FlashUse& use);

    // What each bar shows, top to bottom, for tests and the status line.
    struct Bar {
        QString name;        // the region, or the merged arena region ("DTCM+SRAM1+SRAM2")
        bool arena = false;  // the arena's bar
        bool flash = false;
        QStringList regions; // the board regions the bar spans
        int64_t capacity = 0, used = 0;
        QString text;        // "<name>: <caption>", e.g. "arena: DTCM+SRAM1+SRAM2 252.2 KiB / 320.0 KiB · 67.8 KiB free"
        int64_t over() const { return used > capacity ? used - capacity : 0; }
    };
    const std::vector<Bar>& bars() const { return m_bars; }
    QStringList barTexts() const;

signals:
    void boardChanged(const QString& id);

private:
    void rebuild();

    const BoardSet* m_boards = nullptr;
    QComboBox* m_picker = nullptr;
    QLabel* m_summary = nullptr;
    QWidget* m_regions = nullptr;
    QVBoxLayout* m_regionsLayout = nullptr;
    int64_t m_weightBytes = 0;
    std::optional<ArenaRegion> m_arenaRegion;
    int64_t m_activationBytes = 0, m_scratchBytes = 0, m_reserveBytes = 0;
    std::optional<FlashUse> m_flash;
    std::vector<Bar> m_bars;
    std::vector<std::pair<QLabel*, QWidget*>> m_rows; // per bar: its label and its segment bar
};

} // namespace ts
