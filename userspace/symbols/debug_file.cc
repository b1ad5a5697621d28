#include "userspace/symbols/debug_file.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"

namespace allocprof {
namespace {

// Objects and debug files alike come from the target's file system (a
// .gnu_debuglink name or a build ID is the target's to choose), so both are
// opened through OpenTargetFile; the larger cap serves both.
absl::StatusOr<ElfFile> OpenElfFile(const std::string& path) {
  return ElfFile::Open(path, kMaxDebugFileBytes);
}

bool HoldsDwarf(const ElfFile& file) {
  for (const ElfSection& section : file.Sections()) {
    // A stripped object keeps no .debug_info; a file made with
    // --only-keep-debug keeps it and turns the code into NOBITS.
    if (section.header.sh_type == SHT_NOBITS || section.header.sh_size == 0) continue;
    if (section.name == ".debug_info" || section.name == ".zdebug_info") return true;
  }
  return false;
}

// CRC-32 of a whole file, as .gnu_debuglink records it (zlib's CRC).
std::optional<uint32_t> FileCrc(int fd) {
  uLong crc = crc32(0, Z_NULL, 0);
  std::vector<unsigned char> buffer(1 << 16);
  for (off_t at = 0;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    crc = crc32(crc, buffer.data(), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<uint32_t>(crc);
}

// Opens the candidate `path` (as the target sees it; `host_path` is how we
// reach it) and records it in query.refused when it is there but refused.
absl::StatusOr<ElfFile> OpenCandidate(const DebugFileQuery& query, const std::string& path,
                                      const std::string& host_path) {
  absl::StatusOr<ElfFile> file = OpenElfFile(host_path);
  // FailedPrecondition is OpenTargetFile's refusal; a missing file is the
  // common case and a non-ELF one is merely no debug file.
  if (query.refused != nullptr && absl::IsFailedPrecondition(file.status())) {
    query.refused->push_back(
        absl::StrReplaceAll(file.status().message(), {{host_path, path}}));
  }
  return file;
}

std::string Dirname(absl::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  return std::string(path.substr(0, slash == 0 ? 1 : slash));
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (absl::EndsWith(dir, "/")) return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

}  // namespace

bool HasDwarf(const std::string& path) {
  absl::StatusOr<ElfFile> file = OpenElfFile(path);
  return file.ok() && HoldsDwarf(*file);
}

absl::StatusOr<std::string> FindDebugFile(const DebugFileQuery& query) {
  absl::StatusOr<ElfFile> object = OpenElfFile(query.object_path);
  if (!object.ok()) return object.status();
  if (HoldsDwarf(*object)) return query.object_path;

  std::vector<std::string> tried;
  const std::string build_id = object->BuildId();
  // By build ID first: the name says which build it is, so nothing needs
  // checking beyond the file having DWARF.
  if (build_id.size() > 2) {
    std::string path = absl::StrCat(query.debug_directory, "/.build-id/",
                                    build_id.substr(0, 2), "/",
                                    build_id.substr(2), ".debug");
    std::string host_path = query.root(path);
    absl::StatusOr<ElfFile> debug = OpenCandidate(query, path, host_path);
    if (debug.ok() && HoldsDwarf(*debug)) return host_path;
    tried.push_back(path);
  }

  GElf_Word link_crc = 0;
  const char* link = dwelf_elf_gnu_debuglink(object->elf(), &link_crc);
  if (link != nullptr && *link != '\0' && std::strchr(link, '/') == nullptr) {
    // GDB's order: beside the object, in .debug/ beside it, and under the
    // debug directory at the object's directory.
    const std::string dir = Dirname(query.target_path);
    const std::string candidates[] = {
        JoinPath(dir, link),
        JoinPath(JoinPath(dir, ".debug"), link),
        JoinPath(absl::StrCat(query.debug_directory, dir), link),
    };
    for (const std::string& path : candidates) {
      tried.push_back(path);
      if (path == query.target_path) continue;
      std::string host_path = query.root(path);
      absl::StatusOr<ElfFile> debug = OpenCandidate(query, path, host_path);
      if (!debug.ok() || !HoldsDwarf(*debug)) continue;
      // The link names a file, not a build: an old debug file left beside a
      // rebuilt object would give wrong lines.
      std::string debug_id = debug->BuildId();
      if (!build_id.empty() && !debug_id.empty()) {
        if (debug_id == build_id) return host_path;
        continue;
      }
      std::optional<uint32_t> crc = FileCrc(debug->fd().get());
      if (crc.has_value() && *crc == link_crc) return host_path;
    }
  }
  if (tried.empty()) {
    return absl::NotFoundError(absl::StrCat(
        query.target_path,
        " has no debug information, no build ID and no .gnu_debuglink"));
  }
  return absl::NotFoundError(absl::StrCat(query.target_path,
                                          " has no debug information; tried ",
                                          absl::StrJoin(tried, ", ")));
}

}  // namespace allocprof
