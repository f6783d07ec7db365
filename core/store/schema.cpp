#include "store/schema.h"

namespace ts::storedetail {

const std::vector<std::vector<const char*>>& migrationSteps()
{
    static const std::vector<std::vector<const char*>> steps = {
        // Step 1: the first schema.
        {
            "CREATE TABLE models ("
            " id INTEGER PRIMARY KEY,"
            " sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),"
            " name TEXT NOT NULL,"
            " bytes INTEGER NOT NULL CHECK (bytes >= 0))",

            "CREATE TABLE boards ("
            " id INTEGER PRIMARY KEY,"
            " profile TEXT NOT NULL UNIQUE,"
            " name TEXT NOT NULL,"
            " json TEXT NOT NULL DEFAULT '')",

            "CREATE TABLE documents ("
            " id INTEGER PRIMARY KEY,"
            " sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),"
            " json TEXT NOT NULL)",

            "CREATE TABLE builds ("
            " id INTEGER PRIMARY KEY,"
            " toolchain TEXT NOT NULL,"
            " flags TEXT NOT NULL,"
            " optimize TEXT NOT NULL,"
            " portable INTEGER NOT NULL CHECK (portable IN (0, 1)),"
            " text_bytes INTEGER NOT NULL,"
            " data_bytes INTEGER NOT NULL,"
            " bss_bytes INTEGER NOT NULL,"
            " flash_runtime INTEGER NOT NULL,"
            " flash_weights INTEGER NOT NULL,"
            " flash_libc INTEGER NOT NULL,"
            " flash_total INTEGER NOT NULL,"
            " ram_arena INTEGER NOT NULL,"
            " ram_scratch INTEGER NOT NULL,"
            " ram_stack INTEGER NOT NULL,"
            " ram_heap INTEGER NOT NULL,"
            " ram_other INTEGER NOT NULL,"
            " ram_total INTEGER NOT NULL,"
            " elf_sha256 TEXT NOT NULL,"
            " UNIQUE (toolchain, flags, optimize, portable, text_bytes, data_bytes, bss_bytes, flash_runtime,"
            "  flash_weights, flash_libc, flash_total, ram_arena, ram_scratch, ram_stack, ram_heap, ram_other,"
            "  ram_total, elf_sha256))",

            "CREATE TABLE runs ("
            " id INTEGER PRIMARY KEY,"
            " model_id INTEGER NOT NULL REFERENCES models(id),"
            " board_id INTEGER NOT NULL REFERENCES boards(id),"
            " document_id INTEGER NOT NULL REFERENCES documents(id),"
            " build_id INTEGER NOT NULL REFERENCES builds(id),"
            " probe TEXT NOT NULL,"
            " serial TEXT NOT NULL DEFAULT '',"
            " unit TEXT NOT NULL CHECK (unit IN ('instructions', 'cycles')),"
            " started TEXT NOT NULL,"
            " ended TEXT NOT NULL DEFAULT '',"
            " status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted', 'cancelled')),"
            " message TEXT NOT NULL DEFAULT '',"
            " output_matches INTEGER NOT NULL DEFAULT -1 CHECK (output_matches IN (-1, 0, 1)),"
            " owner_pid INTEGER NOT NULL,"
            " owner_host TEXT NOT NULL,"
            " owner_boot TEXT NOT NULL DEFAULT '',"
            " owner_start INTEGER NOT NULL DEFAULT 0)",

            "CREATE INDEX runs_by_model_board ON runs (model_id, board_id, started)",
            "CREATE INDEX runs_by_started ON runs (started)",
            "CREATE INDEX runs_by_status ON runs (status)",

            "CREATE TABLE samples ("
            " id INTEGER PRIMARY KEY,"
            " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
            " inference INTEGER NOT NULL,"
            " value INTEGER NOT NULL,"
            " host_seconds REAL NOT NULL DEFAULT 0)",

            "CREATE INDEX samples_by_run ON samples (run_id, inference)",

            "CREATE TABLE layer_samples ("
            " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
            " layer INTEGER NOT NULL,"
            " op TEXT NOT NULL,"
            " name TEXT NOT NULL DEFAULT '',"
            " value INTEGER NOT NULL,"
            " PRIMARY KEY (run_id, layer))",
        },
        // Step 2: the board clock and the measured stack peak per run, MACs per layer.
        {
            "ALTER TABLE runs ADD COLUMN clock_hz INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE runs ADD COLUMN stack_peak INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE layer_samples ADD COLUMN macs INTEGER NOT NULL DEFAULT 0",
        },
    };
    return steps;
}

} // namespace ts::storedetail
