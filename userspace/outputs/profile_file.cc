#include "userspace/outputs/profile_file.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/outputs/json/json_reader.h"
#include "userspace/outputs/pprof/pprof_reader.h"

namespace allocprof {
namespace {

bool ReadVarint(absl::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in->empty()) return false;
    uint8_t byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// The wire type of each field of pprof's Profile message (profile.proto),
// by field number: messages and strings are length-delimited (2), numbers
// are varints (0); comment (13) is a repeated number, packed or not.
bool PprofFieldAccepts(uint64_t field, uint64_t wire_type) {
  switch (field) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 11:
      return wire_type == 2;
    case 7: case 8: case 9: case 10: case 12: case 14: case 15:
      return wire_type == 0;
    case 13:
      return wire_type == 0 || wire_type == 2;
    default:
      return false;
  }
}

// Walks the top-level fields of a protobuf message. Text and other binary
// files fail within a few bytes: a field number pprof's Profile does not
// have, a wire type its field does not use, or a length past the end.
// Every pprof profile has a string table (field 6; its first entry is "").
bool LooksLikePprofProtobuf(absl::string_view in) {
  constexpr uint64_t kStringTableField = 6;
  bool string_table = false;
  while (!in.empty()) {
    uint64_t tag;
    if (!ReadVarint(&in, &tag)) return false;
    uint64_t field = tag >> 3;
    uint64_t wire_type = tag & 7;
    if (!PprofFieldAccepts(field, wire_type)) return false;
    uint64_t value;
    if (!ReadVarint(&in, &value)) return false;
    if (wire_type == 2) {
      if (value > in.size()) return false;
      in.remove_prefix(value);
      if (field == kStringTableField) string_table = true;
    }
  }
  return string_table;
}

absl::Status WithPath(const std::string& path, const absl::Status& status) {
  if (absl::StartsWith(status.message(), path)) return status;
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

}  // namespace

ProfileFormat DetectProfileFormat(absl::string_view contents) {
  if (absl::StartsWith(contents, "\x1f\x8b")) return ProfileFormat::kPprofGzip;
  absl::string_view text = contents;
  if (absl::StartsWith(text, "\xef\xbb\xbf")) text.remove_prefix(3);  // BOM
  // Unambiguous: as a protobuf tag '{' (0x7b) would be field 15 with wire
  // type 3, which pprof does not use.
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != absl::string_view::npos && text[first] == '{') {
    return ProfileFormat::kJson;
  }
  if (LooksLikePprofProtobuf(contents)) return ProfileFormat::kPprofProtobuf;
  return ProfileFormat::kUnknown;
}

absl::StatusOr<Profile> ReadProfileFile(const std::string& path) {
  // A directory opens for reading and then reads as empty.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is a directory, not a saved profile"));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::ErrnoToStatus(errno ? errno : EIO, absl::StrCat("cannot open ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::ErrnoToStatus(errno ? errno : EIO, absl::StrCat("cannot read ", path));
  }
  std::string contents = buffer.str();
  if (contents.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is empty, not a saved profile"));
  }

  absl::StatusOr<Profile> profile;
  switch (DetectProfileFormat(contents)) {
    case ProfileFormat::kJson:
      profile = ProfileFromJson(contents);
      break;
    case ProfileFormat::kPprofGzip:
    case ProfileFormat::kPprofProtobuf:
      profile = ParsePprof(contents);
      break;
    case ProfileFormat::kUnknown:
      return absl::InvalidArgumentError(absl::StrCat(
          path, " is not a saved profile: expected allocprof's JSON "
                "(a document starting with '{') or pprof (gzip-compressed "
                "or plain protobuf)"));
  }
  if (!profile.ok()) return WithPath(path, profile.status());
  return profile;
}

}  // namespace allocprof
