#include "tests/e2e/inspect.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace allocprof::e2e {

bool ReadByte(pid_t pid, uint64_t addr, uint8_t* byte, std::string* error) {
  const std::string path = "/proc/" + std::to_string(pid) + "/mem";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "open " + path + ": " + strerror(errno);
    return false;
  }
  ssize_t n = pread(fd, byte, 1, static_cast<off_t>(addr));
  int read_errno = errno;
  close(fd);
  if (n != 1) {
    char where[32];
    snprintf(where, sizeof(where), "0x%" PRIx64, addr);
    *error = "read " + path + " at " + where + ": " +
             (n < 0 ? strerror(read_errno) : "nothing there");
    return false;
  }
  return true;
}

std::string MappedFile(pid_t pid, uint64_t addr) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    uint64_t start, end;
    int path_at = -1;
    // start-end perms offset dev inode path
    if (sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n",
               &start, &end, &path_at) < 2 ||
        path_at < 0) {
      continue;
    }
    if (addr >= start && addr < end) return line.substr(path_at);
  }
  return "";
}

std::set<BpfProgram> AllocprofPrograms() {
  std::set<BpfProgram> found;
  uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;  // freed since the id was listed
    bpf_prog_info info;
    memset(&info, 0, sizeof(info));
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
        strncmp(info.name, "ap_", 3) == 0) {
      found.insert({id, info.name});
    }
    close(fd);
  }
  return found;
}

std::string NewAllocprofPrograms(const std::set<BpfProgram>& before) {
  std::ostringstream names;
  for (const BpfProgram& p : AllocprofPrograms()) {
    if (before.count(p) == 0) names << " " << p.name << " (id " << p.id << ")";
  }
  return names.str();
}

bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace allocprof::e2e
