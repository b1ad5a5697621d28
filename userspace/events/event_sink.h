// Decodes ap_event records into the aggregator's calls.
#ifndef ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_
#define ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_

#include <cstdint>

#include "bpf/events.h"
#include "userspace/aggregate/aggregator.h"
#include "userspace/stacks/stack_table.h"

namespace allocprof {

class EventSink {
 public:
  EventSink(Aggregator& aggregator, StackTable& stacks)
      : aggregator_(aggregator), stacks_(stacks) {}

  void Handle(const ap_event& e);

  // Records handled, and whether the target mapped new executable code since
  // the last call (symbols must then learn the new module).
  uint64_t handled() const { return handled_; }
  bool TakeNewCode() {
    bool v = new_code_;
    new_code_ = false;
    return v;
  }

 private:
  StackRef StackOf(const ap_event& e);

  Aggregator& aggregator_;
  StackTable& stacks_;
  uint64_t handled_ = 0;
  bool new_code_ = false;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_EVENT_SINK_H_
