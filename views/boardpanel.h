#pragma once
// The board panel: a board picker and the chosen board's memory regions drawn as bars. The flash
// bar fills with the model's weights; RAM bars fill with the arena once memory planning exists.

#include "analysis/fit.h"
#include "boards/board.h"

#include <QWidget>

#include <optional>

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
    // runtime/stack reserve, drawn as parts of the bars of the regions it covers.
    void setArena(const ArenaRegion& region, int64_t activationBytes, int64_t scratchBytes, int64_t reserveBytes);
    void clearArena();
    // Flash use by part (weights, biases, requantization parameters, code estimate).
    void setFlashUse(const FlashUse& use);

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
};

} // namespace ts
