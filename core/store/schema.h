#pragma once
// The run store's schema as numbered migration steps: step N turns a version N-1 database into
// version N (step 1 creates the tables on an empty file). Internal to the run store.
//
// Version 1: models, boards, documents, builds, runs (with owner identity), samples, layer_samples.
// Version 2: runs.clock_hz, runs.stack_peak and layer_samples.macs.

#include <cstdint>
#include <vector>

namespace ts::storedetail {

// Written to `PRAGMA application_id`: the bytes "TSDB" (big-endian, file offset 68).
constexpr int32_t kApplicationId = 0x54534442;

// The SQL statements of each step; index 0 is step 1. One statement per string (QSQLITE runs the
// first statement of a string only).
const std::vector<std::vector<const char*>>& migrationSteps();

} // namespace ts::storedetail
