// HotSpot's compressed int streams (compressed_stream.h) on bytes read from
// the target JVM's memory: every encoding, read until it stops. Checks that
// a read never moves backwards or past the end, so a decoding loop over
// any bytes ends.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_check.h"
#include "userspace/java/compressed_stream.h"

namespace {

void ReadAll(const uint8_t* data, size_t size, allocprof::IntEncoding encoding, bool is_signed) {
  size_t pos = 0;
  for (;;) {
    const size_t before = pos;
    const bool got = is_signed
                         ? allocprof::ReadCompressedSignedInt(data, size, &pos, encoding).has_value()
                         : allocprof::ReadCompressedInt(data, size, &pos, encoding).has_value();
    if (!got) break;
    FUZZ_CHECK(pos > before && pos <= before + 5 && pos <= size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (auto encoding : {allocprof::IntEncoding::kClassic, allocprof::IntEncoding::kUnsigned5}) {
    ReadAll(data, size, encoding, false);
    ReadAll(data, size, encoding, true);
  }
  // The sparse stream reads at least one bit an int, so it ends within
  // 8 * size of them.
  allocprof::SparseIntReader sparse(data, size);
  size_t ints = 0;
  while (sparse.Next()) FUZZ_CHECK(++ints <= 8 * size);
  return 0;
}
