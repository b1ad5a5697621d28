// A CPython interpreter's structures built in this process's memory with
// a version's layout, which the code under test reads back through
// SelfMemory() as it reads a target's: str, bytes and code objects, and a
// _PyRuntime whose main interpreter has a thread, each pointing back where
// the layout says. And 3.13's _Py_DebugOffsets as that release fills it.
#ifndef ALLOCPROF_TESTS_UNIT_PYTHON_FAKE_INTERPRETER_H_
#define ALLOCPROF_TESTS_UNIT_PYTHON_FAKE_INTERPRETER_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "tests/unit/java/fake_jvm_memory.h"
#include "userspace/python/code_names.h"
#include "userspace/python/debug_offsets.h"
#include "userspace/python/python_layout.h"
#include "userspace/python/python_target.h"

namespace allocprof {

class FakeInterpreter {
 public:
  explicit FakeInterpreter(const PythonLayout& layout) : layout_(layout) {
    symbols_.types.code = memory_.Alloc(64);
    symbols_.types.unicode = memory_.Alloc(64);
    symbols_.types.bytes = memory_.Alloc(64);
  }

  // A compact str: ASCII (kind 1, ascii), or UCS-2 (kind 2).
  uint64_t Str(const std::string& ascii) {
    const uint64_t s = memory_.Alloc(layout_.unicode_ascii_data + ascii.size() + 1);
    FakeMemory::Put<uint64_t>(s + layout_.object_type, symbols_.types.unicode);
    FakeMemory::Put<int64_t>(s + layout_.unicode_length, static_cast<int64_t>(ascii.size()));
    FakeMemory::Put<uint32_t>(s + layout_.unicode_state, (1u << 2) | (1u << 5) | (1u << 6));
    std::memcpy(reinterpret_cast<void*>(s + layout_.unicode_ascii_data), ascii.data(),
                ascii.size());
    return s;
  }
  uint64_t Ucs2(const std::u16string& text) {
    const uint64_t s = memory_.Alloc(layout_.unicode_compact_data + 2 * text.size() + 2);
    FakeMemory::Put<uint64_t>(s + layout_.object_type, symbols_.types.unicode);
    FakeMemory::Put<int64_t>(s + layout_.unicode_length, static_cast<int64_t>(text.size()));
    FakeMemory::Put<uint32_t>(s + layout_.unicode_state, (2u << 2) | (1u << 5));
    std::memcpy(reinterpret_cast<void*>(s + layout_.unicode_compact_data), text.data(),
                2 * text.size());
    return s;
  }
  uint64_t Bytes(const std::string& data) {
    const uint64_t b = memory_.Alloc(layout_.bytes_data + data.size() + 1);
    FakeMemory::Put<uint64_t>(b + layout_.object_type, symbols_.types.bytes);
    FakeMemory::Put<int64_t>(b + layout_.var_object_size, static_cast<int64_t>(data.size()));
    std::memcpy(reinterpret_cast<void*>(b + layout_.bytes_data), data.data(), data.size());
    return b;
  }
  // A code object; before 3.11, which has no co_qualname, `qualname` is
  // its co_name.
  uint64_t Code(uint64_t qualname, uint64_t filename, int first_line, uint64_t table) {
    const uint64_t c = memory_.Alloc(PythonCodeHeaderSize(layout_) + 64);
    FakeMemory::Put<uint64_t>(c + layout_.object_type, symbols_.types.code);
    if (layout_.code_qualname) {
      FakeMemory::Put<uint64_t>(c + layout_.code_qualname, qualname);
      FakeMemory::Put<uint64_t>(c + layout_.code_name, Str("short"));
    } else {
      FakeMemory::Put<uint64_t>(c + layout_.code_name, qualname);
    }
    FakeMemory::Put<uint64_t>(c + layout_.code_filename, filename);
    FakeMemory::Put<int32_t>(c + layout_.code_firstlineno, first_line);
    FakeMemory::Put<uint64_t>(c + layout_.code_linetable, table);
    return c;
  }

  // _PyRuntime, its main interpreter and that one's thread, `debug` at
  // _PyRuntime's start (3.13's _Py_DebugOffsets) if not empty.
  void Start(const std::string& debug = "") {
    symbols_.runtime = memory_.Alloc(layout_.runtime_size);
    symbols_.runtime_size = layout_.runtime_size;
    std::memcpy(reinterpret_cast<void*>(symbols_.runtime), debug.data(), debug.size());
    interp_ = memory_.Alloc(8192);
    tstate_ = memory_.Alloc(512);
    FakeMemory::Put<uint64_t>(symbols_.runtime + layout_.runtime_interp_head, interp_);
    if (layout_.interp_runtime) {
      FakeMemory::Put<uint64_t>(interp_ + layout_.interp_runtime, symbols_.runtime);
    }
    FakeMemory::Put<uint64_t>(interp_ + layout_.interp_threads_head, tstate_);
    FakeMemory::Put<uint64_t>(tstate_ + layout_.tstate_interp, interp_);
  }

  PythonCodeNames Names() { return PythonCodeNames(SelfMemory(), layout_, symbols_.types); }
  const PythonLayout& layout() const { return layout_; }
  const PythonSymbols& symbols() const { return symbols_; }
  uint64_t interp() const { return interp_; }
  uint64_t tstate() const { return tstate_; }

 private:
  FakeMemory memory_{1 << 20};
  PythonLayout layout_;
  PythonSymbols symbols_;
  uint64_t interp_ = 0;
  uint64_t tstate_ = 0;
};

// 3.13's _Py_DebugOffsets as Debian's CPython 3.13.5 (libpython3.13)
// fills them at the start of its _PyRuntime; `at` the offsets of the
// fields in the structure (debug_offsets.cc).
inline std::string FakeDebugOffsets313() {
  std::string d(kPythonDebugOffsetsSize, '\0');
  std::memcpy(d.data(), "xdebugpy", 8);
  auto put = [&d](uint32_t at, uint64_t value) { std::memcpy(d.data() + at, &value, 8); };
  put(8, 0x030d05f0);  // 3.13.5 final
  put(24, 283376);     // runtime_state: size, interpreters_head
  put(40, 632);
  put(48, 194976);     // interpreter_state: size, threads_head
  put(72, 7344);
  put(152, 304);       // thread_state: size, next, interp, current_frame, native_thread_id
  put(168, 8);
  put(176, 16);
  put(184, 72);
  put(200, 160);
  put(224, 80);        // interpreter_frame: size, previous, executable, instr_ptr, owner
  put(232, 8);
  put(240, 0);
  put(248, 56);
  put(264, 70);
  put(272, 208);       // code_object: size, filename, name, qualname, linetable,
  put(280, 112);       // firstlineno, co_code_adaptive
  put(288, 120);
  put(296, 128);
  put(304, 136);
  put(312, 68);
  put(344, 200);
  put(352, 16);        // pyobject: size, ob_type
  put(360, 8);
  put(512, 40);        // bytes_object: size, ob_size, ob_sval
  put(520, 16);
  put(528, 32);
  put(536, 64);        // unicode_object: size, state, length, asciiobject_size
  put(544, 32);
  put(552, 16);
  put(560, 40);
  return d;
}

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_PYTHON_FAKE_INTERPRETER_H_
