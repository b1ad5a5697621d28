// ProfileFromJson on a saved JSON profile, which may come from another host
// or a script. A profile it accepts must also survive being written out
// again and read back.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "userspace/outputs/json/json_reader.h"
#include "userspace/outputs/json/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto profile = allocprof::ProfileFromJson(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!profile.ok()) return 0;
  FUZZ_CHECK(allocprof::ProfileFromJson(allocprof::ProfileToJson(*profile)).ok());
  return 0;
}
