// The two parsers of jvm_attach.h that take target-written text: the
// attach listener's reply (ParseAttachReply) and the SigCgt line of the
// JVM's /proc/PID/status (CatchesSignal).
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "tests/fuzz/fuzz_check.h"
#include "userspace/java/jvm_attach.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto reply = allocprof::ParseAttachReply(text);
  if (reply.ok()) FUZZ_CHECK(reply->output.size() < size);
  // Out-of-range signal numbers included: the answer is then false.
  for (int sig : {-1, 0, 1, 3, 63, 64, 65}) {
    const bool catches = allocprof::CatchesSignal(text, sig);
    if (sig < 1 || sig > 64) FUZZ_CHECK(!catches);
  }
  return 0;
}
