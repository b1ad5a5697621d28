// The unprivileged user that hostile targets run as: a system account with
// no home and no shell, made on first use.
#ifndef ALLOCPROF_TESTS_E2E_TEST_USER_H_
#define ALLOCPROF_TESTS_E2E_TEST_USER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/process.h"

namespace allocprof::e2e {

inline constexpr char kHostileUser[] = "allocprof-hostile";

// Looks kHostileUser up, creating it with useradd when missing; *why says
// what went wrong otherwise. Without useradd the caller skips; a useradd
// that fails is a failure.
enum class TestUser { kReady, kNoUseradd, kFailed };
TestUser EnsureTestUser(RunAs* user, std::string* why);

// Makes `link` a symbolic link to `target` owned by `user`, as if that user
// had made it (lchown: root may give it away). False with *error set.
bool PlantSymlinkAs(const RunAs& user, const std::string& target, const std::string& link,
                    std::string* error);

}  // namespace allocprof::e2e

#endif  // ALLOCPROF_TESTS_E2E_TEST_USER_H_
