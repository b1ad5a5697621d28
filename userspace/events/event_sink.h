// Decodes ap_event records into the aggregator's calls.
#ifndef ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_
#define ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_

#include <cstdint>

#include "bpf/events.h"
#include "absl/types/span.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/stacks/return_slot.h"
#include "userspace/stacks/stack_resolver.h"
#include "userspace/stacks/stack_table.h"

namespace allocprof {

class EventSink {
 public:
  // `resolver` and `return_slots` locate the caller of a syscall wrapper
  // (see SyscallCaller); either may be null, and BPF's guess is used.
  EventSink(Aggregator& aggregator, StackTable& stacks,
            StackResolver* resolver = nullptr,
            ReturnSlotFinder* return_slots = nullptr)
      : aggregator_(aggregator),
        stacks_(stacks),
        resolver_(resolver),
        return_slots_(return_slots) {}

  void Handle(const ap_event& e, absl::Span<const uint64_t> stack_words = {});

  // Records handled, and whether the target mapped new executable code since
  // the last call (symbols must then learn the new module).
  uint64_t handled() const { return handled_; }
  bool TakeNewCode() {
    bool v = new_code_;
    new_code_ = false;
    return v;
  }

 private:
  StackRef StackOf(const ap_event& e, absl::Span<const uint64_t> stack_words);

  Aggregator& aggregator_;
  StackTable& stacks_;
  StackResolver* resolver_;
  ReturnSlotFinder* return_slots_;
  uint64_t handled_ = 0;
  bool new_code_ = false;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_
