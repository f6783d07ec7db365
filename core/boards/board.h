#pragma once
// Board profiles: data files (boards/*.json) validated on load with field-level errors. Bundled
// profiles are read from the source tree's boards/ (or $TINYSTUDIO_BOARDS_DIR); user profiles from
// $TINYSTUDIO_USER_BOARDS or ~/.local/share/TinyStudio/boards override bundled ones by id.

#include "common/diagnostic.h"

#include <cstdint>
#include <string>
#include <vector>

class QByteArray;

namespace ts {

struct MemoryRegion {
    std::string name;
    uint64_t base = 0;
    uint64_t size = 0;
    std::string kind; // RAM: DTCM, ITCM, SRAM, AXI, BACKUP, CCM, SSRAM, PSRAM; flash: internal, external, itcm
};

struct Probe {
    std::string type;    // "stlink" or "qemu"
    std::string machine; // qemu machine (mps2-an386, ...)
    std::string cpu;     // qemu cpu
};

struct Board {
    std::string id, name, vendor, mcu, core, fpu;
    int64_t clockHz = 0;
    bool dsp = false;
    std::vector<MemoryRegion> flash, ram;
    Probe probe;
    std::string enforces; // emulated boards: the real board whose limits apply
    std::string source;   // vendor documents the figures come from
    std::string notes;
    std::string filePath; // where it was loaded from
    bool user = false;    // loaded from the user directory

    bool emulated() const { return probe.type == "qemu"; }
    uint64_t totalRam() const;
    uint64_t totalFlash() const;
    const MemoryRegion* largestRam() const;
    const MemoryRegion* largestFlash() const;
};

// Parses one profile; `file` names it in diagnostics. Errors name the field and what was expected.
Result<Board> parseBoard(const QByteArray& json, const std::string& file);
Result<Board> loadBoardFile(const std::string& path);

struct BoardSet {
    std::vector<Board> boards; // sorted: real boards by name, then emulated ones
    Diagnostics diagnostics;   // one per file that failed, plus cross-board checks

    const Board* find(const std::string& id) const;
    std::string ids() const;   // "a, b, c" for error messages
    // The real board an emulated board enforces (itself for a real board); nullptr if unknown.
    const Board* limitsOf(const Board& b) const;
};

// Loads every *.json in the given folders, later folders overriding earlier ones by id.
BoardSet loadBoards(const std::vector<std::string>& dirs);
// The bundled folder followed by the user folder (see the file comment).
std::vector<std::string> defaultBoardDirs();
BoardSet loadDefaultBoards();

constexpr const char* kDefaultBoardId = "qemu-mps2-an386";

} // namespace ts
