// Made-up named stacks for testing report writers without BPF or symbols.
#ifndef ALLOCPROF_TESTS_UNIT_REPORT_FAKE_STACK_NAMES_H_
#define ALLOCPROF_TESTS_UNIT_REPORT_FAKE_STACK_NAMES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "userspace/report/named_stacks.h"

namespace allocprof {

class FakeStackNames : public StackNames {
 public:
  // `functions` leaf first, as the kernel orders frames.
  void Add(StackRef ref, std::vector<std::string> functions, int lost_errno = 0) {
    NamedStack& stack = stacks_[ref];
    stack.lost_errno = lost_errno;
    uint64_t addr = 0x1000;
    for (std::string& f : functions) {
      Frame frame;
      frame.addr = addr += 0x10;
      frame.function = std::move(f);
      frame.module = "/usr/bin/app";
      stack.frames.push_back(std::move(frame));
    }
  }
  const NamedStack& Name(StackRef ref) override { return stacks_[ref]; }

 private:
  absl::flat_hash_map<StackRef, NamedStack> stacks_;
};

inline Usage HeapUsage(int64_t bytes, int64_t objects) {
  Usage u;
  u.bytes[static_cast<int>(MemKind::kHeap)] = bytes;
  u.objects[static_cast<int>(MemKind::kHeap)] = objects;
  return u;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_REPORT_FAKE_STACK_NAMES_H_
