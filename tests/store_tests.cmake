# Tests of the run store (placeholder).
