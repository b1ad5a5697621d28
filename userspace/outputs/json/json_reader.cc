#include "userspace/outputs/json/json_reader.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "userspace/outputs/json/json_fields.h"
#include "userspace/outputs/json/json_schema.h"

namespace allocprof {
namespace {

template <typename T>
absl::Status ReadByKind(const JsonAt& object, const char* key,
                        T (&values)[kMemKinds]) {
  return ReadObjectField(object, key, [&](const JsonAt& kinds) {
    absl::Status s;
    for (int k = 0; k < kMemKinds; ++k) {
      s.Update(ReadField(kinds, kJsonMemKindKeys[k], &values[k]));
    }
    return s;
  });
}

absl::Status ReadUsage(const JsonAt& at, Usage* u) {
  absl::Status s;
  s.Update(ReadByKind(at, "bytes", u->bytes));
  s.Update(ReadByKind(at, "objects", u->objects));
  s.Update(ReadField(at, "reserved_bytes", &u->reserved_bytes));
  s.Update(ReadField(at, "backing_bytes", &u->backing_bytes));
  return s;
}

absl::Status ReadTotals(const JsonAt& at, Totals* t) {
  absl::Status s;
  s.Update(ReadField(at, "alloc_bytes", &t->alloc_bytes));
  s.Update(ReadField(at, "alloc_objects", &t->alloc_objects));
  s.Update(ReadField(at, "freed_bytes", &t->freed_bytes));
  s.Update(ReadField(at, "freed_objects", &t->freed_objects));
  s.Update(ReadObjectField(at, "outstanding", [&](const JsonAt& o) {
    return ReadUsage(o, &t->outstanding);
  }));
  s.Update(ReadField(at, "failed_calls", &t->failed_calls));
  s.Update(ReadField(at, "unknown_frees", &t->unknown_frees));
  s.Update(ReadField(at, "unknown_unmapped_bytes", &t->unknown_unmapped_bytes));
  s.Update(ReadField(at, "mismatched_frees", &t->mismatched_frees));
  s.Update(ReadField(at, "mismatched_free_bytes", &t->mismatched_free_bytes));
  return s;
}

absl::Status ReadFrame(const JsonAt& at, ProfileFrame* f) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadField(at, "function", &f->function));
  s.Update(ReadField(at, "module", &f->module));
  s.Update(ReadField(at, "offset", &f->offset));
  s.Update(ReadHexField(at, "address", &f->address));
  std::string kind;
  s.Update(ReadField(at, "kind", &kind));
  // A kind this reader does not know comes from a newer minor version:
  // the frame is still good, only its colour is not.
  if (!ParseFrameKind(kind, &f->kind)) f->kind = FrameKind::kUnknown;
  // Since 1.2; older profiles have no lines and no inlined frames.
  s.Update(ReadField(at, "file", &f->file));
  uint64_t line = 0;
  s.Update(ReadField(at, "line", &line));
  if (line > UINT32_MAX) {
    s.Update(FieldError(at.Member("line"), "out of range (more than 2^32-1)"));
  } else {
    f->line = static_cast<uint32_t>(line);
  }
  s.Update(ReadField(at, "inlined", &f->inlined));
  return s;
}

