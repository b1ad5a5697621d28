#include "userspace/symbols/c_runtime.h"

#include <gtest/gtest.h>

namespace allocprof {
namespace {

TEST(SymbolsCRuntime, GlibcsObjectsAndNoOthers) {
  for (const char* path :
       {"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc-2.31.so",
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/x86_64-linux-gnu/libpthread.so.0", "libdl.so.2"}) {
    EXPECT_TRUE(IsCRuntimeObject(path)) << path;
  }
  for (const char* path :
       {"/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/bin/python3.11", "/opt/app/lib/libcache.so", "/srv/libc.so.d/app", ""}) {
    EXPECT_FALSE(IsCRuntimeObject(path)) << path;
  }
}

}  // namespace
}  // namespace allocprof
