// Caps this process's address space at what it uses now plus `spare`
// bytes while the object lives: a test that a parser does not size an
// allocation from its input fails, instead of passing slowly, when one
// does (an allocation over the cap fails).
#ifndef ALLOCPROF_TESTS_UNIT_UNWIND_ADDRESS_SPACE_LIMIT_H_
#define ALLOCPROF_TESTS_UNIT_UNWIND_ADDRESS_SPACE_LIMIT_H_

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace allocprof {

class AddressSpaceLimit {
 public:
  explicit AddressSpaceLimit(rlim_t spare) {
    ok_ = getrlimit(RLIMIT_AS, &before_) == 0;
    unsigned long pages = 0;
    FILE* statm = fopen("/proc/self/statm", "re");
    ok_ = ok_ && statm != nullptr && fscanf(statm, "%lu", &pages) == 1;
    if (statm != nullptr) fclose(statm);
    rlimit limited = before_;
    limited.rlim_cur = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + spare;
    ok_ = ok_ && setrlimit(RLIMIT_AS, &limited) == 0;
  }
  ~AddressSpaceLimit() { setrlimit(RLIMIT_AS, &before_); }
  AddressSpaceLimit(const AddressSpaceLimit&) = delete;
  AddressSpaceLimit& operator=(const AddressSpaceLimit&) = delete;

  // The cap is in force.
  bool ok() const { return ok_; }

 private:
  rlimit before_{};
  bool ok_ = false;
};

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_UNWIND_ADDRESS_SPACE_LIMIT_H_
