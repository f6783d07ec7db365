# Tests of the ST-Link plugin: the driver against a simulated target behind its libstlink seam,
# and the real plugin loading through the PluginManager (no hardware: scans to "no probe found").
tinystudio_test(tst_stlink SOURCES tst_stlink.cpp stlink_sim.h stlink_sim.cpp LIBS tinystudio_stlink_driver)
add_dependencies(tst_stlink tinystudio_probe_stlink)
