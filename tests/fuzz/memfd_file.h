// For parsers that take a path rather than bytes: the input is written to
// one memfd, reused across runs, and passed as /proc/self/fd/N.
#ifndef ALLOCPROF_TESTS_FUZZ_MEMFD_FILE_H_
#define ALLOCPROF_TESTS_FUZZ_MEMFD_FILE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

class MemfdFile {
 public:
  MemfdFile() : fd_(memfd_create("fuzz-input", MFD_CLOEXEC)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }

  // Replaces the file's contents with `data`; returns its path.
  const std::string& Write(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0 ||
        (size > 0 && pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
      std::perror("memfd write");
      std::abort();
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

#endif  // ALLOCPROF_TESTS_FUZZ_MEMFD_FILE_H_
