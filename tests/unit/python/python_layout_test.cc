#include "userspace/python/python_layout.h"

#include "gtest/gtest.h"

#if ALLOCPROF_HAVE_PYTHON_HEADERS
#include "tests/unit/python/python_headers.h"
#endif

namespace allocprof {
namespace {

TEST(PythonLayoutTest, OnlyKnownVersionsHaveOne) {
  EXPECT_TRUE(PythonLayoutFor(3, 11).has_value());
  EXPECT_FALSE(PythonLayoutFor(3, 10).has_value());
  EXPECT_FALSE(PythonLayoutFor(3, 12).has_value());
  EXPECT_FALSE(PythonLayoutFor(2, 11).has_value());
}

TEST(PythonLayoutTest, VersionText) {
  EXPECT_EQ(PythonVersionText(0x030b02f0), "3.11.2");
  EXPECT_EQ(PythonVersionText(0x030c00a1), "3.12.0");
}

// The table against the compiler's offsetof() over this host's CPython
// headers (python3.11-dev), internal ones included.
TEST(PythonLayoutTest, MatchesTheInstalledHeaders) {
#if ALLOCPROF_HAVE_PYTHON_HEADERS
  python_header_offsets h = {};
  read_python_header_offsets(&h);
  const std::optional<PythonLayout> l = PythonLayoutFor(3, static_cast<int>(h.minor));
  ASSERT_TRUE(l.has_value()) << "headers of 3." << h.minor;
  EXPECT_EQ(l->runtime_size, h.runtime_size);
  EXPECT_EQ(l->runtime_interp_head, h.runtime_interp_head);
  EXPECT_EQ(l->runtime_tstate_current, h.runtime_tstate_current);
  EXPECT_EQ(l->interp_threads_head, h.interp_threads_head);
  EXPECT_EQ(l->interp_runtime, h.interp_runtime);
  EXPECT_EQ(l->tstate_next, h.tstate_next);
  EXPECT_EQ(l->tstate_interp, h.tstate_interp);
  EXPECT_EQ(l->tstate_cframe, h.tstate_cframe);
  EXPECT_EQ(l->tstate_native_thread_id, h.tstate_native_thread_id);
  EXPECT_EQ(l->cframe_current_frame, h.cframe_current_frame);
  EXPECT_EQ(l->frame_code, h.frame_code);
  EXPECT_EQ(l->frame_previous, h.frame_previous);
  EXPECT_EQ(l->frame_prev_instr, h.frame_prev_instr);
  EXPECT_EQ(l->frame_is_entry, h.frame_is_entry);
  EXPECT_EQ(l->code_firstlineno, h.code_firstlineno);
  EXPECT_EQ(l->code_filename, h.code_filename);
  EXPECT_EQ(l->code_name, h.code_name);
  EXPECT_EQ(l->code_qualname, h.code_qualname);
  EXPECT_EQ(l->code_linetable, h.code_linetable);
  EXPECT_EQ(l->code_adaptive, h.code_adaptive);
  EXPECT_EQ(l->object_type, h.object_type);
  EXPECT_EQ(l->var_object_size, h.var_object_size);
  EXPECT_EQ(l->bytes_data, h.bytes_data);
  EXPECT_EQ(l->unicode_length, h.unicode_length);
  EXPECT_EQ(l->unicode_state, h.unicode_state);
  EXPECT_EQ(l->unicode_ascii_data, h.unicode_ascii_data);
  EXPECT_EQ(l->unicode_compact_data, h.unicode_compact_data);
#else
  GTEST_SKIP() << "no CPython 3.11 headers with internal ones at build time (python3.11-dev)";
#endif
}

}  // namespace
}  // namespace allocprof
