#include "userspace/outputs/pprof/pprof_reader.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "userspace/outputs/pprof/allocator_names.h"
#include "userspace/outputs/pprof/gzip.h"
#include "userspace/outputs/pprof/pprof_comments.h"
#include "userspace/outputs/pprof/pprof_convention.h"
#include "userspace/outputs/pprof/profile.pb.h"
#include "userspace/outputs/pprof/utf8_strings.h"

namespace allocprof {
namespace {

namespace pb = perftools::profiles;

// Where each of ProfileValues' fields is in a sample's values; -1: absent.
struct ValueColumns {
  int index[kPprofValues] = {-1, -1, -1, -1};

  int64_t Get(const pb::Sample& sample, int which) const {
    return index[which] < 0 ? 0 : sample.value(index[which]);
  }
};

struct FunctionInfo {
  std::string name;
  std::string system_name;
  std::string filename;
  int64_t start_line = 0;
};

struct LineInfo {
  const FunctionInfo* function = nullptr;
  int64_t line = 0;  // 0: unknown
};

struct LocationInfo {
  uint64_t address = 0;
  const ProfileMapping* mapping = nullptr;  // null: unmapped
  // Innermost (inlined) first; the last is the function whose code it is.
  std::vector<LineInfo> lines;
};

// Turns one decoded pprof message into a Profile, checking every index and
// id on the way: a file from anywhere must not crash the reader.
class PprofDecoder {
 public:
  explicit PprofDecoder(const pb::Profile& in) : in_(in) {}

  absl::StatusOr<Profile> Decode() {
    if (in_.string_table_size() == 0 || !in_.string_table(0).empty()) {
      return absl::InvalidArgumentError(
          "its string table does not start with \"\" as pprof requires");
    }
    ValueColumns columns;
    if (absl::Status s = FindColumns(&columns); !s.ok()) return s;

    std::vector<std::string> comments;
    for (int64_t index : in_.comment()) comments.push_back(Str(index, "comment"));
    ours_ = ReadSessionComments(comments, &out_);
    out_.start_unix_ns = in_.time_nanos();
    out_.duration_ns = in_.duration_nanos();

    if (absl::Status s = DecodeMappings(); !s.ok()) return s;
    if (absl::Status s = DecodeFunctions(); !s.ok()) return s;
    if (absl::Status s = DecodeLocations(); !s.ok()) return s;
    if (absl::Status s = DecodeSamples(columns); !s.ok()) return s;
    if (!error_.ok()) return error_;

    std::stable_sort(out_.stacks.begin(), out_.stacks.end(),
                     [](const ProfileStack& a, const ProfileStack& b) {
                       if (a.values.inuse_bytes != b.values.inuse_bytes) {
                         return a.values.inuse_bytes > b.values.inuse_bytes;
                       }
                       return a.values.alloc_bytes > b.values.alloc_bytes;
                     });
    return std::move(out_);
  }

 private:
  // string_table[index]; a bad index is remembered as the error and reads
  // as "" so decoding can go on to the check at the end.
  const std::string& Str(int64_t index, const char* what) {
    static const std::string* const kEmpty = new std::string();
    if (index >= 0 && index < in_.string_table_size()) {
      return in_.string_table(static_cast<int>(index));
    }
    if (error_.ok()) {
      error_ = absl::InvalidArgumentError(absl::StrCat(
          "a ", what, " refers to string ", index, " of a table of ",
          in_.string_table_size()));
    }
    return *kEmpty;
  }

  absl::Status FindColumns(ValueColumns* columns) {
    std::vector<std::string> found;
    for (int i = 0; i < in_.sample_type_size(); ++i) {
      const std::string& type = Str(in_.sample_type(i).type(), "sample type");
      found.push_back(absl::StrCat(type, "/", Str(in_.sample_type(i).unit(), "sample unit")));
      for (int v = 0; v < kPprofValues; ++v) {
        if (type == kPprofSampleType[v] && columns->index[v] < 0) {
          columns->index[v] = i;
        }
      }
    }
    for (int index : columns->index) {
      if (index >= 0) return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "it is not a heap profile: it has none of the sample types ",
        absl::StrJoin(kPprofSampleType, ", "), " (it has ",
        found.empty() ? "none" : absl::StrJoin(found, ", "), ")"));
  }

  absl::Status DecodeMappings() {
    // The target's mappings go to the profile; a frame kind's pseudo
    // mapping ("[python]", pprof_convention.h) only names its frames' module.
    std::vector<bool> pseudo;
    for (const pb::Mapping& m : in_.mapping()) {
      ProfileMapping mapping;
      mapping.start = m.memory_start();
      mapping.limit = m.memory_limit();
      mapping.file_offset = m.file_offset();
      mapping.path = Str(m.filename(), "mapping");
      mapping.build_id = Str(m.build_id(), "mapping");
      pseudo.push_back(IsPprofPseudoModule(mapping.path, mapping.start, mapping.limit));
      (pseudo.back() ? pseudo_mappings_ : out_.mappings).push_back(std::move(mapping));
    }
    size_t next_real = 0, next_pseudo = 0;
    for (int i = 0; i < in_.mapping_size(); ++i) {
      uint64_t id = in_.mapping(i).id();
      const ProfileMapping* mapping =
          pseudo[i] ? &pseudo_mappings_[next_pseudo++] : &out_.mappings[next_real++];
      if (id == 0 || !mappings_.try_emplace(id, mapping).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("mapping ", i, " has id ", id, ", zero or repeated"));
      }
    }
    if (!out_.mappings.empty()) program_path_ = out_.mappings[0].path;
    return absl::OkStatus();
  }

