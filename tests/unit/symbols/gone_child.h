// A Symbolizer taken for a child of the test (a copy of it, with the same
// mappings) that has exited and been reaped by the time it is handed over:
// whatever it reads from now on comes through the handles it took while the
// child lived. Call through ASSERT_NO_FATAL_FAILURE.
#ifndef ALLOCPROF_TESTS_UNIT_SYMBOLS_GONE_CHILD_H_
#define ALLOCPROF_TESTS_UNIT_SYMBOLS_GONE_CHILD_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "gtest/gtest.h"
#include "userspace/symbols/symbolizer.h"

namespace allocprof {

inline void SymbolizerOfGoneChild(std::unique_ptr<Symbolizer>* out, pid_t* pid) {
  int ready[2], hold[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(hold), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    close(hold[1]);
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(2);
    (void)!read(hold[0], &c, 1);
    _exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  absl::StatusOr<std::unique_ptr<Symbolizer>> s = Symbolizer::ForProcess(child);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  close(ready[0]);
  close(hold[1]);
  *out = *std::move(s);
  *pid = child;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_SYMBOLS_GONE_CHILD_H_
