# Tests of the ST-Link plugin (placeholder).
