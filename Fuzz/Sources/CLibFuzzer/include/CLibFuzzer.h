#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry point for programs that have a main of their own (LLVM 11 and later).
// SwiftPM gives every executable its own main, so the fuzz targets start libFuzzer here.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
