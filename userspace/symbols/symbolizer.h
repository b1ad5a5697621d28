// Turns user-space instruction addresses of one traced process into frames:
// function (demangled), module and offset, and where DWARF is available
// (in the object, or a debug file found by build ID or .gnu_debuglink) the
// source file and line and the functions inlined at the address.
//
// What is needed later is captured while the target is alive: the
// ModuleMap holds the target's root directory (and, where a path may stop
// leading to it, the mapped file itself), through which ELF files and the
// JIT's perf map are read lazily, on first use. So symbolizing works after
// the target has exited (a profiled command may finish before the final
// report is printed), and a target in a container gets its own files.
// Not thread-safe.
#ifndef ALLOCPROF_USERSPACE_SYMBOLS_SYMBOLIZER_H_
#define ALLOCPROF_USERSPACE_SYMBOLS_SYMBOLIZER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "userspace/symbols/debug_file.h"
#include "userspace/symbols/elf_symbols.h"
#include "userspace/symbols/frame.h"
#include "userspace/symbols/module_map.h"
#include "userspace/symbols/perf_map.h"
#include "userspace/symbols/source_lines.h"

namespace allocprof {

class Symbolizer {
 public:
  // Snapshots the executable mappings of the process `process` holds.
  // Fails when the process does not exist (any more) or may not be
  // inspected.
  static absl::StatusOr<std::unique_ptr<Symbolizer>> ForProcess(ProcessHandle process);
  // The same for process `pid`, looked up now.
  static absl::StatusOr<std::unique_ptr<Symbolizer>> ForProcess(int pid);

  // Never fails; unknown parts stay empty (see Frame). For a return
  // address, pass the address of the call (return address - 1), so that
  // its line and inlined functions are the call's. Frames of ELF code
  // are cached by address; frames of JIT code are not, because the JIT
  // reuses addresses for new code and appends its names as it goes.
  Frame Symbolize(uint64_t addr);

  // The target mapped new code (dlopen, JIT): re-read its mappings. Code
  // that was unmapped meanwhile still resolves unless new code took its
  // place. NotFound once the target has exited; the old snapshot stays.
  absl::Status RefreshModules();

  // True if addr lies in an executable mapping (used to validate recovered
  // return addresses).
  bool IsExecutable(uint64_t addr) const;

  // One line per object file whose symbols could not be read, saying which
  // and why; its frames show as "module+0xOFFSET"; and one per debug file
  // that was there but refused.
  const std::vector<std::string>& load_errors() const { return load_errors_; }
  // For the report's notes: load_errors(), and what the perf map's reader
  // has to say (PerfMapFile::Notes).
  std::vector<std::string> Notes() const;

  // Frames with this bit are not addresses but a Java method (HotSpot's
  // Method*) that an interpreted frame runs (bpf/events.h,
  // AP_FRAME_JAVA_METHOD).
  static constexpr uint64_t kJavaMethodFrame = uint64_t{1} << 63;
  // What a Java runtime in the target tells of its frames
  // (java/java_target.h): `interpreted` names a kJavaMethodFrame by the
  // rest of its bits (the Method* and where in it the frame was,
  // bpf/events.h) -- without it, or when it cannot, the frame reads
  // "Interpreter"; `compiled` may rename a frame the perf map named and
  // add the methods inlined at it, or name JIT code the perf map does not.
  struct JavaFrames {
    std::function<bool(uint64_t value, Frame* frame)> interpreted;
    std::function<bool(Frame* frame)> compiled;
  };
  void set_java_frames(JavaFrames java) { java_ = std::move(java); }
  // Frames with this bit (and not kJavaMethodFrame) are a Python function
  // (a code object) that CPython's eval loop runs (bpf/events.h,
  // AP_FRAME_PYTHON), named by the function set here (python/
  // python_target.h); without it, or when it cannot, "<unknown>".
  static constexpr uint64_t kPythonFrame = uint64_t{1} << 62;
  static bool IsPythonFrame(uint64_t value) {
    return (value & (kJavaMethodFrame | kPythonFrame)) == kPythonFrame;
  }
  void set_python_frames(std::function<bool(uint64_t value, Frame* frame)> python) {
    python_ = std::move(python);
  }
  // The module of Python frames.
  static constexpr char kPythonModule[] = "[python]";

  // The target's executable mappings, for other readers of its objects.
  const ModuleMap& modules() const { return modules_; }

 private:
  Symbolizer(ModuleMap modules, std::string perf_map_path, std::string perf_map_shown)
      : modules_(std::move(modules)),
        perf_map_(std::move(perf_map_path), std::move(perf_map_shown)) {}

  void SymbolizeInFile(const Module& module, Frame* frame);
  // Function names for code with no ELF file (or no mapping at all).
  void SymbolizeJit(const Module* module, Frame* frame);
  // The symbols of the file behind `module`, loaded on first use; null
  // when they cannot be read.
  const ElfSymbols* SymbolsFor(const Module& module);
  // The DWARF of the file behind `module`, loaded on first use; null when
  // it has none (looked for once per file).
  const SourceLines* SourceLinesFor(const Module& module);
  // `module`'s debug file, looked for in the target's file system; a
  // candidate refused on the way is added to load_errors_, once.
  absl::StatusOr<std::string> DebugFileFor(const Module& module);
  // Sets frame->source and frame->inlined for `vaddr`, and the function's
  // name when the symbol table had none.
  void AddSourceLines(const Module& module, uint64_t vaddr, Frame* frame);

  ModuleMap modules_;
  PerfMapFile perf_map_;
  // By file identity (device, inode, path): several mappings, and a file
  // mapped again after dlclose/dlopen, share one table. Null: unreadable.
  absl::flat_hash_map<std::string, std::unique_ptr<ElfSymbols>> elf_cache_;
  // Same keys; null: no DWARF.
  absl::flat_hash_map<std::string, std::unique_ptr<SourceLines>> dwarf_cache_;
  absl::flat_hash_map<uint64_t, Frame> frames_;
  std::vector<std::string> load_errors_;
  JavaFrames java_;
  std::function<bool(uint64_t value, Frame* frame)> python_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_SYMBOLS_SYMBOLIZER_H_
