// A Symbolizer taken for a child of the test (a copy of it, with the same
// mappings) that has exited and been reaped by the time it is handed over:
// whatever it reads from now on comes through the handles it took while the
// child lived. Call through ASSERT_NO_FATAL_FAILURE.
#ifndef ALLOCPROF_TESTS_UNIT_SYMBOLS_GONE_CHILD_H_
#define ALLOCPROF_TESTS_UNIT_SYMBOLS_GONE_CHILD_H_

#include <memory>

#include "gtest/gtest.h"
#include "tests/unit/common/child_process.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {

inline void SymbolizerOfGoneChild(std::unique_ptr<Symbolizer>* out, pid_t* pid) {
  ChildProcess child;
  ASSERT_GT(child.pid(), 0);
  absl::StatusOr<std::unique_ptr<Symbolizer>> s = Symbolizer::ForProcess(child.pid());
  ASSERT_TRUE(s.ok()) << s.status();
  child.Reap();
  *out = *std::move(s);
  *pid = child.pid();
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_SYMBOLS_GONE_CHILD_H_
