#include "userspace/outputs/pprof/pprof_writer.h"

#include <algorithm>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "userspace/outputs/pprof/gzip.h"
#include "userspace/outputs/pprof/pprof_comments.h"
#include "userspace/outputs/pprof/pprof_convention.h"
#include "userspace/outputs/pprof/profile.pb.h"
#include "userspace/outputs/pprof/utf8_strings.h"
#include "userspace/outputs/replace_file.h"

namespace allocprof {
namespace {

namespace pb = perftools::profiles;

// pprof's string_table: every string once, "" at index 0, each made valid
// UTF-8 (see utf8_strings.h).
class StringTable {
 public:
  explicit StringTable(pb::Profile* out) : out_(out) { Index(""); }

  int64_t Index(const std::string& text) {
    auto [it, inserted] = index_.try_emplace(text, index_.size());
    if (inserted) out_->add_string_table(ValidUtf8(text));
    return it->second;
  }

 private:
  pb::Profile* out_;
  absl::flat_hash_map<std::string, int64_t> index_;
};

class PprofBuilder {
 public:
  explicit PprofBuilder(const Profile& profile) : strings_(&out_) {
    for (int i = 0; i < kPprofValues; ++i) {
      pb::ValueType* type = out_.add_sample_type();
      type->set_type(strings_.Index(kPprofSampleType[i]));
      type->set_unit(strings_.Index(kPprofSampleUnit[i]));
    }
    out_.set_default_sample_type(strings_.Index(kPprofDefaultSampleType));
    // Every allocation is traced, none is sampled: one byte per byte.
    out_.mutable_period_type()->set_type(strings_.Index("space"));
    out_.mutable_period_type()->set_unit(strings_.Index("bytes"));
    out_.set_period(1);
    out_.set_time_nanos(profile.start_unix_ns);
    out_.set_duration_nanos(profile.duration_ns);
    for (const std::string& comment : SessionComments(profile)) {
      out_.add_comment(strings_.Index(comment));
    }
    AddMappings(profile.mappings);
    for (const ProfileStack& stack : profile.stacks) AddSample(stack);
    // Mappings whose frames carry source lines say so, so that pprof takes
    // those as final too.
    for (pb::Mapping& mapping : *out_.mutable_mapping()) {
      if (!mappings_with_lines_.contains(mapping.id())) continue;
      mapping.set_has_filenames(true);
      mapping.set_has_line_numbers(true);
      mapping.set_has_inline_frames(true);
    }
  }

  const pb::Profile& proto() const { return out_; }

 private:
  struct Range {
    uint64_t start;
    uint64_t limit;
    uint64_t id;
  };

  // A location is its address, mapping and lines (function id, line).
  struct LocationKey {
    uint64_t address = 0;
    uint64_t mapping_id = 0;
    std::vector<std::pair<uint64_t, int64_t>> lines;

    bool operator==(const LocationKey& o) const {
      return address == o.address && mapping_id == o.mapping_id && lines == o.lines;
    }
    template <typename H>
    friend H AbslHashValue(H h, const LocationKey& key) {
      return H::combine(std::move(h), key.address, key.mapping_id, key.lines);
    }
  };

  void AddMappings(const std::vector<ProfileMapping>& mappings) {
    for (const ProfileMapping& m : mappings) {
      pb::Mapping* mapping = out_.add_mapping();
      mapping->set_id(out_.mapping_size());
      mapping->set_memory_start(m.start);
      mapping->set_memory_limit(m.limit);
      mapping->set_file_offset(m.file_offset);
      mapping->set_filename(strings_.Index(m.path));
      mapping->set_build_id(strings_.Index(m.build_id));
      // Every frame is already named: without this pprof would try to
      // symbolize the addresses again from whatever binary it finds locally.
      mapping->set_has_functions(true);
      if (m.limit > m.start) ranges_.push_back({m.start, m.limit, mapping->id()});
    }
    std::stable_sort(ranges_.begin(), ranges_.end(),
                     [](const Range& a, const Range& b) { return a.start < b.start; });
  }

  // The mapping holding `address`, 0 when none does.
  uint64_t MappingId(uint64_t address) const {
    auto it = std::upper_bound(
        ranges_.begin(), ranges_.end(), address,
        [](uint64_t addr, const Range& r) { return addr < r.start; });
    if (it == ranges_.begin()) return 0;
    --it;
    return address < it->limit ? it->id : 0;
  }

  // The mapping of no address range named `module` ("[python]"), made on
  // first use (pprof_convention.h).
  uint64_t PseudoMappingId(const std::string& module) {
    auto [it, inserted] = pseudo_mappings_.try_emplace(module, 0);
    if (!inserted) return it->second;
    pb::Mapping* mapping = out_.add_mapping();
    mapping->set_id(out_.mapping_size());
    mapping->set_filename(strings_.Index(module));
    mapping->set_has_functions(true);
    it->second = mapping->id();
    return it->second;
  }

  uint64_t FunctionId(const std::string& name, const std::string& filename,
                      uint64_t start) {
    // Two static functions of one name in one module differ by start, and
    // keep their own entries so each frame's offset survives.
    auto [it, inserted] =
        functions_.try_emplace(std::make_tuple(name, filename, start), 0);
    if (!inserted) return it->second;
    pb::Function* function = out_.add_function();
    function->set_id(out_.function_size());
    function->set_name(strings_.Index(name));
    function->set_system_name(function->name());
    function->set_filename(strings_.Index(filename));
    // start_line carries the start address: pprof has no field for it, and
    // viewers use start_line only to widen a source listing, whose lines
    // come from each Line.
    function->set_start_line(static_cast<int64_t>(start));
    it->second = function->id();
    return it->second;
  }

