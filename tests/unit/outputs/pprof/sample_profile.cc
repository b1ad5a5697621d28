#include "tests/unit/outputs/pprof/sample_profile.h"

#include "absl/strings/str_cat.h"
#include "tests/unit/profile/profile_test_util.h"

namespace allocprof {
namespace {

ProfileValues Values(int64_t inuse_bytes, int64_t inuse_objects,
                     int64_t alloc_bytes, int64_t alloc_objects) {
  ProfileValues values;
  values.inuse_bytes = inuse_bytes;
  values.inuse_objects = inuse_objects;
  values.alloc_bytes = alloc_bytes;
  values.alloc_objects = alloc_objects;
  return values;
}

ProfileMapping Mapping(uint64_t start, uint64_t limit, uint64_t file_offset,
                       std::string path, std::string build_id) {
  ProfileMapping mapping;
  mapping.start = start;
  mapping.limit = limit;
  mapping.file_offset = file_offset;
  mapping.path = std::move(path);
  mapping.build_id = std::move(build_id);
  return mapping;
}

}  // namespace

std::string LongTemplateName() {
  std::string type = "int";
  for (int i = 0; i < 12; ++i) {
    type = absl::StrCat("std::map<std::__cxx11::basic_string<char>, ", type,
                        ", std::less<void>>");
  }
  return absl::StrCat("void std::vector<", type, ">::_M_realloc_insert<", type,
                      " const&>(iterator, ", type, " const&)");
}

Profile SampleProfile() {
  Profile profile;
  profile.target = "PID 4242 (redis-server)";
  profile.command_line = {"redis-server", "--port", "6379", "it's a \"test\"", ""};
  profile.start_unix_ns = 1700000000123456789;
  profile.duration_ns = 5500000000;
  profile.losses = {{"events (ring buffer full)", 12},
                    {"stacks (stack map collision)", 3}};
  profile.notes = {"libfoo.so has no symbols"};
  profile.mappings = {
      Mapping(0x555555554000, 0x555555556000, 0, kProgramPath, kProgramBuildId),
      Mapping(0x555555556000, 0x555555600000, 0x2000, kProgramPath, kProgramBuildId),
      Mapping(0x7ffff7c00000, 0x7ffff7e00000, 0x28000, kLibcPath, kLibcBuildId),
      Mapping(0x7ffff7a00000, 0x7ffff7b00000, 0x9d000, kLibstdcxxPath, ""),
  };
  const ProfileFrame malloc_frame =
      MakeFrame("malloc", kLibcPath, 0x7ffff7c9a0f0, 0, FrameKind::kAllocator);
  const ProfileFrame main_frame =
      MakeFrame("main", kProgramPath, 0x555555556a10, 0x40, FrameKind::kProgram);

  ProfileStack big;
  big.frames = {malloc_frame,
                MakeFrame(LongTemplateName(), kLibstdcxxPath, 0x7ffff7a41234, 0x94,
                          FrameKind::kLibrary),
                // Two functions inlined at one address, innermost first,
                // into kSemicolonName; lines from DWARF.
                WithLine(MakeFrame("read_value", kProgramPath, 0x555555557100, 0x1c,
                                   FrameKind::kProgram),
                         "/src/redis/config.h", 40, /*inlined=*/true),
                WithLine(MakeFrame("next_token", kProgramPath, 0x555555557100, 0x1c,
                                   FrameKind::kProgram),
                         "/src/redis/lexer.h", 7, /*inlined=*/true),
                WithLine(MakeFrame(kSemicolonName, kProgramPath, 0x555555557100, 0x1c,
                                   FrameKind::kProgram),
                         "/src/redis/config.c", 1200),
                WithLine(MakeFrame(kUnicodeName, kProgramPath, 0x555555557800, 0x8,
                                   FrameKind::kProgram),
                         "/src/redis/größe.c", 3),
                main_frame};
  big.values = Values(4096, 2, 8192, 4);

  ProfileStack unnamed;
  unnamed.frames = {
      MakeFrame("calloc", kLibcPath, 0x7ffff7c9b000, 0, FrameKind::kAllocator),
      MakeFrame("", kLibcPath, 0x7ffff7c31234, 0x59234, FrameKind::kUnknown),
      MakeFrame("", "", 0xdeadbeef, 0, FrameKind::kUnknown)};
  unnamed.values = Values(1000, 10, 3000, 30);

  ProfileStack lost;
  lost.frames = {MakeFrame("worker_loop", kProgramPath, 0x555555558000, 0x12,
                           FrameKind::kProgram)};
  lost.values = Values(512, 1, 512, 1);
  lost.lost = true;

  ProfileStack jit;
  jit.frames = {malloc_frame,
                MakeFrame("lua:handler", "[jit]", 0x7fffe0001000, 0x20, FrameKind::kJit),
                main_frame};
  jit.values = Values(0, 0, 640, 5);

  profile.stacks = {big, unnamed, lost, jit};
  return profile;
}

}  // namespace allocprof
