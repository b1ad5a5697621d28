#include "userspace/attach/probe_cookie.h"

#include <gtest/gtest.h>

#include "bpf/events.h"

namespace allocprof {
namespace {

ProbedFunction Function(CallShape shape) {
  ProbedFunction f;
  f.id = 0x1234;
  f.family = 0x56;
  f.shape = shape;
  return f;
}

TEST(ProbeCookie, AtTheEntryNamesTheArguments) {
  // calloc(count, size).
  ProbedFunction f = Function({.kind = AP_KIND_ALLOC, .size_arg = 2, .count_arg = 1});
  const uint64_t cookie = ProbeCookie(f);
  EXPECT_EQ(AP_COOKIE_PROBE(cookie), 0x1234u);
  EXPECT_EQ(AP_COOKIE_FAMILY(cookie), 0x56u);
  EXPECT_EQ(AP_COOKIE_SIZE_ARG(cookie), unsigned{AP_REG_RSI});
  EXPECT_EQ(AP_COOKIE_COUNT_ARG(cookie), unsigned{AP_REG_RDI});
  EXPECT_EQ(AP_COOKIE_PTR_ARG(cookie), 0u);
  EXPECT_EQ(AP_COOKIE_OUT_ARG(cookie), 0u);
  EXPECT_EQ(AP_COOKIE_KIND(cookie), unsigned{AP_KIND_ALLOC});
  // A default site is single-stepped: the overhead guard prices it so.
  EXPECT_EQ(AP_COOKIE_STEPPED(cookie), 1u);
}

TEST(ProbeCookie, SaysWhetherTheSiteIsSingleStepped) {
  ProbedFunction f = Function({.kind = AP_KIND_FREE, .ptr_arg = 1});
  f.site.emulated = true;
  EXPECT_EQ(AP_COOKIE_STEPPED(ProbeCookie(f)), 0u);
  f.site.emulated = false;
  EXPECT_EQ(AP_COOKIE_STEPPED(ProbeCookie(f)), 1u);
  EXPECT_EQ(AP_COOKIE_KIND(ProbeCookie(f)), unsigned{AP_KIND_FREE});
}

TEST(ProbeCookie, PastTheEntryNamesTheCopies) {
  // mi_heap_realloc(heap, p, size) probed where p is in rax and size in r15.
  ProbedFunction f = Function({.kind = AP_KIND_REALLOC, .size_arg = 3, .ptr_arg = 2});
  f.site.offset = 9;
  f.site.arg_reg[2] = AP_REG_RAX;
  f.site.arg_reg[3] = AP_REG_R15;
  const uint64_t cookie = ProbeCookie(f);
  EXPECT_EQ(AP_COOKIE_SIZE_ARG(cookie), unsigned{AP_REG_R15});
  EXPECT_EQ(AP_COOKIE_PTR_ARG(cookie), unsigned{AP_REG_RAX});
  EXPECT_EQ(AP_COOKIE_COUNT_ARG(cookie), 0u) << "no count stays none";
  EXPECT_EQ(AP_COOKIE_KIND(cookie), unsigned{AP_KIND_REALLOC});
  EXPECT_EQ(AP_COOKIE_FAMILY(cookie), 0x56u);
}

TEST(ProbeCookie, EveryRegisterFitsItsField) {
  for (uint8_t reg = AP_REG_RDI; reg <= AP_REG_R15; ++reg) {
    ProbedFunction f = Function({.kind = AP_KIND_FREE, .ptr_arg = 1});
    f.site.arg_reg[1] = reg;
    const uint64_t cookie = ProbeCookie(f);
    EXPECT_EQ(AP_COOKIE_PTR_ARG(cookie), reg);
    EXPECT_EQ(AP_COOKIE_KIND(cookie), unsigned{AP_KIND_FREE});
    EXPECT_EQ(AP_COOKIE_OUT_ARG(cookie), 0u);
  }
  static_assert(AP_REG_R15 < AP_REG_SLOTS && AP_REG_SLOTS == 16,
                "the cookie's fields are 4 bits wide");
}

}  // namespace
}  // namespace allocprof
