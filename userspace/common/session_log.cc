#include "userspace/common/session_log.h"

#include <algorithm>
#include <utility>

#include "userspace/common/printable.h"

namespace allocprof {

void SessionLog::Note(std::string line) {
  if (std::find(notes_.begin(), notes_.end(), line) != notes_.end()) return;
  if (say_notes_) Say(line);
  notes_.push_back(std::move(line));
}

void SessionLog::Say(absl::string_view line) {
  err_ << "allocprof: " << Printable(line) << "\n";
}

}  // namespace allocprof
