#include "userspace/python/pymalloc_arenas.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "userspace/aggregate/usage.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;

constexpr char kPython[] = "/usr/bin/python3.11";
constexpr char kLibc[] = "/usr/lib/x86_64-linux-gnu/libc.so.6";

ProfileFrame Frame(const char* function, const char* module) {
  ProfileFrame f;
  f.function = function;
  f.module = module;
  return f;
}

// A stack of `objects` anonymous mappings of `size` bytes each, mapped by
// libc's mmap called from `caller`.
ProfileStack Mapped(int64_t objects, int64_t size, ProfileFrame caller) {
  ProfileStack s;
  s.frames = {Frame("mmap", kLibc), caller, Frame("PyTuple_New", kPython)};
  s.values.inuse_objects = objects;
  s.values.inuse_bytes = objects * size;
  s.inuse_bytes_by_kind[static_cast<int>(MemKind::kAnonMmap)] = objects * size;
  return s;
}

TEST(PymallocArenas, ArenaSizedMappingsOfTheInterpreter) {
  // A stripped interpreter: the static _PyObject_ArenaMmap has no name.
  EXPECT_TRUE(HoldsPymallocArenas(Mapped(3, 1 << 20, Frame("", kPython)), kPython));
  EXPECT_TRUE(HoldsPymallocArenas(Mapped(2, 256 << 10, Frame("", kPython)), kPython));
  // Named where debug symbols are, whatever the module.
  EXPECT_TRUE(HoldsPymallocArenas(
      Mapped(1, 1 << 20, Frame("_PyObject_ArenaMmap", "/usr/lib/libpython3.11.so.1.0")),
      kPython));
}

TEST(PymallocArenas, OtherMappingsAreNot) {
  // Another size, another caller, another interpreter, file-backed bytes.
  EXPECT_FALSE(HoldsPymallocArenas(Mapped(3, 4096, Frame("", kPython)), kPython));
  EXPECT_FALSE(HoldsPymallocArenas(
      Mapped(3, 1 << 20, Frame("new_buffer", "/usr/lib/python3/dist-packages/_ext.so")),
      kPython));
  EXPECT_FALSE(HoldsPymallocArenas(Mapped(3, 1 << 20, Frame("", kPython)), "/opt/python3.12"));
  ProfileStack file = Mapped(1, 1 << 20, Frame("", kPython));
  file.inuse_bytes_by_kind[static_cast<int>(MemKind::kAnonMmap)] = 0;
  file.inuse_bytes_by_kind[static_cast<int>(MemKind::kFileMmap)] = 1 << 20;
  EXPECT_FALSE(HoldsPymallocArenas(file, kPython));
  EXPECT_FALSE(HoldsPymallocArenas(Mapped(3, 1 << 20, Frame("", kPython)), ""));
}

TEST(PymallocArenas, NoteSaysHowMuchAndWhatItMeans) {
  Profile p;
  ProfileStack heap;
  heap.values.inuse_bytes = 1 << 20;
  heap.values.inuse_objects = 1;
  p.stacks = {Mapped(3, 1 << 20, Frame("", kPython)), heap};
  const std::string note = PymallocArenaNote(p, kPython);
  EXPECT_THAT(note, HasSubstr("75% of the outstanding bytes (3 arenas) are arenas of CPython's"));
  EXPECT_THAT(note, HasSubstr("not necessarily one whose objects fill it"));
  p.stacks.erase(p.stacks.begin());
  EXPECT_EQ(PymallocArenaNote(p, kPython), "");
  EXPECT_EQ(PymallocArenaNote(Profile(), kPython), "");
}

}  // namespace
}  // namespace allocprof
