#include "userspace/evidence/peek.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "userspace/evidence/growth_score.h"

namespace allocprof {
namespace {

std::string ReadError(int err) {
  switch (err) {
    case ESRCH:
      return "the target exited";
    case EFAULT:
      return "not mapped (EFAULT)";
    case EPERM:
      return "permission denied (EPERM)";
    default:
      return strerror(err);
  }
}

}  // namespace

void PeekBlock(const TargetMemory& memory, PeekedBlock* block, size_t length) {
  block->bytes.clear();
  block->error.clear();
  const size_t want = std::min<uint64_t>(block->size, length);
  if (want == 0) return;
  std::string buffer(want, '\0');
  const ssize_t got = memory.ReadSome(block->address, buffer.data(), want);
  if (got < 0) {
    block->error = ReadError(static_cast<int>(-got));
    return;
  }
  buffer.resize(static_cast<size_t>(got));
  block->bytes = std::move(buffer);
}

void PeekShownStacks(const ProcessHandle& process, int top, Profile* profile) {
  absl::StatusOr<TargetMemory> memory = process.OpenMemory();
  std::vector<bool> shown(profile->stacks.size(), false);
  // Profile::stacks is sorted by in-use bytes, as the report shows them.
  int holding = 0;
  for (size_t i = 0; i < profile->stacks.size() && holding < top; ++i) {
    if (profile->stacks[i].values.inuse_bytes <= 0) continue;
    shown[i] = true;
    ++holding;
  }
  for (const LeakSuspect& s : LeakSuspects(*profile)) shown[s.stack] = true;
  for (size_t i = 0; i < profile->stacks.size(); ++i) {
    std::vector<PeekedBlock>& peeks = profile->stacks[i].evidence.peeks;
    if (!shown[i]) {
      peeks.clear();
      continue;
    }
    for (PeekedBlock& block : peeks) {
      if (memory.ok()) {
        PeekBlock(*memory, &block);
      } else {
        block.bytes.clear();
        block.error = absl::IsNotFound(memory.status()) ? ReadError(ESRCH)
                                                        : std::string(memory.status().message());
      }
    }
  }
}

}  // namespace allocprof
