# Warnings for the project's own targets.
function(tinystudio_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wno-unused-parameter)
endfunction()
