#include "userspace/python/debug_offsets.h"

#include <cstring>
#include <string>

#include "bpf/events.h"
#include "gtest/gtest.h"
#include "tests/unit/python/fake_interpreter.h"

namespace allocprof {
namespace {

constexpr uint64_t kRuntimeSize = 283376;

void Put(std::string* d, uint32_t at, uint64_t value) { std::memcpy(d->data() + at, &value, 8); }

TEST(PythonDebugOffsetsTest, Reads3Point13sLayout) {
  const absl::StatusOr<PythonLayout> l =
      PythonLayoutFromDebugOffsets(FakeDebugOffsets313(), kRuntimeSize);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->minor, 13);
  EXPECT_EQ(l->shape, AP_PY_CSTACK_SHIMS);
  EXPECT_EQ(l->runtime_size, kRuntimeSize);
  EXPECT_EQ(l->runtime_interp_head, 632u);
  EXPECT_EQ(l->runtime_tstate_current, 0u);
  EXPECT_EQ(l->interp_threads_head, 7344u);
  EXPECT_EQ(l->interp_runtime, 0u);
  EXPECT_EQ(l->tstate_next, 8u);
  EXPECT_EQ(l->tstate_interp, 16u);
  EXPECT_EQ(l->tstate_frame, 72u);
  EXPECT_EQ(l->tstate_thread_id, 160u);
  EXPECT_EQ(l->frame_code, 0u);
  EXPECT_EQ(l->frame_previous, 8u);
  EXPECT_EQ(l->frame_instr, 56u);
  EXPECT_EQ(l->frame_entry, 70u);
  EXPECT_EQ(l->code_filename, 112u);
  EXPECT_EQ(l->code_name, 120u);
  EXPECT_EQ(l->code_qualname, 128u);
  EXPECT_EQ(l->code_linetable, 136u);
  EXPECT_EQ(l->code_firstlineno, 68u);
  EXPECT_EQ(l->code_adaptive, 200u);
  EXPECT_EQ(l->line_table, PythonLineTableFormat::kLocationTable);
  EXPECT_EQ(l->object_type, 8u);
  EXPECT_EQ(l->var_object_size, 16u);
  EXPECT_EQ(l->bytes_data, 32u);
  EXPECT_EQ(l->unicode_state, 32u);
  EXPECT_EQ(l->unicode_length, 16u);
  EXPECT_EQ(l->unicode_ascii_data, 40u);
  EXPECT_EQ(l->unicode_compact_data, 56u);
}

// Each refusal says why, for the report's note.
void ExpectRefused(const std::string& debug, uint64_t runtime_size, const std::string& why) {
  const absl::StatusOr<PythonLayout> l = PythonLayoutFromDebugOffsets(debug, runtime_size);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(l.status())) << l.status();
  EXPECT_NE(l.status().message().find(why), absl::string_view::npos) << l.status();
}

TEST(PythonDebugOffsetsTest, AWrongCookieOrVersionIsRefused) {
  std::string d = FakeDebugOffsets313();
  d[0] = 'y';
  EXPECT_FALSE(HasPythonDebugOffsets(d));
  ExpectRefused(d, kRuntimeSize, "does not start with _Py_DebugOffsets");
  // 3.14's structure has fields 3.13's has not, in the middle.
  d = FakeDebugOffsets313();
  Put(&d, 8, 0x030e00f0);
  EXPECT_EQ(PythonDebugOffsetsVersion(d), 0x030e00f0u);
  ExpectRefused(d, kRuntimeSize, "those of 3.14.0, whose layout allocprof does not know");
  d = FakeDebugOffsets313();
  Put(&d, 16, 1);
  ExpectRefused(d, kRuntimeSize, "free-threaded");
  ExpectRefused(FakeDebugOffsets313().substr(0, 100), kRuntimeSize, "cannot be read whole");
}

TEST(PythonDebugOffsetsTest, OffsetsAndSizesOutOfBoundsAreRefused) {
  // An offset past its structure, one whose field would cross its end.
  std::string d = FakeDebugOffsets313();
  Put(&d, 72, 194976);
  ExpectRefused(d, kRuntimeSize, "interpreter_state.threads_head is at 194976");
  d = FakeDebugOffsets313();
  Put(&d, 184, 300);
  ExpectRefused(d, kRuntimeSize, "thread_state.current_frame");
  d = FakeDebugOffsets313();
  Put(&d, 264, ~uint64_t{0});
  ExpectRefused(d, kRuntimeSize, "interpreter_frame.owner");
  // Sizes of nothing, and larger than any structure.
  d = FakeDebugOffsets313();
  Put(&d, 152, 0);
  ExpectRefused(d, kRuntimeSize, "thread_state size is 0");
  d = FakeDebugOffsets313();
  Put(&d, 272, uint64_t{1} << 40);
  ExpectRefused(d, kRuntimeSize, "code_object size");
  // A str object no larger than an ASCII one.
  d = FakeDebugOffsets313();
  Put(&d, 536, 41);
  ExpectRefused(d, kRuntimeSize, "str object");
  // A runtime that is not the size of the symbol.
  ExpectRefused(FakeDebugOffsets313(), kRuntimeSize + 8, "size _PyRuntime at 283376");
}

}  // namespace
}  // namespace allocprof
