#include "userspace/python/python_target.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/dynamic_symbols.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"
#include "userspace/python/debug_offsets.h"

namespace allocprof {
namespace {

// Objects that may hold an interpreter, by name: reading every library's
// symbols to find out would cost each dlopen.
bool MayBePython(const std::string& path) {
  const size_t slash = path.rfind('/');
  const absl::string_view base =
      absl::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  return absl::StartsWith(base, "libpython3") || absl::StartsWith(base, "python3");
}

// The layout of the interpreter whose minor version is `minor`: read from
// its _Py_DebugOffsets from 3.13, from the table before.
absl::StatusOr<PythonLayout> LayoutOf(const TargetMemory& memory, const PythonSymbols& symbols,
                                      int minor) {
  if (minor >= 13) {
    std::string runtime(kPythonDebugOffsetsSize, '\0');
    if (!memory.ReadAll(symbols.runtime, runtime.data(), runtime.size())) {
      return absl::FailedPreconditionError("its _PyRuntime cannot be read");
    }
    if (!HasPythonDebugOffsets(runtime)) {
      return absl::UnimplementedError(
          "its _PyRuntime has no _Py_DebugOffsets to take the layout from");
    }
    return PythonLayoutFromDebugOffsets(runtime, symbols.runtime_size);
  }
  std::optional<PythonLayout> layout = PythonLayoutFor(3, minor);
  if (!layout) {
    return absl::UnimplementedError(
        "allocprof knows the layouts of 3.8 to 3.12, and reads 3.13's from the interpreter");
  }
  absl::Status size = CheckPythonRuntimeSize(symbols, *layout);
  if (!size.ok()) return size;
  return *layout;
}

}  // namespace

std::optional<int> PythonMinorFromName(const std::string& path) {
  const size_t slash = path.rfind('/');
  absl::string_view base =
      absl::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  if (!absl::ConsumePrefix(&base, "libpython3.") && !absl::ConsumePrefix(&base, "python3.")) {
    return std::nullopt;
  }
  int minor = 0;
  size_t digits = 0;
  while (digits < base.size() && digits < 3 && absl::ascii_isdigit(base[digits])) {
    minor = minor * 10 + (base[digits] - '0');
    ++digits;
  }
  // "python3.9", "python3.9d", "libpython3.9.so.1.0"; not "python3.1000".
  if (digits == 0 || (digits < base.size() && absl::ascii_isdigit(base[digits]))) {
    return std::nullopt;
  }
  return minor;
}

absl::StatusOr<PythonSymbols> ReadPythonSymbols(const std::string& path, uint64_t bias) {
  auto symbols = ReadDynamicSymbols(path, {"_PyRuntime", "Py_Version", "_PyEval_EvalFrameDefault",
                                       "PyCode_Type", "PyUnicode_Type", "PyBytes_Type"});
  if (!symbols.ok()) return symbols.status();
  if (!symbols->contains("_PyRuntime")) {
    return absl::NotFoundError(absl::StrCat(path, " exports no _PyRuntime"));
  }
  for (const char* name :
       {"_PyEval_EvalFrameDefault", "PyCode_Type", "PyUnicode_Type", "PyBytes_Type"}) {
    if (!symbols->contains(name)) {
      return absl::FailedPreconditionError(absl::StrCat(path, " exports no ", name));
    }
  }
  auto at = [&](const char* name) {
    auto it = symbols->find(name);
    return it == symbols->end() ? 0 : it->second.value + bias;
  };
  PythonSymbols out;
  out.runtime = at("_PyRuntime");
  out.runtime_size = symbols->at("_PyRuntime").size;
  out.version = at("Py_Version");
  out.eval = at("_PyEval_EvalFrameDefault");
  out.eval_size = symbols->at("_PyEval_EvalFrameDefault").size;
  out.types.code = at("PyCode_Type");
  out.types.unicode = at("PyUnicode_Type");
  out.types.bytes = at("PyBytes_Type");
  return out;
}

absl::Status CheckPythonRuntimeSize(const PythonSymbols& symbols, const PythonLayout& layout) {
  if (symbols.runtime_size != layout.runtime_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its _PyRuntime is ", symbols.runtime_size, " bytes where 3.", layout.minor,
        "'s is ", layout.runtime_size, " (a build with another layout, such as a debug build)"));
  }
  return absl::OkStatus();
}

