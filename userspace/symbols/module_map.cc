#include "userspace/symbols/module_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

Module::Kind Classify(const MapsEntry& entry) {
  const std::string& path = entry.path;
  // A memfd shows as "/memfd:NAME (deleted)"; JITs that keep a writable and
  // an executable view of their code use one. There is no ELF to read.
  if (absl::StartsWith(path, "/memfd:")) return Module::Kind::kAnonymous;
  if (absl::StartsWith(path, "/")) return Module::Kind::kFile;
  // Named anonymous memory (prctl PR_SET_VMA_ANON_NAME) and executable heap
  // or stack are still code some program wrote at run time.
  if (absl::StartsWith(path, "[anon:") || path == "[heap]" ||
      absl::StartsWith(path, "[stack")) {
    return Module::Kind::kAnonymous;
  }
  if (absl::StartsWith(path, "[")) return Module::Kind::kSpecial;
  return Module::Kind::kAnonymous;
}

}  // namespace

absl::Status CheckSameFile(const std::string& path, const Module& module) {
  // Opened rather than stat()ed: the path is resolved inside the target's
  // root as every later open of it is, not through a symlink out of it.
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxElfBytes);
  struct stat st;
  if (!fd.ok() || ::fstat(fd->get(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat(module.path, " cannot be opened any more"));
  }
  bool same_device = major(st.st_dev) == module.dev_major &&
                     minor(st.st_dev) == module.dev_minor;
  if (same_device && st.st_ino != module.inode) {
    return absl::FailedPreconditionError(absl::StrCat(
        module.path, " was replaced after the target mapped it"));
  }
  return absl::OkStatus();
}

bool Module::SameMapping(const Module& other) const {
  return start == other.start && end == other.end &&
         file_offset == other.file_offset && path == other.path &&
         dev_major == other.dev_major && dev_minor == other.dev_minor &&
         inode == other.inode && deleted == other.deleted;
}

Module ModuleFromMapsEntry(const MapsEntry& entry) {
  Module m;
  m.start = entry.start;
  m.end = entry.end;
  m.file_offset = entry.offset;
  m.path = entry.path;
  m.dev_major = entry.dev_major;
  m.dev_minor = entry.dev_minor;
  m.inode = entry.inode;
  m.deleted = entry.deleted;
  m.kind = Classify(entry);
  return m;
}

bool IsGlibcLoaderPath(absl::string_view path) {
  absl::string_view name = path.substr(path.rfind('/') + 1);
  return absl::StartsWith(name, "ld-linux") || absl::StartsWith(name, "ld.so");
}

absl::StatusOr<std::vector<Module>> ExecutableModules(
    absl::string_view maps_text) {
  std::vector<Module> modules;
  for (absl::string_view line : absl::StrSplit(maps_text, '\n')) {
    if (line.empty()) continue;
    absl::StatusOr<MapsEntry> entry = ParseMapsLine(line);
    if (!entry.ok()) return entry.status();
    if (!entry->executable || entry->start == entry->end) continue;
    modules.push_back(ModuleFromMapsEntry(*entry));
  }
  // The kernel lists mappings by address already; sorting keeps Find()
  // correct for hand-written input too.
  std::sort(modules.begin(), modules.end(),
            [](const Module& a, const Module& b) { return a.start < b.start; });
  return modules;
}

std::vector<Module> MergeSnapshots(std::vector<Module> old,
                                   std::vector<Module> fresh) {
  std::sort(fresh.begin(), fresh.end(),
            [](const Module& a, const Module& b) { return a.start < b.start; });
  std::vector<Module> merged;
  merged.reserve(old.size() + fresh.size());
  for (Module& o : old) {
    // First fresh module ending after o starts: the only candidates that
    // can overlap o begin there.
    auto it = std::upper_bound(
        fresh.begin(), fresh.end(), o.start,
        [](uint64_t addr, const Module& f) { return addr < f.end; });
    bool overlapped = it != fresh.end() && it->start < o.end;
    if (!overlapped) {
      merged.push_back(std::move(o));
    } else if (it->SameMapping(o)) {
      *it = std::move(o);
    }
  }
  std::move(fresh.begin(), fresh.end(), std::back_inserter(merged));
  std::sort(merged.begin(), merged.end(),
            [](const Module& a, const Module& b) { return a.start < b.start; });
  return merged;
}

