#include "userspace/symbols/symbolizer.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bpf/events.h"
#include "userspace/symbols/c_runtime.h"
#include "userspace/symbols/debug_file.h"
#include "userspace/symbols/demangle.h"

namespace allocprof {
namespace {

// The module of a JIT frame: perf maps do not say which mapping holds it.
constexpr char kJitModule[] = "[jit]";

// One file, however many mappings of it there are.
std::string FileKey(const Module& module) {
  return absl::StrCat(module.dev_major, ":", module.dev_minor, ":",
                      module.inode, ":", module.path);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Symbolizer>> Symbolizer::ForProcess(int pid) {
  absl::StatusOr<ProcessHandle> process = ProcessHandle::Open(pid);
  if (!process.ok()) return process.status();
  return ForProcess(*std::move(process));
}

absl::StatusOr<std::unique_ptr<Symbolizer>> Symbolizer::ForProcess(ProcessHandle process) {
  const int pid = process.pid();
  absl::StatusOr<ModuleMap> modules = ModuleMap::ForProcess(std::move(process));
  if (!modules.ok()) return modules.status();
  // A JIT in a container names its perf map by the PID it sees.
  absl::StatusOr<int> ns_pid = modules->process().NamespacePid();
  std::string shown = absl::StrCat("/tmp/perf-", ns_pid.ok() ? *ns_pid : pid, ".map");
  std::string perf_map = modules->process().RootPath(shown);
  std::unique_ptr<Symbolizer> symbolizer(
      new Symbolizer(*std::move(modules), std::move(perf_map), std::move(shown)));
  symbolizer->perf_map_.Hold();
  return symbolizer;
}

Frame Symbolizer::Symbolize(uint64_t addr) {
  auto cached = frames_.find(addr);
  if (cached != frames_.end()) return cached->second;

  Frame frame;
  frame.addr = addr;
  if (addr & kJavaMethodFrame) {
    // An interpreted Java frame, by the Method* it runs.
    frame.module = kJitModule;
    if (!java_.interpreted || !java_.interpreted(addr & ~kJavaMethodFrame, &frame)) {
      frame.function = "Interpreter";
    }
    return frame;
  }
  if (IsPythonFrame(addr)) {
    frame.module = kPythonModule;
    if (!python_ || !python_(addr, &frame)) {
      frame.addr = addr & AP_FRAME_PYTHON_CODE_MASK;
      frame.function = "<unknown>";
    }
    return frame;
  }
  const Module* module = modules_.Find(addr);
  if (module == nullptr || module->kind == Module::Kind::kAnonymous) {
    SymbolizeJit(module, &frame);
    return frame;
  }
  if (module->kind == Module::Kind::kFile) {
    SymbolizeInFile(*module, &frame);
  } else {
    // [vdso] and the like: no file to read; the offset in the image is
    // still useful, and stable for one kernel.
    frame.module = module->path;
    frame.offset = addr - module->start;
  }
  frames_.emplace(addr, frame);
  return frame;
}

void Symbolizer::SymbolizeInFile(const Module& module, Frame* frame) {
  frame->module = module.path;
  uint64_t file_offset = frame->addr - module.start + module.file_offset;
  frame->offset = file_offset;
  const ElfSymbols* elf = SymbolsFor(module);
  if (elf == nullptr) return;
  std::optional<uint64_t> vaddr = elf->FileOffsetToVaddr(file_offset);
  if (!vaddr.has_value()) return;
  frame->offset = *vaddr;
  if (const ElfSymbols::Symbol* symbol = elf->FindFunction(*vaddr)) {
    frame->function = Demangle(symbol->name);
    frame->offset = *vaddr - symbol->vaddr;
  }
  AddSourceLines(module, *vaddr, frame);
}

void Symbolizer::AddSourceLines(const Module& module, uint64_t vaddr,
                                Frame* frame) {
  // The C runtime's frames (malloc, __libc_start_call_main) are the same
  // in every program, and their lines say nothing about it; their debug
  // information (libc6-dbg) inflates to 10 MiB, more memory than the rest
  // of a session takes. Their symbols name them.
  if (IsCRuntimeObject(module.path)) return;
  const SourceLines* lines = SourceLinesFor(module);
  if (lines == nullptr) return;
  std::vector<SourceLines::Function> functions = lines->Lookup(vaddr);
  if (functions.empty()) return;
  // The outermost is the function whose code this is; the symbol table
  // names it as the rest of the tool does (malloc, not __libc_malloc,
  // where both name one address), so DWARF names it only when the symbol
  // table cannot.
  SourceLines::Function& outer = functions.back();
  if (frame->function.empty()) frame->function = outer.name;
  frame->source = std::move(outer.source);
  functions.pop_back();
  for (SourceLines::Function& f : functions) {
    frame->inlined.push_back({std::move(f.name), std::move(f.source)});
  }
}

void Symbolizer::SymbolizeJit(const Module* module, Frame* frame) {
  if (const PerfMapEntry* entry = perf_map_.Find(frame->addr)) {
    frame->function = entry->name;
    frame->module = kJitModule;
    frame->offset = frame->addr - entry->start;
    if (java_.compiled) java_.compiled(frame);
    return;
  }
  // Code compiled since the perf map was written.
  if (java_.compiled && java_.compiled(frame)) {
    frame->module = kJitModule;
    return;
  }
  if (module != nullptr && !module->path.empty()) {
    frame->module = module->path;
    frame->offset = frame->addr - module->start;
  }
}

absl::StatusOr<std::string> Symbolizer::DebugFileFor(const Module& module) {
  DebugFileQuery query;
  query.object_path = modules_.ElfPath(module);
  query.target_path = module.path;
  const ProcessHandle& process = modules_.process();
  query.root = [&process](absl::string_view path) {
    return process.RootPath(path);
  };
  std::vector<std::string> refused;
  query.refused = &refused;
  absl::StatusOr<std::string> found = FindDebugFile(query);
  // Symbols and source lines both look, for the same object.
  for (std::string& why : refused) {
    std::string line = absl::StrCat("no debug file for ", module.path, ": ", why);
    if (std::find(load_errors_.begin(), load_errors_.end(), line) == load_errors_.end()) {
      load_errors_.push_back(std::move(line));
    }
  }
  return found;
}

std::vector<std::string> Symbolizer::Notes() const {
  std::vector<std::string> notes = load_errors_;
  for (std::string& line : perf_map_.Notes()) notes.push_back(std::move(line));
  return notes;
}

const SourceLines* Symbolizer::SourceLinesFor(const Module& module) {
  std::string key = FileKey(module);
  auto it = dwarf_cache_.find(key);
  if (it != dwarf_cache_.end()) return it->second.get();

  std::unique_ptr<SourceLines>& slot = dwarf_cache_[key];
  // SymbolsFor() already checked that the path leads to the mapped file
  // (and said so when it does not).
  if (modules_.ElfPath(module).empty()) return nullptr;
  // No DWARF is the common case (distributions strip their binaries), not
  // something to report.
  absl::StatusOr<std::string> debug_file = DebugFileFor(module);
  if (!debug_file.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<SourceLines>> loaded =
      SourceLines::Load(*debug_file);
  if (!loaded.ok()) {
    // A refusal (too large to decompress) is news; no DWARF is not.
    if (absl::IsResourceExhausted(loaded.status())) {
      load_errors_.push_back(std::string(loaded.status().message()));
    }
    return nullptr;
  }
  slot = *std::move(loaded);
  return slot.get();
}

const ElfSymbols* Symbolizer::SymbolsFor(const Module& module) {
  std::string key = FileKey(module);
  auto it = elf_cache_.find(key);
  if (it != elf_cache_.end()) return it->second.get();

  std::unique_ptr<ElfSymbols>& slot = elf_cache_[key];
  std::string path = modules_.ElfPath(module);
  if (path.empty()) {
    load_errors_.push_back(absl::StrCat(
        "no symbols for ", module.path,
        ": it was deleted after the target mapped it (reading the mapped "
        "copy needs CAP_SYS_ADMIN)"));
    return nullptr;
  }
  if (!module.pinned_file) {
    absl::Status same = CheckSameFile(path, module);
    if (!same.ok()) {
      load_errors_.push_back(
          absl::StrCat("no symbols for ", module.path, ": ", same.message()));
      return nullptr;
    }
  }
  // Symbols of a stripped object are in its debug file, looked up in the
  // target's file system as its source lines are; none is the common case.
  absl::StatusOr<std::string> debug_file = DebugFileFor(module);
  absl::StatusOr<std::unique_ptr<ElfSymbols>> loaded =
      ElfSymbols::Load(path, debug_file.ok() ? *debug_file : "");
  if (!loaded.ok()) {
    load_errors_.push_back(absl::StrCat("no symbols for ", module.path, ": ",
                                        loaded.status().message()));
    return nullptr;
  }
  slot = *std::move(loaded);
  return slot.get();
}

absl::Status Symbolizer::RefreshModules() {
  std::vector<Module> before = modules_.modules();
  absl::Status status = modules_.Refresh();
  if (!status.ok()) return status;
  // New code may be a JIT's, whose perf map may have just appeared.
  perf_map_.Hold();
  // A cached frame is stale only where different code now sits at its
  // address (dlclose then dlopen reusing the range).
  absl::erase_if(frames_, [&](const auto& cached) {
    uint64_t addr = cached.first;
    const Module* now = modules_.Find(addr);
    auto was = std::upper_bound(
        before.begin(), before.end(), addr,
        [](uint64_t a, const Module& m) { return a < m.start; });
    const Module* old = nullptr;
    if (was != before.begin() && std::prev(was)->Contains(addr)) {
      old = &*std::prev(was);
    }
    if (now == nullptr || old == nullptr) return now != old;
    return !now->SameMapping(*old);
  });
  return absl::OkStatus();
}

bool Symbolizer::IsExecutable(uint64_t addr) const {
  return modules_.Find(addr) != nullptr;
}

}  // namespace allocprof