absl::Status ReadInt(const JsonAt& at, int64_t* out) {
  if (!at.value.is_number_integer()) {
    return FieldError(at, absl::StrCat("expected an integer, found ",
                                       at.value.type_name()));
  }
  if (at.value.is_number_unsigned() &&
      at.value.get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return FieldError(at, "out of range (more than 2^63-1)");
  }
  *out = at.value.get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadNumber(const JsonAt& at, double* out) {
  if (!at.value.is_number()) {
    return FieldError(at, absl::StrCat("expected a number, found ",
                                       at.value.type_name()));
  }
  *out = at.value.get<double>();
  return absl::OkStatus();
}

// "bytes_hex": two lowercase or uppercase hex digits a byte.
absl::Status ReadHexBytes(const JsonAt& object, const char* key,
                          std::string* out) {
  std::string hex;
  if (absl::Status s = ReadField(object, key, &hex); !s.ok()) return s;
  const bool digits = std::all_of(hex.begin(), hex.end(), [](char c) {
    return absl::ascii_isxdigit(static_cast<unsigned char>(c));
  });
  if (hex.size() % 2 != 0 || !digits) {
    return FieldError(object.Member(key),
                      "expected hex digits, two a byte (\"48690a\")");
  }
  *out = absl::HexStringToBytes(hex);
  return absl::OkStatus();
}

absl::Status ReadPeek(const JsonAt& at, PeekedBlock* p) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadHexField(at, "address", &p->address));
  s.Update(ReadField(at, "size", &p->size));
  s.Update(ReadField(at, "age_ns", &p->age_ns));
  s.Update(ReadHexBytes(at, "bytes_hex", &p->bytes));
  s.Update(ReadField(at, "error", &p->error));
  return s;
}

// One entry of "size_classes": {"min_bytes": 2^i (or 0), "objects": n}.
struct SizeClassEntry {
  uint64_t min_bytes = 0;
  int64_t objects = 0;
};

absl::Status ReadSizeClass(const JsonAt& at, SizeClassEntry* e) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadField(at, "min_bytes", &e->min_bytes));
  s.Update(ReadField(at, "objects", &e->objects));
  if (s.ok() && e->min_bytes != 0 && (e->min_bytes & (e->min_bytes - 1)) != 0) {
    return FieldError(at.Member("min_bytes"), "expected 0 or a power of two");
  }
  return s;
}

absl::Status ReadEvidence(const JsonAt& at, StackEvidence* e) {
  absl::Status s;
  s.Update(ReadField(at, "oldest_age_ns", &e->oldest_age_ns));
  s.Update(ReadField(at, "newest_age_ns", &e->newest_age_ns));
  s.Update(ReadObjectField(at, "age_objects", [&](const JsonAt& ages) {
    absl::Status as;
    for (int b = 0; b < kAgeBuckets; ++b) {
      as.Update(ReadField(ages, kJsonAgeKeys[b], &e->age_objects[b]));
    }
    return as;
  }));
  std::vector<SizeClassEntry> sizes;
  s.Update(ReadArrayField(at, "size_classes", &sizes, ReadSizeClass));
  for (const SizeClassEntry& entry : sizes) {
    const int size_class =
        entry.min_bytes == 0 ? 0 : 63 - __builtin_clzll(entry.min_bytes);
    e->size_objects[size_class] += entry.objects;
  }
  s.Update(ReadField(at, "common_size", &e->common_size));
  s.Update(ReadField(at, "common_size_objects", &e->common_size_objects));
  s.Update(ReadField(at, "resident_bytes", &e->resident_bytes));
  s.Update(ReadArrayField(at, "growth", &e->growth, ReadInt));
  s.Update(ReadArrayField(at, "peeks", &e->peeks, ReadPeek));
  return s;
}

absl::Status ReadMemoryStatus(const JsonAt& at, MemoryStatus* m) {
  absl::Status s;
  s.Update(ReadField(at, "rss_bytes", &m->rss_bytes));
  s.Update(ReadField(at, "anon_bytes", &m->anon_bytes));
  return s;
}

absl::Status ReadStack(const JsonAt& at, ProfileStack* st) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadArrayField(at, "frames", &st->frames, ReadFrame));
  s.Update(ReadObjectField(at, "values", [&](const JsonAt& v) {
    absl::Status vs;
    vs.Update(ReadField(v, "inuse_bytes", &st->values.inuse_bytes));
    vs.Update(ReadField(v, "inuse_objects", &st->values.inuse_objects));
    vs.Update(ReadField(v, "alloc_bytes", &st->values.alloc_bytes));
    vs.Update(ReadField(v, "alloc_objects", &st->values.alloc_objects));
    return vs;
  }));
  s.Update(ReadByKind(at, "inuse_bytes_by_kind", st->inuse_bytes_by_kind));
  s.Update(ReadField(at, "lost", &st->lost));
  s.Update(ReadObjectField(at, "evidence", [&](const JsonAt& e) {
    return ReadEvidence(e, &st->evidence);
  }));
  return s;
}

