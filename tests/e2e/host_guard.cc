#include "tests/e2e/host_guard.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

bool Stat(const std::string& path, struct stat* st) { return lstat(path.c_str(), st) == 0; }

std::string Describe(const struct stat& st) {
  char mode[16];
  snprintf(mode, sizeof(mode), "%o", st.st_mode);
  return "mode " + std::string(mode) + ", uid " + std::to_string(st.st_uid) + ", inode " +
         std::to_string(st.st_ino) + ", " + std::to_string(st.st_size) + " bytes";
}

}  // namespace

void HostGuard::Create(const RunAs& user) {
  char dir[] = "/tmp/allocprof-hostile-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  root_ = dir;
  // The user must reach its own directory through ours.
  ASSERT_EQ(chmod(root_.c_str(), 0755), 0);
  const struct {
    const char* name;
    mode_t mode;
    bool users;
  } dirs[] = {{"secret", 0700, false}, {"etc", 0755, false}, {"user", 0755, true},
              {"shared", 01777, false}};
  for (const auto& d : dirs) {
    const std::string path = Path(d.name);
    ASSERT_EQ(mkdir(path.c_str(), d.mode), 0) << path;
    ASSERT_EQ(chmod(path.c_str(), d.mode), 0) << path;  // past the umask
    if (d.users) {
      ASSERT_EQ(chown(path.c_str(), user.uid, user.gid), 0) << path;
    }
  }
  secret_ = Path("secret/sentinel");
  etc_ = Path("etc/sentinel.conf");
  for (const auto& [path, mode] : {std::pair{secret_, 0600}, std::pair{etc_, 0644}}) {
    const std::string contents = "root's " + path + ": allocprof must never change it\n";
    std::ofstream(path) << contents;
    ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
    struct stat st;
    ASSERT_TRUE(Stat(path, &st)) << path;
    sentinel_contents_[path] = contents;
    sentinels_[path] = {st.st_uid, st.st_gid, st.st_mode, st.st_ino, st.st_size};
  }
}

HostGuard::~HostGuard() {
  for (const std::string& name : tmp_names_) unlink(("/tmp/" + name).c_str());
  if (root_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

std::map<std::string, HostGuard::Entry> HostGuard::Watched() const {
  std::vector<std::string> paths;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    paths.push_back(it->path());
  }
  for (const std::string& name : tmp_names_) paths.push_back("/tmp/" + name);
  std::map<std::string, Entry> entries;
  for (const std::string& path : paths) {
    struct stat st;
    if (Stat(path, &st)) entries[path] = {st.st_uid, st.st_gid, st.st_mode, st.st_ino, st.st_size};
  }
  return entries;
}

void HostGuard::Snapshot(const std::vector<std::string>& tmp_names) {
  tmp_names_ = tmp_names;
  snapshot_ = Watched();
}

void HostGuard::ExpectUntouched() const {
  for (const auto& [path, was] : sentinels_) {
    struct stat st;
    ASSERT_TRUE(Stat(path, &st)) << path << " is gone";
    EXPECT_TRUE(st.st_uid == was.uid && st.st_gid == was.gid && st.st_mode == was.mode &&
                st.st_ino == was.ino)
        << path << " changed: now " << Describe(st);
    EXPECT_EQ(ReadFile(path), sentinel_contents_.at(path)) << path << "'s contents changed";
  }
  const std::map<std::string, Entry> now = Watched();
  for (const auto& [path, entry] : now) {
    if (allowed_.count(path)) continue;
    auto before = snapshot_.find(path);
    if (before == snapshot_.end()) {
      ADD_FAILURE() << path << " appeared during the session (uid " << entry.uid << ")";
      continue;
    }
    const Entry& was = before->second;
    EXPECT_TRUE(entry.uid == was.uid && entry.gid == was.gid && entry.mode == was.mode &&
                entry.ino == was.ino && (S_ISDIR(entry.mode) || entry.size == was.size))
        << path << " changed during the session";
  }
  for (const auto& [path, entry] : snapshot_) {
    EXPECT_TRUE(now.count(path) || allowed_.count(path)) << path << " went away";
  }
}

}  // namespace allocprof::e2e
