# -DTINYSTUDIO_SANITIZE=ON builds every target with ASan + UBSan (tests then run under them).
if(TINYSTUDIO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# -DTINYSTUDIO_FUZZ=ON: coverage instrumentation for libFuzzer plus ASan/UBSan everywhere.
if(TINYSTUDIO_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
