#include "userspace/outputs/pprof/pprof_writer.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/outputs/pprof/protoc_text.h"
#include "tests/unit/outputs/pprof/sample_profile.h"
#include "userspace/outputs/pprof/gzip.h"

namespace allocprof {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Contains;

// The profile as protoc decodes it, with its tables indexed by id.
class DecodedPprof {
 public:
  explicit DecodedPprof(TextMessage message) : m_(std::move(message)) {
    strings_ = m_.All("string_table");
    for (const TextMessage* f : m_.Messages("function")) functions_[f->Uint("id")] = f;
    for (const TextMessage* l : m_.Messages("location")) locations_[l->Uint("id")] = l;
    for (const TextMessage* mp : m_.Messages("mapping")) mappings_[mp->Uint("id")] = mp;
  }

  const TextMessage& message() const { return m_; }

  std::string S(int64_t index) const {
    EXPECT_GE(index, 0);
    EXPECT_LT(index, static_cast<int64_t>(strings_.size()));
    return index >= 0 && index < static_cast<int64_t>(strings_.size()) ? strings_[index] : "?";
  }

  const TextMessage& Location(uint64_t id) const { return *At(locations_, id); }
  const TextMessage& Function(uint64_t id) const { return *At(functions_, id); }
  const TextMessage& Mapping(uint64_t id) const { return *At(mappings_, id); }

  // The function names of a sample, leaf first.
  std::vector<std::string> FunctionNames(const TextMessage& sample) const {
    std::vector<std::string> names;
    for (int64_t id : sample.Ints("location_id")) {
      for (const TextMessage* line : Location(id).Messages("line")) {
        names.push_back(S(Function(line->Uint("function_id")).Int("name")));
      }
    }
    return names;
  }

  // The sample whose leaf location is named `leaf` and whose second
  // location is named `caller` ("" matches any).
  const TextMessage* FindSample(const std::string& leaf, const std::string& caller) const {
    for (const TextMessage* sample : m_.Messages("sample")) {
      std::vector<std::string> names = FunctionNames(*sample);
      if (!names.empty() && names[0] == leaf &&
          (caller.empty() || (names.size() > 1 && names[1] == caller))) {
        return sample;
      }
    }
    ADD_FAILURE() << "no sample " << leaf << " <- " << caller;
    return nullptr;
  }

 private:
  const TextMessage* At(const std::map<uint64_t, const TextMessage*>& table,
                        uint64_t id) const {
    static const TextMessage kEmpty;
    auto it = table.find(id);
    EXPECT_NE(it, table.end()) << "no id " << id;
    return it == table.end() ? &kEmpty : it->second;
  }

  TextMessage m_;
  std::vector<std::string> strings_;
  std::map<uint64_t, const TextMessage*> functions_, locations_, mappings_;
};

class PprofWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = MakeTempDir() + "/heap.pb.gz";
    ASSERT_TRUE(WritePprofFile(path_, SampleProfile()).ok());
    absl::StatusOr<TextMessage> text = DecodeGzippedPprof(path_);
    ASSERT_TRUE(text.ok()) << text.status();
    decoded_ = std::make_unique<DecodedPprof>(*std::move(text));
  }

  const DecodedPprof& d() const { return *decoded_; }
  const TextMessage& m() const { return decoded_->message(); }

  std::string path_;
  std::unique_ptr<DecodedPprof> decoded_;
};

TEST_F(PprofWriterTest, StringTableStartsEmpty) {
  std::vector<std::string> strings = m().All("string_table");
  ASSERT_FALSE(strings.empty());
  EXPECT_EQ(strings[0], "");
}

TEST_F(PprofWriterTest, SampleTypesInGoHeapOrder) {
  std::vector<std::string> types;
  for (const TextMessage* type : m().Messages("sample_type")) {
    types.push_back(d().S(type->Int("type")) + "/" + d().S(type->Int("unit")));
  }
  EXPECT_THAT(types, ElementsAre("alloc_objects/count", "alloc_space/bytes",
                                 "inuse_objects/count", "inuse_space/bytes"));
  EXPECT_EQ(d().S(m().Int("default_sample_type")), "inuse_space");
  EXPECT_EQ(d().S(m().Message("period_type").Int("type")), "space");
  EXPECT_EQ(d().S(m().Message("period_type").Int("unit")), "bytes");
  EXPECT_EQ(m().Int("period"), 1);
}

TEST_F(PprofWriterTest, TimeAndDuration) {
  EXPECT_EQ(m().Int("time_nanos"), 1700000000123456789);
  EXPECT_EQ(m().Int("duration_nanos"), 5500000000);
}

