#include "userspace/attach/c_library.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "userspace/symbols/maps_line.h"

namespace allocprof {

bool IsCLibraryPath(absl::string_view path) {
  absl::string_view name = path.substr(path.rfind('/') + 1);
  if (name == "libc.so.6" || name == "libc.so") return true;
  if (absl::StartsWith(name, "libc-") && absl::EndsWith(name, ".so")) return true;
  return absl::StartsWith(name, "ld-musl-") && absl::EndsWith(name, ".so.1");
}

std::optional<std::string> FindCLibrary(absl::string_view maps) {
  for (absl::string_view line : absl::StrSplit(maps, '\n', absl::SkipEmpty())) {
    auto entry = ParseMapsLine(line);
    if (entry.ok() && entry->executable && entry->inode != 0 &&
        IsCLibraryPath(entry->path)) {
      return entry->path;
    }
  }
  return std::nullopt;
}

}  // namespace allocprof
