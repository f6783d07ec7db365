#pragma once
// STM32 device ids (DBGMCU_IDCODE bits 11:0) and the part numbers each one covers, so that the
// driver can say which board profiles a connected target matches and refuse a board whose mcu is
// not the chip behind the probe. Sources: the reference manuals' "MCU device ID code" sections
// (RM0383 F411, RM0402 F412, RM0390 F446, RM0385 F74x/F75x, RM0410 F76x/F77x, RM0433 H74x/H75x,
// RM0351 L47x/L48x, RM0456 U575/U585), cross-checked with libstlink's chip id tables.

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct StlinkChip {
    uint32_t id;                       // 0x431
    const char* name;                  // "STM32F411xC/E"
    std::vector<const char*> parts;    // part-number prefixes: "STM32F411"
};

const std::vector<StlinkChip>& stlinkChips();
const StlinkChip* findStlinkChip(uint32_t id);
// The chip a board profile's mcu ("STM32F411RET6") belongs to, or nullptr.
const StlinkChip* stlinkChipForMcu(const std::string& mcu);
// The prefix of `chip` that `mcu` starts with ("STM32F411"), or "" if none does.
std::string stlinkMcuFamily(const StlinkChip& chip, const std::string& mcu);
// "0x431"
std::string hexId(uint32_t id);

} // namespace ts
