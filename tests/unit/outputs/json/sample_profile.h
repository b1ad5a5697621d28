// A made-up profile with every field set, and names that break careless
// writers: ';' (the folded separator), spaces, quotes and backslashes,
// non-ASCII text, a C++ template name of some kilobytes, addresses and
// counts above 2^53 (where doubles lose digits).
#ifndef ALLOCPROF_TESTS_UNIT_OUTPUTS_JSON_SAMPLE_PROFILE_H_
#define ALLOCPROF_TESTS_UNIT_OUTPUTS_JSON_SAMPLE_PROFILE_H_

#include <string>

#include "tests/unit/profile/profile_test_util.h"
#include "userspace/profile/profile.h"

namespace allocprof {

// std::map<int, std::map<int, ... std::string ...>>::operator[], nested
// `depth` times: the shape of the names that real C++ programs have.
inline std::string LongTemplateName(int depth) {
  std::string type = "std::__cxx11::basic_string<char, std::char_traits<char>, "
                     "std::allocator<char> >";
  for (int i = 0; i < depth; ++i) {
    type = "std::map<int, " + type + ", std::less<int>, std::allocator<std::pair<"
           "int const, " + type.substr(0, 40) + "> > >";
  }
  return type + "::operator[](int const&)";
}

inline Profile SampleProfile() {
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  const std::string app = "/opt/my app/bin/server";  // a space in the path
  Profile p;
  p.target = "PID 4242 (redis-server)";
  p.command_line = {"/opt/my app/bin/server", "--name=\"größe\"", "a;b",
                    "back\\slash"};
  p.start_unix_ns = 1714564800123456789;
  p.duration_ns = 12500000000;
  p.events = (uint64_t{1} << 60) + 1;
  p.totals.alloc_bytes = 10485760;
  p.totals.alloc_objects = 2000;
  p.totals.freed_bytes = 4194304;
  p.totals.freed_objects = 1500;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kHeap)] = 6000000;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kAnonMmap)] = 262144;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kFileMmap)] = 8192;
  p.totals.outstanding.bytes[static_cast<int>(MemKind::kBrk)] = 135168;
  p.totals.outstanding.objects[static_cast<int>(MemKind::kHeap)] = 490;
  p.totals.outstanding.objects[static_cast<int>(MemKind::kAnonMmap)] = 3;
  p.totals.outstanding.objects[static_cast<int>(MemKind::kFileMmap)] = 2;
  p.totals.outstanding.objects[static_cast<int>(MemKind::kBrk)] = 1;
  p.totals.outstanding.reserved_bytes = 1073741824;
  p.totals.outstanding.backing_bytes = 8388608;
  p.totals.failed_calls = 4;
  p.totals.unknown_frees = 17;
  p.totals.unknown_unmapped_bytes = 65536;
  p.loader_mappings = 9;
  p.totals.mismatched_frees = 2;
  p.totals.mismatched_free_bytes = 256;
  p.mismatch_example =
      "allocated by malloc/free in libc.so.6, released by operator "
      "new/delete in libstdc++.so.6";
  p.sample_bytes = 524288;
  p.losses = {{"events (ring buffer full)", 12}, {"stacks (stack map full)", 3}};
  p.notes = {"/opt/my app/lib/libplugin.so: no symbols (stripped)",
             "ünïcödé note with \"quotes\""};
  p.mappings = {{0x400000, 0x452000, 0, app, "4fa1c2d3e4f5061728394a5b6c7d8e9f00112233"},
                {0x7f3a12000000, 0x7f3a121c5000, 0x28000, libc, ""}};

  ProfileStack hostile;
  hostile.frames = {
      MakeFrame("malloc", libc, 0x7f3a120a50f0, 0x0, FrameKind::kAllocator),
      MakeFrame(LongTemplateName(20), app, 0x401a2b, 0x3b, FrameKind::kProgram),
      MakeFrame("operator()(int; char)", app, 0x401c00, 0x10, FrameKind::kProgram),
      MakeFrame("größe_berechnen λ 😀", app, 0x401d00, 0x4, FrameKind::kProgram),
      MakeFrame("say \"hi\" \\ back", app, 0x401e00, 0x8, FrameKind::kProgram),
      // Source lines from DWARF, and a function inlined into main.
      WithLine(MakeFrame("parse_options", app, 0x401f00, 0x2a, FrameKind::kProgram),
               "/src/my app/options.h", 77, /*inlined=*/true),
      WithLine(MakeFrame("main", app, 0x401f00, 0x2a, FrameKind::kProgram),
               "/src/my app/main.cc", 12)};
  hostile.values = {6000000, 490, 9000000, 1900};
  hostile.inuse_bytes_by_kind[static_cast<int>(MemKind::kHeap)] = 6000000;
  // Evidence: a steady leak of 48-byte nodes plus a few 16 KiB buffers, with
  // a peek that read and one that could not.
  hostile.evidence.oldest_age_ns = 2400000000;
  hostile.evidence.newest_age_ns = 100000000;
  hostile.evidence.age_objects[0] = 90;
  hostile.evidence.age_objects[1] = 400;
  hostile.evidence.size_objects[5] = 480;
  hostile.evidence.size_objects[14] = 10;
  hostile.evidence.common_size = 48;
  hostile.evidence.common_size_objects = 480;
  hostile.evidence.growth = {1000, 3000000, 6000000};
  PeekedBlock read;
  read.address = 0x5555556a0010;
  read.size = 48;
  read.age_ns = 2400000000;
  read.bytes = std::string("req-42\0\xff", 8);
  PeekedBlock unreadable;
  unreadable.address = 0x5555556a0050;
  unreadable.size = 48;
  unreadable.error = "the target exited";
  hostile.evidence.peeks = {read, unreadable};

  ProfileStack mapped;
  mapped.frames = {
      MakeFrame("mmap", libc, 0x7f3a12101a30, 0x10, FrameKind::kAllocator),
      MakeFrame("", "[jit]", 0x7f3a0c001234, 0x1234, FrameKind::kJit),
      MakeFrame("", "/opt/my app/lib/libplugin.so", 0x7f3a11f00400, 0x400,
                  FrameKind::kLibrary)};
  mapped.values = {270336, 5, 270336, 5};
  mapped.inuse_bytes_by_kind[static_cast<int>(MemKind::kAnonMmap)] = 262144;
  mapped.inuse_bytes_by_kind[static_cast<int>(MemKind::kFileMmap)] = 8192;
  mapped.evidence.resident_bytes = 65536;
  mapped.evidence.growth = {270336, 270336, 270336};

  ProfileStack lost;  // only the recovered caller; a vsyscall-page address
  lost.frames = {MakeFrame("", "", 0xffffffffff600000, 0, FrameKind::kUnknown)};
  lost.values = {135168, 1, 135168, 1};
  lost.inuse_bytes_by_kind[static_cast<int>(MemKind::kBrk)] = 135168;
  lost.lost = true;

  p.stacks = {hostile, mapped, lost};
  p.intervals = {{0.1, 1000, 10, 2000, 1000}, {2.5, 6405504, 496, 10485760, 4194304}};
  p.growth_seconds = {0.1, 1.25, 2.5};
  p.min_age_ns = 500000000;
  p.overhead.budget = 0.05;
  p.overhead.probe_seconds = 0.25;
  p.overhead.target_cpu_seconds = 4.0;
  p.overhead.changes = {{2.0, 0, 4096, 0.125}};
  p.overhead.windows = {{1.0, 0.03125, 0}, {2.0, 0.125, 0}, {3.0, 0.03125, 4096}};
  p.memory.start = {8388608, 2097152};
  p.memory.end = {16777216, 10485760};
  return p;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_OUTPUTS_JSON_SAMPLE_PROFILE_H_