  // One pprof line: a frame's function and where in it the address is.
  uint64_t LineFunction(const ProfileFrame& frame) {
    const std::string name =
        frame.function.empty() ? frame.DisplayName() : frame.function;
    // The function's filename is its source file when that is known (the
    // reader finds the module in the location's mapping), else the module.
    const std::string& filename = frame.line != 0 ? frame.file : frame.module;
    // An inlined function's code has no start of its own here.
    uint64_t start = frame.inlined ? 0 : frame.address - frame.offset;
    return FunctionId(name, filename, start);
  }

  // The location of frames[first..last]: the functions inlined at one
  // address, innermost first, and the function whose code it is (last).
  uint64_t FrameLocation(const std::vector<ProfileFrame>& frames, size_t first,
                         size_t last) {
    LocationKey key;
    key.address = frames[last].address;
    key.mapping_id = MappingId(key.address);
    if (key.mapping_id == 0 && frames[last].line != 0 &&
        IsPprofPseudoModule(frames[last].module, 0, 0)) {
      key.mapping_id = PseudoMappingId(frames[last].module);
    }
    for (size_t i = first; i <= last; ++i) {
      key.lines.emplace_back(LineFunction(frames[i]), frames[i].line);
      if (frames[i].line != 0 && key.mapping_id != 0) {
        mappings_with_lines_.insert(key.mapping_id);
      }
    }
    auto [it, inserted] = locations_.try_emplace(key, 0);
    if (!inserted) return it->second;
    pb::Location* location = out_.add_location();
    location->set_id(out_.location_size());
    location->set_mapping_id(key.mapping_id);
    location->set_address(key.address);
    for (const auto& [function_id, line_number] : key.lines) {
      pb::Line* line = location->add_line();
      line->set_function_id(function_id);
      if (line_number != 0) line->set_line(line_number);
    }
    it->second = location->id();
    return it->second;
  }

  uint64_t LostRootLocation() {
    LocationKey key;
    key.lines.emplace_back(FunctionId(kPprofLostRootName, "", 0), 0);
    auto [it, inserted] = locations_.try_emplace(key, 0);
    if (!inserted) return it->second;
    pb::Location* location = out_.add_location();
    location->set_id(out_.location_size());
    location->add_line()->set_function_id(key.lines[0].first);
    it->second = location->id();
    return it->second;
  }

  void AddSample(const ProfileStack& stack) {
    pb::Sample* sample = out_.add_sample();
    // Inlined frames join the location of the frame after them.
    for (size_t first = 0; first < stack.frames.size();) {
      size_t last = first;
      while (last + 1 < stack.frames.size() && stack.frames[last].inlined) ++last;
      sample->add_location_id(FrameLocation(stack.frames, first, last));
      first = last + 1;
    }
    if (stack.lost) {
      sample->add_location_id(LostRootLocation());
      pb::Label* label = sample->add_label();
      label->set_key(strings_.Index(kPprofLostLabelKey));
      label->set_str(strings_.Index(kPprofLostLabelValue));
    }
    for (int k = 0; k < kMemKinds; ++k) {
      if (stack.inuse_bytes_by_kind[k] == 0) continue;
      pb::Label* label = sample->add_label();
      label->set_key(strings_.Index(kPprofKindLabelKey[k]));
      label->set_num(stack.inuse_bytes_by_kind[k]);
      label->set_num_unit(strings_.Index("bytes"));
    }
    // The order of kPprofSampleType.
    sample->add_value(stack.values.alloc_objects);
    sample->add_value(stack.values.alloc_bytes);
    sample->add_value(stack.values.inuse_objects);
    sample->add_value(stack.values.inuse_bytes);
  }

  pb::Profile out_;
  StringTable strings_;
  std::vector<Range> ranges_;  // by start
  absl::flat_hash_map<std::string, uint64_t> pseudo_mappings_;  // by module
  absl::flat_hash_map<std::tuple<std::string, std::string, uint64_t>, uint64_t>
      functions_;
  absl::flat_hash_map<LocationKey, uint64_t> locations_;
  absl::flat_hash_set<uint64_t> mappings_with_lines_;
};

}  // namespace

absl::StatusOr<std::string> EncodePprof(const Profile& profile) {
  PprofBuilder builder(profile);
  std::string serialized;
  if (!builder.proto().SerializeToString(&serialized)) {
    return absl::InternalError(
        "cannot serialize the pprof profile (is it over 2 GiB?)");
  }
  return GzipCompress(serialized);
}

absl::Status WritePprof(std::ostream& out, const Profile& profile) {
  absl::StatusOr<std::string> bytes = EncodePprof(profile);
  if (!bytes.ok()) return bytes.status();
  out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  if (!out) return absl::DataLossError("cannot write the pprof profile");
  return absl::OkStatus();
}

absl::Status WritePprofFile(const std::string& path, const Profile& profile) {
  absl::StatusOr<std::string> bytes = EncodePprof(profile);
  if (!bytes.ok()) return bytes.status();
  return ReplaceFile("pprof profile", path, *bytes);
}

}  // namespace allocprof
