#include "userspace/outputs/json/json_writer.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "userspace/outputs/json/json_schema.h"
#include "userspace/outputs/replace_file.h"

namespace allocprof {
namespace {

// ordered_json keeps the order fields are written in, so that a person
// opening the file sees the schema and the session first, stacks last.
using Json = nlohmann::ordered_json;

// Addresses are hex strings: a person compares them with /proc/PID/maps,
// and tools whose numbers are doubles (jq, JavaScript) would round
// addresses above 2^53.
std::string Hex(uint64_t value) { return absl::StrCat("0x", absl::Hex(value)); }

template <typename T>
Json ByKind(const T (&values)[kMemKinds]) {
  Json out = Json::object();
  for (int k = 0; k < kMemKinds; ++k) out[kJsonMemKindKeys[k]] = values[k];
  return out;
}

Json TotalsJson(const Totals& t) {
  const Usage& o = t.outstanding;
  return Json{
      {"alloc_bytes", t.alloc_bytes},
      {"alloc_objects", t.alloc_objects},
      {"freed_bytes", t.freed_bytes},
      {"freed_objects", t.freed_objects},
      {"outstanding",
       Json{{"bytes", ByKind(o.bytes)},
            {"objects", ByKind(o.objects)},
            {"reserved_bytes", o.reserved_bytes},
            {"backing_bytes", o.backing_bytes}}},
      {"failed_calls", t.failed_calls},
      {"unknown_frees", t.unknown_frees},
      {"unknown_unmapped_bytes", t.unknown_unmapped_bytes},
      {"mismatched_frees", t.mismatched_frees},
      {"mismatched_free_bytes", t.mismatched_free_bytes},
  };
}

Json FrameJson(const ProfileFrame& f) {
  return Json{{"function", f.function},
              {"module", f.module},
              {"offset", f.offset},
              {"address", Hex(f.address)},
              {"kind", FrameKindName(f.kind)},
              {"file", f.file},
              {"line", f.line},
              {"inlined", f.inlined}};
}

Json PeekJson(const PeekedBlock& p) {
  std::string hex;
  for (unsigned char c : p.bytes) absl::StrAppend(&hex, absl::Hex(c, absl::kZeroPad2));
  return Json{{"address", Hex(p.address)},
              {"size", p.size},
              {"age_ns", p.age_ns},
              {"bytes_hex", hex},
              {"error", p.error}};
}

Json EvidenceJson(const StackEvidence& e) {
  Json ages = Json::object();
  for (int b = 0; b < kAgeBuckets; ++b) ages[kJsonAgeKeys[b]] = e.age_objects[b];
  Json sizes = Json::array();
  for (int c = 0; c < kSizeClasses; ++c) {
    if (e.size_objects[c] == 0) continue;
    sizes.push_back(Json{{"min_bytes", c == 0 ? 0 : uint64_t{1} << c},
                         {"objects", e.size_objects[c]}});
  }
  Json peeks = Json::array();
  for (const PeekedBlock& p : e.peeks) peeks.push_back(PeekJson(p));
  return Json{{"oldest_age_ns", e.oldest_age_ns},
              {"newest_age_ns", e.newest_age_ns},
              {"age_objects", std::move(ages)},
              {"size_classes", std::move(sizes)},
              {"common_size", e.common_size},
              {"common_size_objects", e.common_size_objects},
              {"resident_bytes", e.resident_bytes},
              {"growth", e.growth},
              {"peeks", std::move(peeks)}};
}

Json MemoryStatusJson(const MemoryStatus& m) {
  return Json{{"rss_bytes", m.rss_bytes}, {"anon_bytes", m.anon_bytes}};
}

Json StackJson(const ProfileStack& s) {
  Json frames = Json::array();
  for (const ProfileFrame& f : s.frames) frames.push_back(FrameJson(f));
  return Json{{"frames", std::move(frames)},
              {"values",
               Json{{"inuse_bytes", s.values.inuse_bytes},
                    {"inuse_objects", s.values.inuse_objects},
                    {"alloc_bytes", s.values.alloc_bytes},
                    {"alloc_objects", s.values.alloc_objects}}},
              {"inuse_bytes_by_kind", ByKind(s.inuse_bytes_by_kind)},
              {"lost", s.lost},
              {"evidence", EvidenceJson(s.evidence)}};
}

Json MappingJson(const ProfileMapping& m) {
  return Json{{"start", Hex(m.start)},
              {"limit", Hex(m.limit)},
              {"file_offset", m.file_offset},
              {"path", m.path},
              {"build_id", m.build_id}};
}

Json IntervalJson(const IntervalSample& i) {
  return Json{{"seconds", i.seconds},
              {"outstanding_bytes", i.outstanding_bytes},
              {"outstanding_objects", i.outstanding_objects},
              {"alloc_bytes", i.alloc_bytes},
              {"freed_bytes", i.freed_bytes}};
}

// For people only; the reader takes start_unix_ns, which is exact.
std::string Rfc3339(int64_t unix_ns) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", absl::FromUnixNanos(unix_ns),
                          absl::UTCTimeZone());
}