TEST_F(PprofWriterTest, OneSamplePerStackWithItsValues) {
  ASSERT_EQ(m().Messages("sample").size(), 4u);
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  ASSERT_NE(big, nullptr);
  EXPECT_THAT(big->Ints("value"), ElementsAre(4, 8192, 2, 4096));
  const TextMessage* unnamed = d().FindSample("calloc", "");
  ASSERT_NE(unnamed, nullptr);
  EXPECT_THAT(unnamed->Ints("value"), ElementsAre(30, 3000, 10, 1000));
}

TEST_F(PprofWriterTest, FunctionNamesOfAStackLeafFirstAndUnaltered) {
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  ASSERT_NE(big, nullptr);
  EXPECT_THAT(d().FunctionNames(*big),
              ElementsAre("malloc", LongTemplateName(), "read_value", "next_token",
                          kSemicolonName, kUnicodeName, "main"));
  EXPECT_GT(LongTemplateName().size(), 1000u);
}

TEST_F(PprofWriterTest, FramesWithoutAFunctionAreNamedByDisplayName) {
  const TextMessage* unnamed = d().FindSample("calloc", "");
  ASSERT_NE(unnamed, nullptr);
  EXPECT_THAT(d().FunctionNames(*unnamed),
              ElementsAre("calloc", "libc.so.6+0x59234", "0xdeadbeef"));
}

TEST_F(PprofWriterTest, MappingsWithBuildIds) {
  std::vector<const TextMessage*> mappings = m().Messages("mapping");
  ASSERT_EQ(mappings.size(), 4u);
  EXPECT_EQ(mappings[0]->Uint("id"), 1u);
  EXPECT_EQ(d().S(mappings[0]->Int("filename")), kProgramPath);
  EXPECT_EQ(d().S(mappings[0]->Int("build_id")), kProgramBuildId);
  EXPECT_EQ(mappings[0]->Uint("memory_start"), 0x555555554000u);
  EXPECT_EQ(mappings[0]->Uint("memory_limit"), 0x555555556000u);
  EXPECT_EQ(mappings[1]->Uint("file_offset"), 0x2000u);
  EXPECT_EQ(d().S(mappings[2]->Int("filename")), kLibcPath);
  EXPECT_EQ(d().S(mappings[2]->Int("build_id")), kLibcBuildId);
  EXPECT_EQ(mappings[2]->Uint("file_offset"), 0x28000u);
  EXPECT_EQ(d().S(mappings[3]->Int("build_id")), "");
  for (const TextMessage* mapping : mappings) {
    EXPECT_EQ(mapping->Str("has_functions"), "true");
  }
  // Only the program's second segment holds frames with lines.
  EXPECT_EQ(mappings[1]->Str("has_line_numbers"), "true");
  EXPECT_EQ(mappings[1]->Str("has_filenames"), "true");
  EXPECT_EQ(mappings[1]->Str("has_inline_frames"), "true");
  EXPECT_EQ(mappings[2]->Str("has_line_numbers"), "");
}

TEST_F(PprofWriterTest, LocationsAreMappedByAddress) {
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  ASSERT_NE(big, nullptr);
  std::vector<int64_t> ids = big->Ints("location_id");
  ASSERT_EQ(ids.size(), 5u);
  const TextMessage& malloc_loc = d().Location(ids[0]);
  EXPECT_EQ(malloc_loc.Uint("address"), 0x7ffff7c9a0f0u);
  EXPECT_EQ(d().S(d().Mapping(malloc_loc.Uint("mapping_id")).Int("filename")), kLibcPath);
  EXPECT_EQ(d().Location(ids[4]).Uint("mapping_id"), 2u);  // main, 2nd segment

  const TextMessage* jit = d().FindSample("malloc", "lua:handler");
  ASSERT_NE(jit, nullptr);
  const TextMessage& jit_loc = d().Location(jit->Ints("location_id")[1]);
  EXPECT_EQ(jit_loc.Uint("mapping_id"), 0u);  // outside every mapping
}

TEST_F(PprofWriterTest, SharedFramesShareLocationsAndFunctions) {
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  const TextMessage* jit = d().FindSample("malloc", "lua:handler");
  ASSERT_NE(big, nullptr);
  ASSERT_NE(jit, nullptr);
  EXPECT_EQ(big->Ints("location_id")[0], jit->Ints("location_id")[0]);
  EXPECT_EQ(big->Ints("location_id")[4], jit->Ints("location_id")[2]);
  int mallocs = 0;
  for (const TextMessage* f : m().Messages("function")) {
    if (d().S(f->Int("name")) == "malloc") ++mallocs;
  }
  EXPECT_EQ(mallocs, 1);
}

