#pragma once
// Board support generated from a board profile, no vendor HAL: the vector table and reset handler
// (copy .data, zero .bss, FPU on where the profile has one, caches on Cortex-M7), a linker script
// written from the profile's memory map (weights in their own flash section, the arena in the RAM
// region the analysis placed it in, stack and heap inside the reserve), a timing layer (the CMSDK
// APB timer on QEMU's MPS2 machines: with -icount shift=0 one tick is 40 instructions; the DWT
// cycle counter on real parts), a fault handler that prints the fault registers, and a firmware
// main that reads the input and writes the output through semihosting and prints per-inference and
// per-layer counts. Plus the CMake toolchain file for arm-none-eabi-gcc with the profile's
// -mcpu/-mfpu/-mfloat-abi. The files are added to a generated project (codegen/generator.h).

#include "boards/board.h"
#include "codegen/generator.h"

#include <string>
#include <vector>

namespace ts {

struct FirmwareOptions {
    std::string optimize = "-O2"; // -O2, -O3 or -Os
    bool lto = true;
    int64_t stackBytes = 8192;
    int64_t heapBytes = 4096;
    int runs = 1;                 // timed inferences per boot (the first without the layer hook)
    bool portable = false;        // -DTS_NO_DSP: the portable C kernels even where the core has DSP
    // A live-profiling firmware (profile/live.h): no semihosting, the input compiled into flash, an
    // endless (runs == 0) or counted loop of inferences alternately timed whole and per layer, every
    // figure, the output's CRC-32 and any fault kept in the mailbox `ts_mailbox` for the probe to read.
    bool live = false;
    std::vector<uint8_t> liveInput; // the graph inputs' bytes concatenated
    // A live firmware that also keeps the CRC-32 of every complete tensor of its first inference
    // (ts_tensor_crc / ts_tensor_seen, through the model's DEBUG dump hook; canaries on): the host
    // finds the first op whose output differs from the reference.
    bool checkTensors = false;
    int tensorCount = 0;
};

// The firmware files for `board`, added to `project` (its CMakeLists.txt gains the firmware target).
// The RAM region is the analysis's arena region (`fit`), capped at the enforced limits.
Result<std::vector<GeneratedFile>> firmwareFiles(const GeneratedProject& project, const Board& board,
                                                 const FitVerdict& fit, const FirmwareOptions& options);
Diagnostics addFirmware(GeneratedProject& project, const Board& board, const FitVerdict& fit, const FirmwareOptions& options);

// The compiler flags a firmware is built with: -mcpu/-mfpu/-mfloat-abi from the profile, the
// optimization level, LTO, --gc-sections and TS_NO_DSP for the portable kernels.
std::string firmwareFlags(const Board& board, const FirmwareOptions& options);

// Instructions per timer tick of the QEMU timing layer (CMSDK APB timer at 25 MHz, -icount shift=0).
constexpr int64_t kQemuInstructionsPerTick = 40;

// The live firmware's mailbox layout (decoded by profile/live.cpp).
constexpr uint32_t kMailboxMagicWord = 0x424D5354u; // "TSMB" in little-endian memory
constexpr uint32_t kMailboxLayoutVersion = 1;
constexpr int kMailboxRingEntries = 32;
constexpr int kMailboxOutputCopyBytes = 64;

} // namespace ts
