# Tests of the live views of Build & Run (LivePanel, RunsPanel, BuildLogView; the Runs panel over a
# real run store). Included from tests/CMakeLists.txt when the GUI is built.
if(TINYSTUDIO_GUI)
  tinystudio_test(tst_liveviews SOURCES tst_liveviews.cpp LIBS tinystudio_views tinystudio_store)
endif()