TEST_F(PprofWriterTest, FunctionsNameTheirModule) {
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  ASSERT_NE(big, nullptr);
  const TextMessage& loc = d().Location(big->Ints("location_id")[1]);
  const TextMessage& fn = d().Function(loc.Messages("line")[0]->Uint("function_id"));
  EXPECT_EQ(d().S(fn.Int("filename")), kLibstdcxxPath);
  // start_line holds the function's start: address - offset.
  EXPECT_EQ(fn.Int("start_line"), 0x7ffff7a41234 - 0x94);
}

TEST_F(PprofWriterTest, InlinedFunctionsAreLinesOfTheirCallersLocation) {
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  ASSERT_NE(big, nullptr);
  const TextMessage& loc = d().Location(big->Ints("location_id")[2]);
  EXPECT_EQ(loc.Uint("address"), 0x555555557100u);
  std::vector<const TextMessage*> lines = loc.Messages("line");
  ASSERT_EQ(lines.size(), 3u);  // innermost first, the caller last
  const TextMessage& inner = d().Function(lines[0]->Uint("function_id"));
  const TextMessage& middle = d().Function(lines[1]->Uint("function_id"));
  const TextMessage& outer = d().Function(lines[2]->Uint("function_id"));
  EXPECT_EQ(d().S(inner.Int("name")), "read_value");
  EXPECT_EQ(d().S(inner.Int("filename")), "/src/redis/config.h");
  EXPECT_EQ(lines[0]->Int("line"), 40);
  EXPECT_EQ(d().S(middle.Int("name")), "next_token");
  EXPECT_EQ(d().S(middle.Int("filename")), "/src/redis/lexer.h");
  EXPECT_EQ(lines[1]->Int("line"), 7);
  EXPECT_EQ(d().S(outer.Int("name")), kSemicolonName);
  EXPECT_EQ(d().S(outer.Int("filename")), "/src/redis/config.c");
  EXPECT_EQ(lines[2]->Int("line"), 1200);
  // Only the function whose code it is has a start address.
  EXPECT_EQ(inner.Int("start_line"), 0);
  EXPECT_EQ(outer.Int("start_line"), 0x555555557100 - 0x1c);
}

TEST_F(PprofWriterTest, LostStackHasLabelAndRoot) {
  const TextMessage* lost = d().FindSample("worker_loop", "");
  ASSERT_NE(lost, nullptr);
  EXPECT_THAT(d().FunctionNames(*lost), ElementsAre("worker_loop", "[stack lost]"));
  std::vector<const TextMessage*> labels = lost->Messages("label");
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(d().S(labels[0]->Int("key")), "stack");
  EXPECT_EQ(d().S(labels[0]->Int("str")), "lost");
  const TextMessage* big = d().FindSample("malloc", LongTemplateName());
  ASSERT_NE(big, nullptr);
  EXPECT_THAT(big->Messages("label"), IsEmpty());
}

TEST_F(PprofWriterTest, CommentsCarryTheSessionFacts) {
  std::vector<std::string> comments;
  for (int64_t index : m().Ints("comment")) comments.push_back(d().S(index));
  EXPECT_THAT(comments,
              ElementsAre("allocprof heap profile",
                          "allocprof target: PID 4242 (redis-server)",
                          "allocprof command line: redis-server --port 6379 "
                          "'it'\\''s a \"test\"' ''",
                          "allocprof lost: 12 events (ring buffer full)",
                          "allocprof lost: 3 stacks (stack map collision)",
                          "allocprof note: libfoo.so has no symbols"));
}

TEST(PprofWriter, StreamHoldsTheSameGzippedProfile) {
  std::ostringstream out;
  ASSERT_TRUE(WritePprof(out, SampleProfile()).ok());
  absl::StatusOr<std::string> encoded = EncodePprof(SampleProfile());
  ASSERT_TRUE(encoded.ok());
  EXPECT_TRUE(LooksGzipped(out.str()));
  absl::StatusOr<std::string> a = GzipDecompress(out.str());
  absl::StatusOr<std::string> b = GzipDecompress(*encoded);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(PprofWriter, EmptyProfileIsStillAHeapProfile) {
  std::string path = MakeTempDir() + "/empty.pb.gz";
  ASSERT_TRUE(WritePprofFile(path, Profile()).ok());
  absl::StatusOr<TextMessage> text = DecodeGzippedPprof(path);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->Messages("sample_type").size(), 4u);
  EXPECT_THAT(text->Messages("sample"), IsEmpty());
}

TEST(PprofWriter, UnwritablePathNamesPathAndReason) {
  absl::Status s = WritePprofFile("/nonexistent-dir/heap.pb.gz", SampleProfile());
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              ::testing::HasSubstr("/nonexistent-dir/heap.pb.gz"));
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("No such file"));
}

}  // namespace
}  // namespace allocprof
