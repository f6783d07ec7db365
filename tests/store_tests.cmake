# Tests of the run store: tst_store, and store_child, a second process it starts (killed with
# SIGKILL mid-run, or writing beside the test at the same time).
add_executable(store_child store_child.cpp)
target_link_libraries(store_child PRIVATE tinystudio_store)
tinystudio_warnings(store_child)

tinystudio_test(tst_store SOURCES tst_store.cpp LIBS tinystudio_store)
target_compile_definitions(tst_store PRIVATE TINYSTUDIO_STORE_CHILD="$<TARGET_FILE:store_child>")
add_dependencies(tst_store store_child)
