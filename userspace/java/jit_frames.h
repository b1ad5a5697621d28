// Unwind rows for HotSpot's compiled Java code, so that a stack walk with
// default flags (-XX:-PreserveFramePointer, rbp a general register in
// compiled code) goes on through compiled frames instead of ending there.
//
// Every compiled method (C1, C2, native wrappers) builds its frame in its
// verified entry the same way (MacroAssembler::verified_entry):
//   [stack bang]  push %rbp  [mov %rsp,%rbp]  sub $N,%rsp
// and keeps it fixed at every call it makes, so at a return address into it
// the caller's sp (the CFA) is sp + N + 16, the return address lies at
// CFA - 8 and the caller's rbp at CFA - 16: one row per method. The JVM
// records that size in the method's CodeBlob (_frame_size), which is used
// where the code cache can be read; else the prologue is decoded with
// capstone from the code in the target's memory, at the addresses the
// JVM's perf map names. Stubs with a frame of their own record its size
// too; the other stubs keep rbp as a frame pointer, and so does the
// interpreter, whose row also says where its frames keep their Method*
// and bytecode pointer.
#ifndef ALLOCPROF_USERSPACE_JAVA_JIT_FRAMES_H_
#define ALLOCPROF_USERSPACE_JAVA_JIT_FRAMES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bpf/events.h"
#include "userspace/common/target_memory.h"
#include "userspace/symbols/perf_map.h"

namespace allocprof {

// The frame size (N + 16: locals, saved rbp and return address) a compiled
// method's prologue in `code` builds; nullopt when `code` does not start
// with HotSpot's frame building.
std::optional<uint32_t> CompiledFrameSize(absl::Span<const uint8_t> code);

// Whether a perf map name is a compiled Java method's ("void
// java.nio.DirectByteBuffer.<init>(int)"), not a stub's ("StubRoutines (1)",
// "Interpreter"): stubs build frames of other shapes (the call stub pushes
// a call's arguments below its frame).
bool IsJavaMethodName(absl::string_view name);

// A piece of the JIT's code, and what kind of frames it builds.
struct JitCode {
  enum class Kind {
    kCompiledMethod,  // one fixed frame (see above)
    kInterpreter,     // the template interpreter: rbp is its frame pointer
    kStub,            // stubs and adapters: rbp kept, where they have a frame
  };
  uint64_t start = 0;
  uint64_t size = 0;
  Kind kind = Kind::kStub;
};
// The JIT's code as a perf map names it.
std::vector<JitCode> JitCodeOf(const std::vector<PerfMapEntry>& entries);

// The frame size the JVM recorded for the code that starts at `code.start`
// (code_cache.h): a compiled method's, or a stub's that builds a frame of
// fixed size (a runtime stub, the uncommon trap blob); nullopt where it
// records none.
using RecordedFrameSize = std::function<std::optional<uint32_t>(const JitCode& code)>;

// Rows for `code` relative to the lowest start (sorted, a row that ends
// the walk after each piece). A compiled method's: with the frame size
// `recorded` gives, else the one its prologue builds, read through
// `memory`; with neither, the walk ends there too. A stub's: with the frame
// size `recorded` gives, else rbp as its frame pointer. Of overlapping
// pieces the first by address is kept.
struct JitRows {
  uint64_t start = 0;  // the lowest method's address: the rows' base
  uint64_t end = 0;    // past the highest method
  std::vector<ap_unwind_row> rows;
  size_t methods = 0;   // compiled methods with a row
  size_t recorded = 0;  // of them, with the size the JVM recorded
  size_t stub_frames = 0;  // stubs with the size the JVM recorded
};
// The interpreter's frames as the walk reads them (jit_frames.cc), given
// the two offsets of that layout the JVM exports as constants
// (frame::interpreter_frame_sender_sp_offset and _last_sp_offset).
bool IsKnownInterpreterLayout(int32_t sender_sp_offset, int32_t last_sp_offset);

// `interpreter_known`: the interpreter's frames are laid out as the walk
// reads them; else its code gets a plain frame-pointer row.
JitRows BuildJitRows(const TargetMemory& memory, std::vector<JitCode> code,
                     const RecordedFrameSize& recorded = nullptr,
                     bool interpreter_known = true);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_JIT_FRAMES_H_