absl::Status ReadMapping(const JsonAt& at, ProfileMapping* m) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadHexField(at, "start", &m->start));
  s.Update(ReadHexField(at, "limit", &m->limit));
  s.Update(ReadField(at, "file_offset", &m->file_offset));
  s.Update(ReadField(at, "path", &m->path));
  s.Update(ReadField(at, "build_id", &m->build_id));
  return s;
}

absl::Status ReadLoss(const JsonAt& at, LossCount* l) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadField(at, "what", &l->what));
  s.Update(ReadField(at, "count", &l->count));
  return s;
}

absl::Status ReadInterval(const JsonAt& at, IntervalSample* i) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadField(at, "seconds", &i->seconds));
  s.Update(ReadField(at, "outstanding_bytes", &i->outstanding_bytes));
  s.Update(ReadField(at, "outstanding_objects", &i->outstanding_objects));
  s.Update(ReadField(at, "alloc_bytes", &i->alloc_bytes));
  s.Update(ReadField(at, "freed_bytes", &i->freed_bytes));
  return s;
}

absl::Status ReadSamplingChange(const JsonAt& at, SamplingChange* c) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadField(at, "at_seconds", &c->at_seconds));
  s.Update(ReadField(at, "from_mean", &c->from_mean));
  s.Update(ReadField(at, "to_mean", &c->to_mean));
  s.Update(ReadField(at, "probe_fraction", &c->probe_fraction));
  return s;
}

absl::Status ReadOverheadWindow(const JsonAt& at, OverheadWindow* w) {
  if (absl::Status s = ExpectObject(at); !s.ok()) return s;
  absl::Status s;
  s.Update(ReadField(at, "end_seconds", &w->end_seconds));
  s.Update(ReadField(at, "probe_fraction", &w->probe_fraction));
  s.Update(ReadField(at, "mean", &w->mean));
  return s;
}

absl::Status ReadOverhead(const JsonAt& at, ProbeOverhead* o) {
  absl::Status s;
  s.Update(ReadField(at, "budget", &o->budget));
  s.Update(ReadField(at, "probe_seconds", &o->probe_seconds));
  s.Update(ReadField(at, "target_cpu_seconds", &o->target_cpu_seconds));
  s.Update(ReadField(at, "traps_exceed_budget", &o->traps_exceed_budget));
  s.Update(ReadArrayField(at, "changes", &o->changes, ReadSamplingChange));
  s.Update(ReadArrayField(at, "windows", &o->windows, ReadOverheadWindow));
  return s;
}

// Refuses documents that are not profiles, or profiles in a layout this
// reader does not know, before anything is read out of them.
absl::Status CheckSchema(const JsonAt& root) {
  if (!root.value.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an allocprof profile: the document is ",
                     root.value.type_name(), ", not an object"));
  }
  std::string schema;
  if (absl::Status s = ReadField(root, "schema", &schema); !s.ok()) return s;
  if (schema != kJsonSchemaName) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an allocprof profile: ",
        schema.empty() ? "no \"schema\" field"
                       : absl::StrCat("schema is \"", schema, "\""),
        ", expected \"", kJsonSchemaName, "\""));
  }
  int64_t major = -1;
  int64_t minor = 0;
  absl::Status s = ReadObjectField(root, "version", [&](const JsonAt& v) {
    absl::Status vs;
    vs.Update(ReadField(v, "major", &major));
    vs.Update(ReadField(v, "minor", &minor));
    return vs;
  });
  if (!s.ok()) return s;
  if (major == -1) {
    return absl::InvalidArgumentError(
        "profile has no \"version\": {\"major\": N, \"minor\": M}");
  }
  if (major > kJsonSchemaMajor) {
    return absl::FailedPreconditionError(absl::StrCat(
        "profile schema version ", major, ".", minor,
        " is newer than this allocprof reads (", kJsonSchemaMajor,
        ".x); read it with a newer allocprof"));
  }
  if (major < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown profile schema version ", major, ".", minor));
  }
  return absl::OkStatus();
}

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string ParseErrorText(const std::string& what) {
  size_t bracket = what.find("] ");
  if (absl::StartsWith(what, "[json.exception.") && bracket != std::string::npos) {
    return what.substr(bracket + 2);
  }
  return what;
}

}  // namespace

