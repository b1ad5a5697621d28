#include "userspace/python/python_layout.h"

#include "bpf/events.h"
#include "gtest/gtest.h"

#if ALLOCPROF_HAVE_PYTHON_HEADERS
#include "tests/unit/python/python_headers.h"
#endif

namespace allocprof {
namespace {

TEST(PythonLayoutTest, TheTableHas3Point8To3Point12) {
  for (int minor = 8; minor <= 12; ++minor) {
    const std::optional<PythonLayout> l = PythonLayoutFor(3, minor);
    ASSERT_TRUE(l.has_value()) << minor;
    EXPECT_EQ(l->minor, minor);
    EXPECT_GT(l->runtime_size, 0u);
  }
  // 3.7 is too old, 3.13 on read from the interpreter itself.
  EXPECT_FALSE(PythonLayoutFor(3, 7).has_value());
  EXPECT_FALSE(PythonLayoutFor(3, 13).has_value());
  EXPECT_FALSE(PythonLayoutFor(2, 11).has_value());
}

TEST(PythonLayoutTest, EachVersionKeepsItsFramesItsOwnWay) {
  EXPECT_EQ(PythonLayoutFor(3, 8)->shape,
            AP_PY_FRAME_OBJECTS | AP_PY_PTHREAD_IDS | AP_PY_LASTI_BYTES);
  EXPECT_EQ(PythonLayoutFor(3, 9)->shape,
            AP_PY_FRAME_OBJECTS | AP_PY_PTHREAD_IDS | AP_PY_LASTI_BYTES);
  EXPECT_EQ(PythonLayoutFor(3, 10)->shape, AP_PY_FRAME_OBJECTS | AP_PY_PTHREAD_IDS);
  EXPECT_EQ(PythonLayoutFor(3, 11)->shape, AP_PY_VIA_CFRAME | AP_PY_ENTRY_FLAG);
  EXPECT_EQ(PythonLayoutFor(3, 12)->shape, AP_PY_VIA_CFRAME | AP_PY_CSTACK_SHIMS);
  EXPECT_EQ(PythonLayoutFor(3, 9)->line_table, PythonLineTableFormat::kLnotab);
  EXPECT_EQ(PythonLayoutFor(3, 10)->line_table, PythonLineTableFormat::kLineTable310);
  EXPECT_EQ(PythonLayoutFor(3, 12)->line_table, PythonLineTableFormat::kLocationTable);
  // 3.12 keeps the thread that holds the GIL in a thread-local only.
  EXPECT_EQ(PythonLayoutFor(3, 12)->runtime_tstate_current, 0u);
}

TEST(PythonLayoutTest, ACodeObjectIsReadUpToItsLastNamedField) {
  EXPECT_EQ(PythonCodeHeaderSize(*PythonLayoutFor(3, 9)), 128u);   // co_lnotab
  EXPECT_EQ(PythonCodeHeaderSize(*PythonLayoutFor(3, 11)), 144u);  // co_linetable
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
  EXPECT_EQ(l->tstate_frame, h.tstate_frame);
  EXPECT_EQ(l->tstate_thread_id, h.tstate_thread_id);
  EXPECT_EQ(l->cframe_current_frame, h.cframe_current_frame);
  EXPECT_EQ(l->frame_code, h.frame_code);
  EXPECT_EQ(l->frame_previous, h.frame_previous);
  EXPECT_EQ(l->frame_instr, h.frame_instr);
  EXPECT_EQ(l->frame_entry, h.frame_entry);
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
