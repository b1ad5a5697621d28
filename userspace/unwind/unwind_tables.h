// The target's unwind tables in BPF: rows for every executable file mapping,
// built once per object (cached by build ID) and appended to the BPF row
// array; a table of mappings that the BPF walker searches per frame.
// Objects mapped later (dlopen) get their rows when Update sees them.
#ifndef ALLOCPROF_USERSPACE_UNWIND_UNWIND_TABLES_H_
#define ALLOCPROF_USERSPACE_UNWIND_UNWIND_TABLES_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "userspace/common/session_log.h"
#include "userspace/symbols/module_map.h"
#include "userspace/unwind/unwind_maps.h"

namespace allocprof {

// One object's rows in the BPF row array.
struct ObjectRows {
  std::string path;  // the first path it was loaded from
  uint32_t first_row = 0;
  uint32_t row_count = 0;
  bool loaded = false;  // false: no rows (no CFI, unreadable, no room)
};

class UnwindTables {
 public:
  // Maps the BPF arrays of `maps` into this process.
  static absl::StatusOr<std::unique_ptr<UnwindTables>> Create(const UnwindMaps& maps);
  ~UnwindTables();
  // It owns its mappings of the BPF arrays, which a copy would unmap twice.
  UnwindTables(const UnwindTables&) = delete;
  UnwindTables& operator=(const UnwindTables&) = delete;

  // Gives every file mapping of `modules` its object's rows (building them
  // the first time the object is seen) and publishes a new mapping table.
  // One -v line per new object goes to `log`; objects whose rows could not
  // be made are its notes (their frames fall back to frame pointers).
  void Update(const ModuleMap& modules, SessionLog& log);

  // Rows for code with no file behind it (a JIT's), relative to `start`,
  // sorted: they cover [start, end) from the next Update on, in place of
  // any given before. False when the row array has no room for them.
  //
  // A JIT compiles all the time, so its rows are set again and again: the
  // first set reserves two halves of room for them, used in turn. A half
  // is written over two sets after it was published, when no walk can
  // still read it: callers set rows at most every few milliseconds, and a
  // walk takes microseconds. A set larger than a half is appended, as
  // object rows are.
  bool SetJitCode(uint64_t start, uint64_t end, const std::vector<ap_unwind_row>& rows);

  uint32_t rows_used() const { return next_row_; }
  // Bytes of BPF memory the rows take.
  uint64_t bytes_used() const { return uint64_t{next_row_} * sizeof(ap_unwind_row); }
  size_t mapping_count() const { return mappings_published_; }

 private:
  UnwindTables() = default;
  // The rows of the object at `path`, loaded into BPF if new.
  // `verbose`: where its -v line goes, or null.
  const ObjectRows& RowsFor(const std::string& path, std::ostream* verbose, SessionLog& log);

  ap_unwind_row* rows_ = nullptr;
  size_t rows_bytes_ = 0;
  uint32_t row_capacity_ = 0;
  ap_unwind_mapping* mappings_ = nullptr;
  size_t mappings_bytes_ = 0;
  volatile uint64_t* index_ = nullptr;
  uint32_t next_row_ = 0;
  // Of the mapping table BPF reads; its parity is the half of the BPF array.
  uint32_t generation_ = 0;
  size_t mappings_published_ = 0;
  // Objects by build ID (else by path), and paths to those keys.
  absl::flat_hash_map<std::string, ObjectRows> objects_;
  absl::flat_hash_map<std::string, std::string> key_of_path_;
  struct Bias {
    bool ok = false;
    uint64_t bias = 0;
  };
  // Load bias per (path, file offset) of a mapping.
  absl::flat_hash_map<std::string, Bias> biases_;
  // The JIT's rows (SetJitCode), a mapping of their own; row_count 0: none.
  ap_unwind_mapping jit_ = {};
  // Its two halves of room (first rows; 0 rows each: not reserved yet),
  // and the half the next set goes to.
  uint32_t jit_half_rows_ = 0;
  uint32_t jit_halves_[2] = {0, 0};
  int jit_next_half_ = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_UNWIND_UNWIND_TABLES_H_
