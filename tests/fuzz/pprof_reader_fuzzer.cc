// ParsePprof on a pprof file's bytes, gzipped or not: files are handed over
// from other hosts and other tools. A profile it accepts must also survive
// being written out again and read back.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "userspace/outputs/pprof/pprof_reader.h"
#include "userspace/outputs/pprof/pprof_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto profile = allocprof::ParsePprof(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!profile.ok()) return 0;
  auto encoded = allocprof::EncodePprof(*profile);
  if (!encoded.ok()) return 0;
  FUZZ_CHECK(allocprof::ParsePprof(*encoded).ok());
  return 0;
}