absl::StatusOr<Profile> ProfileFromJson(absl::string_view text) {
  Json doc;
  try {
    // The parser is the one place that throws; nothing past it does.
    doc = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON: ", ParseErrorText(e.what())));
  }
  JsonAt root{doc, ""};
  if (absl::Status s = CheckSchema(root); !s.ok()) return s;

  Profile p;
  absl::Status s;
  s.Update(ReadField(root, "target", &p.target));
  s.Update(ReadField(root, "command_line", &p.command_line));
  s.Update(ReadField(root, "start_unix_ns", &p.start_unix_ns));
  s.Update(ReadField(root, "duration_ns", &p.duration_ns));
  s.Update(ReadField(root, "events", &p.events));
  s.Update(ReadObjectField(root, "totals", [&](const JsonAt& t) {
    return ReadTotals(t, &p.totals);
  }));
  s.Update(ReadField(root, "loader_mappings", &p.loader_mappings));
  s.Update(ReadField(root, "mismatch_example", &p.mismatch_example));
  s.Update(ReadField(root, "sample_bytes", &p.sample_bytes));
  s.Update(ReadField(root, "page_bytes", &p.page_bytes));
  s.Update(ReadObjectField(root, "overhead",
                           [&](const JsonAt& o) { return ReadOverhead(o, &p.overhead); }));
  s.Update(ReadArrayField(root, "losses", &p.losses, ReadLoss));
  s.Update(ReadField(root, "notes", &p.notes));
  s.Update(ReadArrayField(root, "mappings", &p.mappings, ReadMapping));
  s.Update(ReadArrayField(root, "stacks", &p.stacks, ReadStack));
  s.Update(ReadArrayField(root, "intervals", &p.intervals, ReadInterval));
  s.Update(ReadArrayField(root, "growth_seconds", &p.growth_seconds, ReadNumber));
  s.Update(ReadField(root, "min_age_ns", &p.min_age_ns));
  s.Update(ReadObjectField(root, "memory", [&](const JsonAt& m) {
    absl::Status ms;
    ms.Update(ReadObjectField(m, "start", [&](const JsonAt& at) {
      return ReadMemoryStatus(at, &p.memory.start);
    }));
    ms.Update(ReadObjectField(m, "end", [&](const JsonAt& at) {
      return ReadMemoryStatus(at, &p.memory.end);
    }));
    ms.Update(ReadField(m, "end_missing", &p.memory.end_missing));
    return ms;
  }));
  if (!s.ok()) return s;
  return p;
}

absl::StatusOr<Profile> ReadJson(std::istream& in) {
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError("cannot read the JSON profile");
  return ProfileFromJson(text.str());
}

absl::StatusOr<Profile> ReadJsonFile(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::ErrnoToStatus(errno ? errno : EIO, absl::StrCat("cannot open ", path));
  }
  absl::StatusOr<Profile> profile = ReadJson(in);
  if (!profile.ok()) {
    return absl::Status(profile.status().code(),
                        absl::StrCat(path, ": ", profile.status().message()));
  }
  return profile;
}

}  // namespace allocprof
