#include "stlink_chips.h"

#include <cctype>
#include <cstdio>

namespace ts {

const std::vector<StlinkChip>& stlinkChips()
{
    static const std::vector<StlinkChip> chips = {
        {0x413, "STM32F405/F407/F415/F417", {"STM32F405", "STM32F407", "STM32F415", "STM32F417"}},
        {0x419, "STM32F42x/F43x", {"STM32F427", "STM32F429", "STM32F437", "STM32F439"}},
        {0x421, "STM32F446", {"STM32F446"}},
        {0x423, "STM32F401xB/C", {"STM32F401"}},
        {0x431, "STM32F411xC/E", {"STM32F411"}},
        {0x441, "STM32F412", {"STM32F412"}},
        {0x449, "STM32F74x/F75x", {"STM32F745", "STM32F746", "STM32F750", "STM32F756"}},
        {0x451, "STM32F76x/F77x", {"STM32F765", "STM32F767", "STM32F769", "STM32F777", "STM32F778", "STM32F779"}},
        {0x452, "STM32F72x/F73x", {"STM32F722", "STM32F723", "STM32F730", "STM32F732", "STM32F733"}},
        {0x450, "STM32H74x/H75x", {"STM32H742", "STM32H743", "STM32H745", "STM32H747", "STM32H750", "STM32H753",
                                   "STM32H755", "STM32H757"}},
        {0x483, "STM32H72x/H73x", {"STM32H723", "STM32H725", "STM32H730", "STM32H733", "STM32H735"}},
        {0x480, "STM32H7Ax/H7Bx", {"STM32H7A3", "STM32H7B0", "STM32H7B3"}},
        {0x415, "STM32L47x/L48x", {"STM32L471", "STM32L475", "STM32L476", "STM32L486"}},
        {0x461, "STM32L496/L4A6", {"STM32L496", "STM32L4A6"}},
        {0x482, "STM32U575/U585", {"STM32U575", "STM32U585"}},
    };
    return chips;
}

const StlinkChip* findStlinkChip(uint32_t id)
{
    for (const StlinkChip& c : stlinkChips())
        if (c.id == id)
            return &c;
    return nullptr;
}

namespace {

bool startsWithNoCase(const std::string& s, const char* prefix)
{
    for (size_t i = 0; prefix[i]; ++i)
        if (i >= s.size() || std::toupper(static_cast<unsigned char>(s[i])) != prefix[i])
            return false;
    return true;
}

} // namespace

std::string stlinkMcuFamily(const StlinkChip& chip, const std::string& mcu)
{
    for (const char* p : chip.parts)
        if (startsWithNoCase(mcu, p))
            return p;
    return {};
}

const StlinkChip* stlinkChipForMcu(const std::string& mcu)
{
    for (const StlinkChip& c : stlinkChips())
        if (!stlinkMcuFamily(c, mcu).empty())
            return &c;
    return nullptr;
}

std::string hexId(uint32_t id)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%03x", static_cast<unsigned>(id));
    return buf;
}

} // namespace ts
