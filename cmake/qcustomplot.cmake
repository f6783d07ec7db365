# Debian ships QCustomPlot built for both Qt 5 and Qt 6; its CMake package for the
# plain name points at the Qt 5 build, so link the Qt 6 library explicitly.
find_path(QCUSTOMPLOT_INCLUDE_DIR qcustomplot.h REQUIRED)
find_library(QCUSTOMPLOT_QT6_LIBRARY NAMES QCustomPlotQt6 REQUIRED)
if(NOT TARGET QCustomPlot::Qt6)
  add_library(QCustomPlot::Qt6 SHARED IMPORTED)
  set_target_properties(QCustomPlot::Qt6 PROPERTIES
    IMPORTED_LOCATION "${QCUSTOMPLOT_QT6_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${QCUSTOMPLOT_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS QCUSTOMPLOT_USE_LIBRARY
    INTERFACE_LINK_LIBRARIES "Qt6::Widgets;Qt6::PrintSupport")
endif()
