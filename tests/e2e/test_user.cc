#include "tests/e2e/test_user.h"

#include <pwd.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "tests/e2e/session.h"

namespace allocprof::e2e {
namespace {

bool LookUp(RunAs* user) {
  struct passwd* pw = getpwnam(kHostileUser);
  if (pw == nullptr) return false;
  user->uid = pw->pw_uid;
  user->gid = pw->pw_gid;
  return true;
}

}  // namespace

TestUser EnsureTestUser(RunAs* user, std::string* why) {
  if (LookUp(user)) return TestUser::kReady;
  const char* useradd = nullptr;
  for (const char* path : {"/usr/sbin/useradd", "/sbin/useradd"}) {
    if (access(path, X_OK) == 0) useradd = path;
  }
  if (useradd == nullptr) {
    *why = std::string("no user ") + kHostileUser + " and no useradd to make one";
    return TestUser::kNoUseradd;
  }
  std::string error;
  std::unique_ptr<Process> p = Process::Start(
      {useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
       "--user-group", kHostileUser},
      &error);
  if (p == nullptr || !p->WaitExit(Scaled(30000))) {
    *why = "useradd did not finish: " + error;
    return TestUser::kFailed;
  }
  // Another run may have made it meanwhile: useradd then fails, harmlessly.
  if (LookUp(user)) return TestUser::kReady;
  *why = "useradd " + std::string(kHostileUser) + " failed (" + p->Describe() + "): " + p->err();
  return TestUser::kFailed;
}

bool PlantSymlinkAs(const RunAs& user, const std::string& target, const std::string& link,
                    std::string* error) {
  if (symlink(target.c_str(), link.c_str()) != 0 ||
      lchown(link.c_str(), user.uid, user.gid) != 0) {
    *error = "cannot plant " + link + " -> " + target + ": " + strerror(errno);
    return false;
  }
  return true;
}

}  // namespace allocprof::e2e