  absl::Status DecodeFunctions() {
    functions_.reserve(in_.function_size());
    for (const pb::Function& f : in_.function()) {
      FunctionInfo info{Str(f.name(), "function"), Str(f.system_name(), "function"),
                        Str(f.filename(), "function"), f.start_line()};
      if (f.id() == 0 || !functions_.try_emplace(f.id(), std::move(info)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("a function has id ", f.id(), ", zero or repeated"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status DecodeLocations() {
    for (const pb::Location& l : in_.location()) {
      LocationInfo info;
      info.address = l.address();
      if (l.mapping_id() != 0) {
        auto it = mappings_.find(l.mapping_id());
        if (it == mappings_.end()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "location ", l.id(), " refers to mapping ", l.mapping_id(),
              ", which the profile does not define"));
        }
        info.mapping = it->second;
      }
      for (const pb::Line& line : l.line()) {
        auto it = functions_.find(line.function_id());
        if (it == functions_.end()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "location ", l.id(), " refers to function ", line.function_id(),
              ", which the profile does not define"));
        }
        info.lines.push_back({&it->second, line.line()});
      }
      if (l.id() == 0 || !locations_.try_emplace(l.id(), std::move(info)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("a location has id ", l.id(), ", zero or repeated"));
      }
    }
    return absl::OkStatus();
  }

  // The frame of one line of `location`. `physical` is the frame of the
  // location's last line when this line is a function inlined into it,
  // else null.
  ProfileFrame MakeFrame(const LocationInfo& location, const LineInfo* line,
                         const ProfileFrame* physical) const {
    ProfileFrame frame;
    frame.address = location.address;
    const FunctionInfo* function = line == nullptr ? nullptr : line->function;
    const bool has_line = line != nullptr && line->line > 0 && line->line <= UINT32_MAX;
    if (has_line && function != nullptr) {
      frame.file = function->filename;
      frame.line = static_cast<uint32_t>(line->line);
    }
    if (ours_ && function != nullptr) {
      // allocprof's own layout (pprof_writer.h): the module is the
      // function's filename unless that is the source file, and start_line
      // is the function's start address.
      if (has_line) {
        if (location.mapping != nullptr) frame.module = location.mapping->path;
      } else {
        frame.module = function->filename;
      }
      frame.offset = location.address - static_cast<uint64_t>(function->start_line);
      if (physical != nullptr) {
        frame.module = physical->module;
        frame.offset = physical->offset;
      }
      // Both names are written whole; `go tool pprof -proto` shortens name
      // ("void std::vector::_M_realloc_insert") and keeps system_name.
      const std::string& name =
          function->system_name.empty() ? function->name : function->system_name;
      // A frame without a function was written under its DisplayName.
      if (name != frame.DisplayName()) frame.function = name;
    } else {
      // Elsewhere a function's filename is a source file: the module is
      // the mapping's object, and the offset is known only within it.
      if (location.mapping != nullptr) frame.module = location.mapping->path;
      if (function != nullptr) frame.function = function->name;
      if (frame.function.empty() && location.mapping != nullptr) {
        frame.offset = location.address - location.mapping->start +
                       location.mapping->file_offset;
      }
    }
    frame.inlined = physical != nullptr;
    if (frame.module == "[jit]") {
      frame.kind = FrameKind::kJit;
    } else if (frame.module == "[python]") {
      frame.kind = FrameKind::kPython;
    } else if (frame.function.empty()) {
      frame.kind = FrameKind::kUnknown;
    } else if (location.mapping != nullptr && !program_path_.empty() &&
               location.mapping->path == program_path_) {
      // pprof puts the main binary first; its other segments share the path.
      frame.kind = FrameKind::kProgram;
    } else {
      frame.kind = FrameKind::kLibrary;
    }
    return frame;
  }

  bool IsLostRoot(const LocationInfo& location) const {
    return location.address == 0 && location.lines.size() == 1 &&
           location.lines[0].function->name == kPprofLostRootName;
  }

  bool IsLost(const pb::Sample& sample) {
    for (const pb::Label& label : sample.label()) {
      if (Str(label.key(), "label") == kPprofLostLabelKey &&
          Str(label.str(), "label") == kPprofLostLabelValue) {
        return true;
      }
    }
    return false;
  }

  absl::Status DecodeSamples(const ValueColumns& columns) {
    // Stacks by their location ids: pprof allows one stack in several
    // samples (told apart by labels), a Profile has it once.
    absl::flat_hash_map<std::pair<std::vector<uint64_t>, bool>, size_t> seen;
    for (int s = 0; s < in_.sample_size(); ++s) {
      const pb::Sample& sample = in_.sample(s);
      if (sample.value_size() != in_.sample_type_size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sample ", s, " has ", sample.value_size(), " values for ",
            in_.sample_type_size(), " sample types"));
      }
      std::vector<const LocationInfo*> locations;
      for (uint64_t id : sample.location_id()) {
        auto it = locations_.find(id);
        if (it == locations_.end()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "sample ", s, " refers to location ", id,
              ", which the profile does not define"));
        }
        locations.push_back(&it->second);
      }
      bool lost = IsLost(sample);
      std::vector<uint64_t> ids(sample.location_id().begin(),
                                sample.location_id().end());
      if (lost && !locations.empty() && IsLostRoot(*locations.back())) {
        locations.pop_back();
        ids.pop_back();
      }

      auto [it, inserted] =
          seen.try_emplace(std::make_pair(std::move(ids), lost), out_.stacks.size());
      if (inserted) {
        ProfileStack stack;
        stack.lost = lost;
        size_t leaf_frames = 0;  // the first location's
        for (const LocationInfo* location : locations) {
          if (location->lines.empty()) {
            stack.frames.push_back(MakeFrame(*location, nullptr, nullptr));
          } else {
            // The function whose code it is first: its module and offset
            // are also those of the functions inlined into it.
            ProfileFrame physical =
                MakeFrame(*location, &location->lines.back(), nullptr);
            for (size_t i = 0; i + 1 < location->lines.size(); ++i) {
              stack.frames.push_back(
                  MakeFrame(*location, &location->lines[i], &physical));
            }
            stack.frames.push_back(std::move(physical));
          }
          if (leaf_frames == 0) leaf_frames = stack.frames.size();
        }
        // A lost stack holds only the recovered caller: never the allocator.
        if (!lost && leaf_frames != 0 &&
            IsAllocatorFunction(stack.frames[leaf_frames - 1].function)) {
          for (size_t i = 0; i < leaf_frames; ++i) {
            stack.frames[i].kind = FrameKind::kAllocator;
          }
        }
        out_.stacks.push_back(std::move(stack));
      }
      ProfileStack& stack = out_.stacks[it->second];
      for (const pb::Label& label : sample.label()) {
        for (int k = 0; k < kMemKinds; ++k) {
          if (label.str() == 0 && Str(label.key(), "label") == kPprofKindLabelKey[k]) {
            stack.inuse_bytes_by_kind[k] += label.num();
          }
        }
      }
      ProfileValues& values = stack.values;
      values.alloc_objects += columns.Get(sample, 0);
      values.alloc_bytes += columns.Get(sample, 1);
      values.inuse_objects += columns.Get(sample, 2);
      values.inuse_bytes += columns.Get(sample, 3);
    }
    return absl::OkStatus();
  }

  const pb::Profile& in_;
  Profile out_;
  absl::Status error_;
  bool ours_ = false;
  std::string program_path_;
  std::vector<ProfileMapping> pseudo_mappings_;
  absl::flat_hash_map<uint64_t, const ProfileMapping*> mappings_;
  // Node maps: locations point at functions, stacks at locations.
  absl::node_hash_map<uint64_t, FunctionInfo> functions_;
  absl::node_hash_map<uint64_t, LocationInfo> locations_;
};

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

