// A host for a hostile target to attack, and the check that it was not:
// root's files with known owner, mode and contents (sentinels), where a
// target can point links at them but not reach them itself, and directories
// in which nothing may appear or change but what the test expects.
//
// Helpers use gtest assertions: call them through ASSERT_NO_FATAL_FAILURE.
#ifndef ALLOCPROF_TESTS_E2E_HOST_GUARD_H_
#define ALLOCPROF_TESTS_E2E_HOST_GUARD_H_

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/process.h"

namespace allocprof::e2e {

class HostGuard {
 public:
  // Lays out a fresh tree in /tmp (mode 0755, root's):
  //   secret/sentinel       0600 in a 0700 directory, as in /root
  //   etc/sentinel.conf     0644 in a 0755 directory, as in /etc
  //   user/                 the test user's own directory (0755)
  //   shared/               sticky and world-writable (01777), as /tmp
  void Create(const RunAs& user);
  // Removes the tree, and the /tmp names watched (the target's plants).
  ~HostGuard();

  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }
  const std::string& secret_sentinel() const { return secret_; }
  const std::string& etc_sentinel() const { return etc_; }

  // Records every entry of the tree, and the entries of /tmp named in
  // `tmp_names` (the files of process PID there: perf-PID.map,
  // .attach_pidPID, .java_pidPID), as they are now.
  void Snapshot(const std::vector<std::string>& tmp_names);
  // `path` may appear or change after the snapshot: an output of the
  // session.
  void Allow(const std::string& path) { allowed_.insert(path); }
  // Expects the sentinels exactly as created, and every watched entry as
  // snapshot but for those allowed.
  void ExpectUntouched() const;

 private:
  struct Entry {
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0;
    ino_t ino = 0;
    off_t size = 0;
  };
  std::map<std::string, Entry> Watched() const;

  std::string root_;
  std::string secret_, etc_;
  std::map<std::string, std::string> sentinel_contents_;
  std::map<std::string, Entry> sentinels_;
  std::vector<std::string> tmp_names_;
  std::map<std::string, Entry> snapshot_;
  std::set<std::string> allowed_;
};

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_HOST_GUARD_H_
