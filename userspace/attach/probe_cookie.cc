#include "userspace/attach/probe_cookie.h"

#include "bpf/events.h"

namespace allocprof {

uint64_t ProbeCookie(const ProbedFunction& f) {
  const CallShape& shape = f.shape;
  auto reg = [&f](uint8_t arg) -> uint64_t {
    return ArgumentRegister(f.site, arg) & 0xf;
  };
  return uint64_t{f.id & 0xffff} | uint64_t{f.family} << 16 |
         reg(shape.size_arg) << 32 | reg(shape.count_arg) << 36 |
         reg(shape.ptr_arg) << 40 | reg(shape.out_arg) << 44 |
         uint64_t{shape.kind & 0xf} << 48 | uint64_t{!f.site.emulated} << 56;
}

}  // namespace allocprof
