#include "userspace/symbols/debug_file.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "userspace/common/target_file.h"
#include "userspace/common/unique_fd.h"

namespace allocprof {
namespace {

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};

// An ELF file open for reading, with its descriptor.
struct OpenElf {
  UniqueFd fd;
  std::unique_ptr<Elf, ElfCloser> elf;
};

// Objects and debug files alike come from the target's file system (a
// .gnu_debuglink name or a build ID is the target's to choose), so both are
// opened through OpenTargetFile; the larger cap serves both.
absl::StatusOr<OpenElf> OpenElfFile(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    return absl::InternalError("libelf is out of date");
  }
  OpenElf file;
  absl::StatusOr<UniqueFd> fd = OpenTargetFile(path, kMaxDebugFileBytes);
  if (!fd.ok()) return fd.status();
  file.fd = *std::move(fd);
  file.elf.reset(elf_begin(file.fd.get(), ELF_C_READ_MMAP, nullptr));
  if (file.elf == nullptr || elf_kind(file.elf.get()) != ELF_K_ELF) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not an ELF file"));
  }
  return file;
}

bool ElfHasDwarf(Elf* elf) {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr;
       scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    // A stripped object keeps no .debug_info; a file made with
    // --only-keep-debug keeps it and turns the code into NOBITS.
    if (shdr.sh_type == SHT_NOBITS || shdr.sh_size == 0) continue;
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (name != nullptr && (std::strcmp(name, ".debug_info") == 0 ||
                            std::strcmp(name, ".zdebug_info") == 0)) {
      return true;
    }
  }
  return false;
}

// The GNU build ID in lowercase hex; "" when there is none.
std::string BuildId(Elf* elf) {
  const void* bits = nullptr;
  ssize_t size = dwelf_elf_gnu_build_id(elf, &bits);
  if (size <= 0) return "";
  std::string hex;
  const auto* bytes = static_cast<const unsigned char*>(bits);
  for (ssize_t i = 0; i < size; ++i) {
    absl::StrAppend(&hex, absl::Hex(bytes[i], absl::kZeroPad2));
  }
  return hex;
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
absl::StatusOr<OpenElf> OpenCandidate(const DebugFileQuery& query, const std::string& path,
                                      const std::string& host_path) {
  absl::StatusOr<OpenElf> file = OpenElfFile(host_path);
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
  absl::StatusOr<OpenElf> file = OpenElfFile(path);
  return file.ok() && ElfHasDwarf(file->elf.get());
}

absl::StatusOr<std::string> FindDebugFile(const DebugFileQuery& query) {
  absl::StatusOr<OpenElf> object = OpenElfFile(query.object_path);
  if (!object.ok()) return object.status();
  Elf* elf = object->elf.get();
  if (ElfHasDwarf(elf)) return query.object_path;

  std::vector<std::string> tried;
  const std::string build_id = BuildId(elf);
  // By build ID first: the name says which build it is, so nothing needs
  // checking beyond the file having DWARF.
  if (build_id.size() > 2) {
    std::string path = absl::StrCat(query.debug_directory, "/.build-id/",
                                    build_id.substr(0, 2), "/",
                                    build_id.substr(2), ".debug");
    std::string host_path = query.root(path);
    absl::StatusOr<OpenElf> debug = OpenCandidate(query, path, host_path);
    if (debug.ok() && ElfHasDwarf(debug->elf.get())) return host_path;
    tried.push_back(path);
  }

  GElf_Word link_crc = 0;
  const char* link = dwelf_elf_gnu_debuglink(elf, &link_crc);
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
      absl::StatusOr<OpenElf> debug = OpenCandidate(query, path, host_path);
      if (!debug.ok() || !ElfHasDwarf(debug->elf.get())) continue;
      // The link names a file, not a build: an old debug file left beside a
      // rebuilt object would give wrong lines.
      std::string debug_id = BuildId(debug->elf.get());
      if (!build_id.empty() && !debug_id.empty()) {
        if (debug_id == build_id) return host_path;
        continue;
      }
      std::optional<uint32_t> crc = FileCrc(debug->fd.get());
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