absl::StatusOr<Profile> ParsePprof(absl::string_view data) {
  std::string inflated;
  if (LooksGzipped(data)) {
    absl::StatusOr<std::string> bytes = GzipDecompress(data);
    if (!bytes.ok()) return bytes.status();
    inflated = *std::move(bytes);
    data = inflated;
  }
  if (data.empty()) {
    return absl::InvalidArgumentError("not a pprof profile: it is empty");
  }
  if (data.size() > INT_MAX) {
    return absl::InvalidArgumentError(
        "not a pprof profile: over 2 GiB, more than protobuf reads");
  }
  absl::StatusOr<std::string> serialized = ProfileWithValidUtf8(data);
  pb::Profile in;
  if (!serialized.ok() || !in.ParseFromString(*serialized)) {
    return absl::InvalidArgumentError(
        "not a pprof profile: the data is not a profile.proto message "
        "(truncated, or another format)");
  }
  absl::StatusOr<Profile> profile = PprofDecoder(in).Decode();
  if (!profile.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid pprof profile: ", profile.status().message()));
  }
  return profile;
}

absl::StatusOr<Profile> ReadPprofFile(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  }
  std::string data;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) {
    data.append(buffer, n);
  }
  // A directory opens but does not read (EISDIR).
  if (std::ferror(file.get())) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
  }
  absl::StatusOr<Profile> profile = ParsePprof(data);
  if (!profile.ok()) {
    return absl::Status(profile.status().code(),
                        absl::StrCat(path, ": ", profile.status().message()));
  }
  return profile;
}

}  // namespace allocprof