absl::StatusOr<ModuleMap> ModuleMap::ForProcess(int pid) {
  absl::StatusOr<ProcessHandle> process = ProcessHandle::Open(pid);
  if (!process.ok()) return process.status();
  return ForProcess(*std::move(process));
}

absl::StatusOr<ModuleMap> ModuleMap::ForProcess(ProcessHandle process) {
  // When the namespace cannot be compared, pinning costs an fd per file;
  // not pinning could cost every name.
  bool pin_all_files = !process.SharesOurMountNamespace().value_or(false);
  ModuleMap map(std::move(process), pin_all_files);
  absl::StatusOr<std::vector<Module>> modules = map.ReadModules();
  if (!modules.ok()) return modules.status();
  map.modules_ = *std::move(modules);
  map.PinFiles();
  return map;
}

absl::Status ModuleMap::Refresh() {
  absl::StatusOr<std::vector<Module>> fresh = ReadModules();
  if (!fresh.ok()) return fresh.status();
  modules_ = MergeSnapshots(std::move(modules_), *std::move(fresh));
  PinFiles();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Module>> ModuleMap::ReadModules() const {
  absl::StatusOr<std::string> maps = process_.ReadProcFile("maps");
  if (!maps.ok()) {
    if (absl::IsNotFound(maps.status())) {
      return absl::NotFoundError(absl::StrCat(
          "cannot read the mappings of PID ", process_.pid(),
          ": the process has exited"));
    }
    return maps.status();
  }
  // An exited process that has not been reaped yet (a zombie) still has
  // its /proc entry but no address space left to list.
  if (maps->empty()) {
    return absl::NotFoundError(absl::StrCat("cannot read the mappings of PID ",
                                            process_.pid(),
                                            ": the process has exited"));
  }
  return ExecutableModules(*maps);
}

void ModuleMap::PinFiles() {
  // One fd per file, however many mappings it has.
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>,
                      std::shared_ptr<const UniqueFd>>
      pins;
  auto identity = [](const Module& m) {
    return std::make_pair(uint64_t{makedev(m.dev_major, m.dev_minor)},
                          m.inode);
  };
  for (const Module& m : modules_) {
    if (m.pinned_file) pins.emplace(identity(m), m.pinned_file);
  }
  for (Module& m : modules_) {
    if (m.kind != Module::Kind::kFile || m.pinned_file) continue;
    if (!m.deleted && !pin_all_files_) continue;
    auto pinned = pins.find(identity(m));
    if (pinned != pins.end()) {
      m.pinned_file = pinned->second;
      continue;
    }
    // map_files leads to exactly the mapped file, deleted or not.
    absl::StatusOr<UniqueFd> fd = process_.OpenProcFile(
        absl::StrFormat("map_files/%x-%x", m.start, m.end), O_RDONLY);
    if (!fd.ok() && !m.deleted) {
      std::string path = process_.RootPath(m.path);
      if (CheckSameFile(path, m).ok()) {
        absl::StatusOr<UniqueFd> by_path = OpenTargetFile(path, kMaxElfBytes);
        if (by_path.ok()) fd = *std::move(by_path);
      }
    }
    // Unpinned, the module keeps its path and offsets; only its function
    // names may be lost.
    if (!fd.ok()) continue;
    m.pinned_file = std::make_shared<const UniqueFd>(*std::move(fd));
    pins.emplace(identity(m), m.pinned_file);
  }
}

const Module* ModuleMap::Find(uint64_t addr) const {
  auto it = std::upper_bound(
      modules_.begin(), modules_.end(), addr,
      [](uint64_t a, const Module& m) { return a < m.start; });
  if (it == modules_.begin()) return nullptr;
  --it;
  return it->Contains(addr) ? &*it : nullptr;
}

std::string ModuleMap::ElfPath(const Module& module) const {
  if (module.kind != Module::Kind::kFile) return "";
  if (module.pinned_file) {
    return absl::StrCat("/proc/self/fd/", module.pinned_file->get());
  }
  if (module.deleted) return "";
  return process_.RootPath(module.path);
}

}  // namespace allocprof
