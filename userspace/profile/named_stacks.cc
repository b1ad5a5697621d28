#include "userspace/profile/named_stacks.h"

namespace allocprof {

const NamedStack& NamedStacks::Name(StackRef ref) {
  auto [it, inserted] = names_.try_emplace(ref);
  if (!inserted) return it->second;
  ResolvedStack resolved = resolver_.Resolve(table_.origin(ref));
  NamedStack& named = it->second;
  named.lost_errno = resolved.lost_errno;
  for (size_t i = 0; i < resolved.frames.size(); ++i) {
    uint64_t addr = resolved.frames[i];
    if (addr == kTruncatedFrame) {
      Frame truncated;
      truncated.function = "[truncated]";
      named.frames.push_back(std::move(truncated));
      continue;
    }
    // Every frame but the leaf is a return address, which points just past
    // its call: look up the call itself, which is in the calling function
    // even when the call was the function's last instruction.
    // A Java method's frame (an interpreted one) or a Python function's is
    // no address at all.
    bool is_return_address = (i > 0 || resolved.lost_errno != 0) &&
                             !(addr & Symbolizer::kJavaMethodFrame) &&
                             !Symbolizer::IsPythonFrame(addr);
    Frame frame = symbolizer_.Symbolize(is_return_address ? addr - 1 : addr);
    if (is_return_address) {
      frame.addr = addr;
      frame.offset += 1;
    }
    named.frames.push_back(std::move(frame));
  }
  return named;
}

}  // namespace allocprof
