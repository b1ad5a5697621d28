#include "userspace/attach/custom_functions.h"

#include <gtest/gtest.h>

#include "bpf/events.h"

namespace allocprof {
namespace {

TEST(ParseAllocFn, SizeArgumentAndDefaultReturn) {
  auto f = ParseAllocFn("libpool.so:pool_alloc:size=ARG2");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->object, "libpool.so");
  EXPECT_EQ(f->symbol, "pool_alloc");
  EXPECT_EQ(f->shape.kind, uint32_t{AP_KIND_ALLOC});
  EXPECT_EQ(f->shape.size_arg, 2);
  EXPECT_EQ(f->shape.count_arg, 0);
  EXPECT_EQ(f->shape.out_arg, 0);
  EXPECT_EQ(f->spec, "libpool.so:pool_alloc:size=ARG2");
}

TEST(ParseAllocFn, CountOutAndRet) {
  auto f = ParseAllocFn("/opt/app/bin/server:arena_calloc:count=arg1:size=ARG2:ret");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->object, "/opt/app/bin/server");
  EXPECT_EQ(f->shape.count_arg, 1);
  EXPECT_EQ(f->shape.size_arg, 2);
  auto out = ParseAllocFn("server:get_buffer:out=ARG1:size=ARG3");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape.out_arg, 1);
  EXPECT_EQ(out->shape.size_arg, 3);
}

TEST(ParseAllocFn, RejectsBadSpecsWithTheReason) {
  for (const char* bad : {"pool_alloc", "lib.so:pool_alloc", "lib.so::size=ARG1",
                          ":f:size=ARG1", "lib.so:f:size=ARG0", "lib.so:f:size=ARG7",
                          "lib.so:f:size=2", "lib.so:f:count=ARG1", "lib.so:f:size=ARG1:bogus"}) {
    auto f = ParseAllocFn(bad);
    EXPECT_FALSE(f.ok()) << bad;
    EXPECT_NE(f.status().message().find("--alloc-fn"), std::string::npos)
        << f.status();
  }
}

// The pointer comes back one way: a spec that names two is a mistake, not
// a choice for the parser to make silently.
TEST(ParseAllocFn, RejectsRetWithOutAndRepeatedFields) {
  for (const char* bad : {"lib.so:f:size=ARG1:ret:out=ARG2", "lib.so:f:out=ARG2:size=ARG1:ret",
                          "lib.so:f:size=ARG1:ret:ret", "lib.so:f:size=ARG1:size=ARG2",
                          "lib.so:f:size=ARG1:out=ARG2:out=ARG3"}) {
    auto f = ParseAllocFn(bad);
    EXPECT_FALSE(f.ok()) << bad;
  }
  auto both = ParseAllocFn("lib.so:f:size=ARG1:ret:out=ARG2");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("either ret or out=ARGn"), std::string::npos)
      << both.status();
}

TEST(ParseFreeFn, PointerArgument) {
  auto f = ParseFreeFn("libpool.so:pool_free:ptr=ARG2");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->shape.kind, uint32_t{AP_KIND_FREE});
  EXPECT_EQ(f->shape.ptr_arg, 2);
  EXPECT_FALSE(ParseFreeFn("libpool.so:pool_free").ok());
  EXPECT_FALSE(ParseFreeFn("libpool.so:pool_free:size=ARG1").ok());
  EXPECT_FALSE(ParseFreeFn("libpool.so:pool_free:ptr=ARG9").ok());
}

TEST(CustomFunction, MatchesPathOrFileName) {
  auto f = ParseFreeFn("libpool.so:pool_free:ptr=ARG1");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->InObject("/usr/lib/libpool.so"));
  EXPECT_TRUE(f->InObject("libpool.so"));
  EXPECT_FALSE(f->InObject("/usr/lib/libpool.so.1"));
  auto full = ParseFreeFn("/usr/lib/libpool.so:pool_free:ptr=ARG1");
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->InObject("/usr/lib/libpool.so"));
  EXPECT_FALSE(full->InObject("/opt/libpool.so"));
}

}  // namespace
}  // namespace allocprof
