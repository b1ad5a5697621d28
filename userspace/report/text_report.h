// The report a person reads: totals, losses, and the stacks that hold the
// most outstanding bytes; and the one-screen running summary of --interval.
#ifndef ALLOCPROF_USERSPACE_REPORT_TEXT_REPORT_H_
#define ALLOCPROF_USERSPACE_REPORT_TEXT_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "userspace/aggregate/usage.h"
#include "userspace/report/named_stacks.h"
#include "userspace/report/session_health.h"

namespace allocprof {

struct ReportInput {
  std::string target;        // "PID 4242 (redis-server)"
  double seconds = 0;        // how long the target was traced
  uint64_t events = 0;       // records received
  Totals totals;
  uint64_t loader_mappings = 0;  // see EventSink::loader_mappings()
  std::vector<std::pair<StackRef, Usage>> stacks;  // Aggregator::ByStack()
  SessionHealth health;
  // What could not be named and why (object files whose symbols could not
  // be read), one line each.
  std::vector<std::string> symbol_notes;
  int top = 10;
};

// "1048576 B (1.0 MiB)": exact bytes for scripts, a rounded form for people.
std::string FormatBytes(int64_t bytes);

void WriteTextReport(std::ostream& out, const ReportInput& in, StackNames& names);

// "[12.0s] outstanding ... in N objects, allocated ..., freed ..." and the
// top 5 stacks, one line each.
void WriteIntervalSummary(std::ostream& out, const ReportInput& in,
                          StackNames& names);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_REPORT_TEXT_REPORT_H_
