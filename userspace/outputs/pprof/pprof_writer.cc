#include "userspace/outputs/pprof/pprof_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "userspace/outputs/pprof/gzip.h"
#include "userspace/outputs/pprof/pprof_comments.h"
#include "userspace/outputs/pprof/pprof_convention.h"
#include "userspace/outputs/pprof/profile.pb.h"
#include "userspace/outputs/pprof/utf8_strings.h"

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
  }

  const pb::Profile& proto() const { return out_; }

 private:
  struct Range {
    uint64_t start;
    uint64_t limit;
    uint64_t id;
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

  uint64_t FunctionId(const std::string& name, const std::string& module,
                      uint64_t start) {
    // Two static functions of one name in one module differ by start, and
    // keep their own entries so each frame's offset survives.
    auto [it, inserted] =
        functions_.try_emplace(std::make_tuple(name, module, start), 0);
    if (!inserted) return it->second;
    pb::Function* function = out_.add_function();
    function->set_id(out_.function_size());
    function->set_name(strings_.Index(name));
    function->set_system_name(function->name());
    function->set_filename(strings_.Index(module));
    // start_line carries the start address: pprof has no field for it, and
    // viewers show start_line nowhere but in source listings, which an
    // object file (the filename) cannot give them anyway.
    function->set_start_line(static_cast<int64_t>(start));
    it->second = function->id();
    return it->second;
  }

  uint64_t LocationId(uint64_t address, uint64_t mapping_id,
                      uint64_t function_id) {
    auto [it, inserted] = locations_.try_emplace(
        std::make_tuple(address, mapping_id, function_id), 0);
    if (!inserted) return it->second;
    pb::Location* location = out_.add_location();
    location->set_id(out_.location_size());
    location->set_mapping_id(mapping_id);
    location->set_address(address);
    location->add_line()->set_function_id(function_id);
    it->second = location->id();
    return it->second;
  }

  uint64_t FrameLocation(const ProfileFrame& frame) {
    const std::string name =
        frame.function.empty() ? frame.DisplayName() : frame.function;
    uint64_t function_id =
        FunctionId(name, frame.module, frame.address - frame.offset);
    return LocationId(frame.address, MappingId(frame.address), function_id);
  }

  void AddSample(const ProfileStack& stack) {
    pb::Sample* sample = out_.add_sample();
    for (const ProfileFrame& frame : stack.frames) {
      sample->add_location_id(FrameLocation(frame));
    }
    if (stack.lost) {
      sample->add_location_id(LocationId(0, 0, FunctionId(kPprofLostRootName, "", 0)));
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
  absl::flat_hash_map<std::tuple<std::string, std::string, uint64_t>, uint64_t>
      functions_;
  absl::flat_hash_map<std::tuple<uint64_t, uint64_t, uint64_t>, uint64_t>
      locations_;
};

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
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
  auto error = [&path](int err) {
    return absl::ErrnoToStatus(
        err, absl::StrCat("cannot write pprof profile to ", path));
  };
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (file == nullptr) return error(errno);
  if (std::fwrite(bytes->data(), 1, bytes->size(), file.get()) != bytes->size()) {
    return error(errno);
  }
  // A full disk may show only when the buffered tail is written out.
  if (std::fclose(file.release()) != 0) return error(errno);
  return absl::OkStatus();
}

}  // namespace allocprof
