#include "userspace/unwind/unwind_tables.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "userspace/common/elf_file.h"
#include "userspace/unwind/cfi_rows.h"

namespace allocprof {
namespace {

// The least room a half of the JIT's rows gets: two rows a method, for
// 8192 methods (128 KiB).
constexpr uint32_t kMinJitHalfRows = 16384;

size_t PageRounded(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

absl::StatusOr<void*> MapArray(int fd, size_t bytes, const char* what) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot map the BPF ", what));
  }
  return p;
}

}  // namespace

absl::StatusOr<std::unique_ptr<UnwindTables>> UnwindTables::Create(const UnwindMaps& maps) {
  std::unique_ptr<UnwindTables> t(new UnwindTables());
  t->row_capacity_ = maps.row_capacity;
  t->rows_bytes_ = PageRounded(size_t{maps.row_capacity} * sizeof(ap_unwind_row));
  auto rows = MapArray(maps.rows_fd, t->rows_bytes_, "unwind rows");
  if (!rows.ok()) return rows.status();
  t->rows_ = static_cast<ap_unwind_row*>(*rows);
  t->mappings_bytes_ = PageRounded(2 * AP_UNWIND_MAX_MAPPINGS * sizeof(ap_unwind_mapping));
  auto mappings = MapArray(maps.mappings_fd, t->mappings_bytes_, "unwind mappings");
  if (!mappings.ok()) return mappings.status();
  t->mappings_ = static_cast<ap_unwind_mapping*>(*mappings);
  t->index_ = maps.index;
  return t;
}

UnwindTables::~UnwindTables() {
  if (rows_) munmap(rows_, rows_bytes_);
  if (mappings_) munmap(mappings_, mappings_bytes_);
}

const ObjectRows& UnwindTables::RowsFor(const std::string& path, std::ostream* verbose,
                                        SessionLog& log) {
  // `verbose` is the caller's buffer: lines are printed once the table is
  // live.
  if (auto known = key_of_path_.find(path); known != key_of_path_.end()) {
    return objects_[known->second];
  }
  std::string id = ReadBuildId(path);
  std::string key = id.empty() ? absl::StrCat("path:", path) : id;
  key_of_path_[path] = key;
  auto [it, inserted] = objects_.try_emplace(key);
  ObjectRows& object = it->second;
  if (!inserted) return object;  // the same object by another path
  object.path = path;
  auto built = BuildCfiRows(path);
  if (!built.ok()) {
    log.Note(absl::StrCat("no unwind table for ", path, ": ",
                                     built.status().message()));
    return object;
  }
  if (!built->skipped.empty()) {
    log.Note(absl::StrCat("part of ", path, " left to frame pointers: ",
                                     built->skipped));
  }
  if (built->rows.empty()) {
    if (verbose) *verbose << "allocprof: no CFI in " << path << ": frame pointers there\n";
    return object;
  }
  if (built->rows.size() > row_capacity_ - next_row_) {
    log.Note(absl::StrCat("no room for the unwind table of ", path, " (",
                                     built->rows.size(), " rows; ",
                                     row_capacity_ - next_row_, " left)"));
    return object;
  }
  memcpy(rows_ + next_row_, built->rows.data(), built->rows.size() * sizeof(ap_unwind_row));
  object.first_row = next_row_;
  object.row_count = static_cast<uint32_t>(built->rows.size());
  object.loaded = true;
  next_row_ += object.row_count;
  if (verbose) {
    *verbose << "allocprof: unwind table for " << path << ": " << object.row_count
             << " rows (" << (uint64_t{object.row_count} * sizeof(ap_unwind_row) + 1023) / 1024
             << " KiB)";
    if (built->unsupported) *verbose << ", " << built->unsupported << " left to frame pointers";
    if (built->had_debug_frame) *verbose << ", with .debug_frame";
    *verbose << "\n";
  }
  return object;
}

bool UnwindTables::SetJitCode(uint64_t start, uint64_t end,
                              const std::vector<ap_unwind_row>& rows) {
  if (jit_half_rows_ == 0) {
    // Room for the JIT to grow to several times its first set of methods.
    const uint32_t left = row_capacity_ - next_row_;
    jit_half_rows_ = std::min<uint32_t>(
        std::max<uint64_t>(kMinJitHalfRows, uint64_t{4} * rows.size()), left / 2);
    jit_halves_[0] = next_row_;
    jit_halves_[1] = next_row_ + jit_half_rows_;
    next_row_ += 2 * jit_half_rows_;
  }
  uint32_t first;
  if (rows.size() <= jit_half_rows_) {
    first = jit_halves_[jit_next_half_];
    jit_next_half_ ^= 1;
  } else {
    // Appended, never written over.
    if (rows.size() > row_capacity_ - next_row_) return false;
    first = next_row_;
    next_row_ += static_cast<uint32_t>(rows.size());
  }
  memcpy(rows_ + first, rows.data(), rows.size() * sizeof(ap_unwind_row));
  jit_ = {start, end, start, first, static_cast<uint32_t>(rows.size())};
  return true;
}

void UnwindTables::Update(const ModuleMap& modules, SessionLog& log) {
  // What is logged is true once published: someone may act on the line
  // (start the code it names) right away.
  std::ostringstream pending;
  std::ostream* buffer = log.verbose() ? &pending : nullptr;
  std::vector<ap_unwind_mapping> table;
  for (const Module& module : modules.modules()) {
    if (module.kind != Module::Kind::kFile) continue;
    const std::string path = modules.ElfPath(module);
    if (path.empty()) continue;
    const ObjectRows& object = RowsFor(path, buffer, log);
    if (!object.loaded) continue;
    const std::string bias_key = absl::StrCat(path, "@", module.start, "+", module.file_offset);
    auto [b, inserted] = biases_.try_emplace(bias_key);
    if (inserted) {
      auto bias = LoadBias(path, module.start, module.file_offset);
      b->second.ok = bias.ok();
      b->second.bias = bias.ok() ? *bias : 0;
      if (!bias.ok()) log.Note(std::string(bias.status().message()));
    }
    if (!b->second.ok) continue;
    table.push_back({module.start, module.end, b->second.bias, object.first_row,
                     object.row_count});
  }
  if (jit_.row_count != 0) table.push_back(jit_);
  std::sort(table.begin(), table.end(),
            [](const ap_unwind_mapping& a, const ap_unwind_mapping& b) {
              return a.start < b.start;
            });
  if (table.size() > AP_UNWIND_MAX_MAPPINGS) {
    log.Note(absl::StrCat("unwind tables for ", AP_UNWIND_MAX_MAPPINGS, " of ",
                                     table.size(), " code mappings only"));
    table.resize(AP_UNWIND_MAX_MAPPINGS);
  }
  // Written to the half BPF does not read, then published with one store.
  // The generation's parity is the half; a new generation also voids the
  // rows BPF cached from the old table.
  const uint32_t next = ++generation_;
  memcpy(mappings_ + (next & 1) * AP_UNWIND_MAX_MAPPINGS, table.data(),
         table.size() * sizeof(ap_unwind_mapping));
  __atomic_store_n(index_, (uint64_t{next} << 32) | table.size(), __ATOMIC_RELEASE);
  mappings_published_ = table.size();
  if (log.verbose()) *log.verbose() << pending.str();
}

}  // namespace allocprof
