#include "userspace/python/python_target.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/common/dynamic_symbols.h"
#include "userspace/common/target_file.h"
#include "userspace/unwind/unwind_tables.h"

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

}  // namespace

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
  if (memory.Read<uint64_t>(*interp + layout.interp_runtime) != symbols.runtime) {
    return absl::FailedPreconditionError(
        "its main interpreter does not point back at _PyRuntime where 3.11's layout says");
  }
  const std::optional<uint64_t> tstate = memory.Read<uint64_t>(*interp + layout.interp_threads_head);
  if (!tstate || *tstate == 0) return absl::UnavailableError("the interpreter has no thread yet");
  if (memory.Read<uint64_t>(*tstate + layout.tstate_interp) != *interp) {
    return absl::FailedPreconditionError(
        "its first thread state does not point back at its interpreter where 3.11's layout says");
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
    if (symbols->version == 0) {
      target->status_ = absl::UnimplementedError(
          "it exports no Py_Version: a release before 3.11, whose layout is not known");
      return target;
    }
    const std::optional<uint64_t> hex = target->memory_.Read<uint64_t>(symbols->version);
    if (!hex) {
      target->status_ = absl::FailedPreconditionError("its Py_Version cannot be read");
      return target;
    }
    target->description_ = absl::StrCat("Python ", PythonVersionText(*hex), " (", m.path, ")");
    target->layout_ = PythonLayoutFor((*hex >> 24) & 0xff, (*hex >> 16) & 0xff);
    if (!target->layout_) {
      target->status_ = absl::UnimplementedError("allocprof knows the layout of 3.11 only");
      return target;
    }
    target->status_ = CheckPythonRuntimeSize(*symbols, *target->layout_);
    if (!target->status_.ok()) return target;
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
  r.runtime_tstate_current = l.runtime_tstate_current;
  r.runtime_interp_head = l.runtime_interp_head;
  r.interp_threads_head = l.interp_threads_head;
  r.tstate_next = l.tstate_next;
  r.tstate_native_thread_id = l.tstate_native_thread_id;
  r.tstate_cframe = l.tstate_cframe;
  r.cframe_current_frame = l.cframe_current_frame;
  r.frame_code = l.frame_code;
  r.frame_previous = l.frame_previous;
  r.frame_prev_instr = l.frame_prev_instr;
  r.frame_is_entry = l.frame_is_entry;
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