Json ProfileJson(const Profile& p) {
  Json losses = Json::array();
  for (const LossCount& l : p.losses) {
    losses.push_back(Json{{"what", l.what}, {"count", l.count}});
  }
  Json mappings = Json::array();
  for (const ProfileMapping& m : p.mappings) mappings.push_back(MappingJson(m));
  Json stacks = Json::array();
  for (const ProfileStack& s : p.stacks) stacks.push_back(StackJson(s));
  Json intervals = Json::array();
  for (const IntervalSample& i : p.intervals) intervals.push_back(IntervalJson(i));
  Json changes = Json::array();
  for (const SamplingChange& c : p.overhead.changes) {
    changes.push_back(Json{{"at_seconds", c.at_seconds},
                           {"from_mean", c.from_mean},
                           {"to_mean", c.to_mean},
                           {"probe_fraction", c.probe_fraction}});
  }
  Json windows = Json::array();
  for (const OverheadWindow& w : p.overhead.windows) {
    windows.push_back(Json{{"end_seconds", w.end_seconds},
                           {"probe_fraction", w.probe_fraction},
                           {"mean", w.mean}});
  }
  return Json{
      {"schema", kJsonSchemaName},
      {"version", Json{{"major", kJsonSchemaMajor}, {"minor", kJsonSchemaMinor}}},
      {"target", p.target},
      {"command_line", p.command_line},
      {"start_unix_ns", p.start_unix_ns},
      {"start_time", Rfc3339(p.start_unix_ns)},
      {"duration_ns", p.duration_ns},
      {"events", p.events},
      {"totals", TotalsJson(p.totals)},
      {"loader_mappings", p.loader_mappings},
      {"mismatch_example", p.mismatch_example},
      {"sample_bytes", p.sample_bytes},
      {"page_bytes", p.page_bytes},
      {"overhead", Json{{"budget", p.overhead.budget},
                        {"probe_seconds", p.overhead.probe_seconds},
                        {"target_cpu_seconds", p.overhead.target_cpu_seconds},
                        {"traps_exceed_budget", p.overhead.traps_exceed_budget},
                        {"changes", std::move(changes)},
                        {"windows", std::move(windows)}}},
      {"losses", std::move(losses)},
      {"notes", p.notes},
      {"mappings", std::move(mappings)},
      {"stacks", std::move(stacks)},
      {"intervals", std::move(intervals)},
      {"growth_seconds", p.growth_seconds},
      {"min_age_ns", p.min_age_ns},
      {"memory", Json{{"start", MemoryStatusJson(p.memory.start)},
                      {"end", MemoryStatusJson(p.memory.end)},
                      {"end_missing", p.memory.end_missing}}},
  };
}

}  // namespace

std::string ProfileToJson(const Profile& profile) {
  // ensure_ascii=false keeps names readable ("größe", "λ"); replace, not
  // the default throw, for bytes that are not UTF-8.
  return ProfileJson(profile).dump(2, ' ', /*ensure_ascii=*/false,
                                   Json::error_handler_t::replace) +
         "\n";
}

absl::Status WriteJson(std::ostream& out, const Profile& profile) {
  out << ProfileToJson(profile);
  out.flush();
  if (!out) return absl::DataLossError("cannot write the JSON profile");
  return absl::OkStatus();
}

absl::Status WriteJsonFile(const std::string& path, const Profile& profile) {
  return ReplaceFile("JSON profile", path, ProfileToJson(profile));
}

}  // namespace allocprof