absl::Status CheckPythonLayout(const TargetMemory& memory, const PythonSymbols& symbols,
                               const PythonLayout& layout) {
  const std::optional<uint64_t> interp =
      memory.Read<uint64_t>(symbols.runtime + layout.runtime_interp_head);
  if (!interp) return absl::UnavailableError("its _PyRuntime cannot be read");
  if (*interp == 0) return absl::UnavailableError("the interpreter is not initialised yet");
  // 3.8 and 3.13 keep no pointer from the interpreter to the runtime: its
  // thread's pointer back to it is the check.
  if (layout.interp_runtime != 0 &&
      memory.Read<uint64_t>(*interp + layout.interp_runtime) != symbols.runtime) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its main interpreter does not point back at _PyRuntime where 3.", layout.minor,
        "'s layout says"));
  }
  const std::optional<uint64_t> tstate = memory.Read<uint64_t>(*interp + layout.interp_threads_head);
  if (!tstate || *tstate == 0) return absl::UnavailableError("the interpreter has no thread yet");
  if (memory.Read<uint64_t>(*tstate + layout.tstate_interp) != *interp) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its first thread state does not point back at its interpreter where 3.", layout.minor,
        "'s layout says"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PythonTarget>> PythonTarget::Find(const ModuleMap& modules,
                                                                 TargetMemory memory) {
  for (const Module& m : modules.modules()) {
    if (m.kind != Module::Kind::kFile || !MayBePython(m.path)) continue;
    const std::string path = modules.ElfPath(m);
    absl::StatusOr<uint64_t> bias = LoadBias(path, m.start, m.file_offset);
    if (!bias.ok()) continue;
    absl::StatusOr<PythonSymbols> symbols = ReadPythonSymbols(path, *bias);
    if (absl::IsNotFound(symbols.status())) continue;
    std::unique_ptr<PythonTarget> target(
        new PythonTarget(std::move(memory), m.path, symbols.ok() ? *symbols : PythonSymbols{}));
    target->description_ = absl::StrCat("Python (", m.path, ")");
    if (!symbols.ok()) {
      target->status_ = symbols.status();
      return target;
    }
    // Py_Version from 3.11; before, the name of the file says which
    // version it is (the layout's checks catch a file misnamed).
    int minor = 0;
    if (symbols->version != 0) {
      const std::optional<uint64_t> hex = target->memory_.Read<uint64_t>(symbols->version);
      if (!hex) {
        target->status_ = absl::FailedPreconditionError("its Py_Version cannot be read");
        return target;
      }
      target->description_ = absl::StrCat("Python ", PythonVersionText(*hex), " (", m.path, ")");
      if (((*hex >> 24) & 0xff) != 3) {
        target->status_ = absl::UnimplementedError("allocprof knows Python 3 only");
        return target;
      }
      minor = static_cast<int>((*hex >> 16) & 0xff);
    } else if (std::optional<int> named = PythonMinorFromName(m.path)) {
      minor = *named;
      target->description_ = absl::StrCat("Python 3.", minor, " (", m.path, ")");
    } else {
      target->status_ = absl::UnimplementedError(
          "it exports no Py_Version (3.11 on) and its file name does not say its version");
      return target;
    }
    absl::StatusOr<PythonLayout> layout = LayoutOf(target->memory_, *symbols, minor);
    if (!layout.ok()) {
      target->status_ = layout.status();
      return target;
    }
    target->layout_ = *std::move(layout);
    target->status_ = absl::UnavailableError("the interpreter is not initialised yet");
    target->names_ = std::make_unique<PythonCodeNames>(target->memory_, *target->layout_,
                                                       symbols->types);
    return target;
  }
  return absl::NotFoundError("no Python interpreter mapped");
}

absl::Status PythonTarget::Check() {
  if (!names_ || !pending()) return status_;
  status_ = CheckPythonLayout(memory_, symbols_, *layout_);
  return status_;
}

std::optional<ap_python_runtime> PythonTarget::Runtime() const {
  if (!names_) return std::nullopt;
  const PythonLayout& l = *layout_;
  ap_python_runtime r = {};
  r.eval_start = symbols_.eval;
  r.eval_end = symbols_.eval + symbols_.eval_size;
  r.runtime = symbols_.runtime;
  r.shape = l.shape;
  r.runtime_tstate_current = l.runtime_tstate_current;
  r.runtime_interp_head = l.runtime_interp_head;
  r.interp_threads_head = l.interp_threads_head;
  r.tstate_next = l.tstate_next;
  r.tstate_thread_id = l.tstate_thread_id;
  r.tstate_frame = l.tstate_frame;
  r.cframe_current_frame = l.cframe_current_frame;
  r.frame_code = l.frame_code;
  r.frame_previous = l.frame_previous;
  r.frame_instr = l.frame_instr;
  r.frame_entry = l.frame_entry;
  r.code_adaptive = l.code_adaptive;
  r.ready = 1;
  return r;
}

bool PythonTarget::Describe(uint64_t value, Frame* frame) {
  if (!names_) return false;
  const uint64_t code = value & AP_FRAME_PYTHON_CODE_MASK;
  const uint64_t instr = (value >> AP_FRAME_PYTHON_INSTR_SHIFT) & AP_FRAME_PYTHON_NO_INSTR;
  frame->addr = code;
  // Past what the record holds: the function's first line.
  return names_->Describe(code, instr == AP_FRAME_PYTHON_NO_INSTR ? -1 : static_cast<int>(instr) - 1,
                          frame);
}

std::vector<std::string> PythonTarget::Notes() const {
  if (status_.ok()) return {};
  return {absl::StrCat(description_, ": its Python functions show as the interpreter's native "
                                     "frames: ",
                       status_.message())};
}

}  // namespace allocprof
