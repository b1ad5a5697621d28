#include "userspace/outputs/profile_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/unit/outputs/json/profile_equal.h"
#include "tests/unit/outputs/json/sample_profile.h"
#include "userspace/outputs/json/json_writer.h"
#include "userspace/outputs/pprof/gzip.h"
#include "userspace/outputs/pprof/pprof_writer.h"

namespace allocprof {
namespace {

// A file under the test's temporary directory, removed afterwards.
class TempFile {
 public:
  explicit TempFile(const std::string& name) : path_(testing::TempDir() + "/" + name) {}
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }
  void Write(const std::string& contents) const {
    std::ofstream(path_, std::ios::binary) << contents;
  }

 private:
  std::string path_;
};

TEST(DetectProfileFormat, ByTheFirstBytes) {
  EXPECT_EQ(DetectProfileFormat("{\"schema\": 1}"), ProfileFormat::kJson);
  EXPECT_EQ(DetectProfileFormat("\xef\xbb\xbf \n\t{}"), ProfileFormat::kJson);
  EXPECT_EQ(DetectProfileFormat(absl::string_view("\x1f\x8b\x08\x00", 4)),
            ProfileFormat::kPprofGzip);
  // sample_type {type: 1 unit: 2}, string_table "", "space", "bytes".
  const char kProto[] = "\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x05space\x32\x05" "bytes";
  EXPECT_EQ(DetectProfileFormat(absl::string_view(kProto, sizeof(kProto) - 1)),
            ProfileFormat::kPprofProtobuf);
}

TEST(DetectProfileFormat, OtherFilesAreNeither) {
  EXPECT_EQ(DetectProfileFormat(""), ProfileFormat::kUnknown);
  EXPECT_EQ(DetectProfileFormat("   \n"), ProfileFormat::kUnknown);
  EXPECT_EQ(DetectProfileFormat("[1, 2, 3]"), ProfileFormat::kUnknown);
  EXPECT_EQ(DetectProfileFormat("main;leak;malloc 4096\n"), ProfileFormat::kUnknown);
  EXPECT_EQ(DetectProfileFormat("hello world"), ProfileFormat::kUnknown);
  EXPECT_EQ(DetectProfileFormat("\x7f" "ELF\x02\x01\x01"), ProfileFormat::kUnknown);
  // Well-formed protobuf, but no string table: not a pprof profile.
  EXPECT_EQ(DetectProfileFormat(absl::string_view("\x08\x01", 2)),
            ProfileFormat::kUnknown);
  // A length past the end.
  EXPECT_EQ(DetectProfileFormat(absl::string_view("\x32\x7f" "abc", 5)),
            ProfileFormat::kUnknown);
  // A string table, but field 4 (locations) as a number, not a message.
  EXPECT_EQ(DetectProfileFormat(absl::string_view("\x32\x00\x20\x01", 4)),
            ProfileFormat::kUnknown);
}

TEST(ReadProfileFile, Json) {
  TempFile file("profile_file_test.json");
  ASSERT_TRUE(WriteJsonFile(file.path(), SampleProfile()).ok());
  absl::StatusOr<Profile> read = ReadProfileFile(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSameProfile(SampleProfile(), *read);
}

TEST(ReadProfileFile, PprofGzippedAndPlain) {
  // pprof keeps the stacks but not every session fact (see pprof_reader.h).
  absl::StatusOr<std::string> gzipped = EncodePprof(SampleProfile());
  ASSERT_TRUE(gzipped.ok()) << gzipped.status();
  absl::StatusOr<std::string> plain = GzipDecompress(*gzipped);
  ASSERT_TRUE(plain.ok()) << plain.status();
  for (const std::string* bytes : {&*gzipped, &*plain}) {
    TempFile file("profile_file_test.pb");
    file.Write(*bytes);
    absl::StatusOr<Profile> read = ReadProfileFile(file.path());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->target, "PID 4242 (redis-server)");
    ASSERT_EQ(read->stacks.size(), SampleProfile().stacks.size());
    EXPECT_EQ(read->stacks[0].values.inuse_bytes, 6000000);
  }
}

TEST(ReadProfileFile, NeitherFormatSaysSo) {
  TempFile file("profile_file_test.txt");
  file.Write("main;leak;malloc 4096\n");
  absl::StatusOr<Profile> read = ReadProfileFile(file.path());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(),
            file.path() +
                " is not a saved profile: expected allocprof's JSON (a document "
                "starting with '{') or pprof (gzip-compressed or plain protobuf)");
}

TEST(ReadProfileFile, ErrorsNameThePath) {
  absl::StatusOr<Profile> missing = ReadProfileFile("/nonexistent/p.json");
  EXPECT_EQ(missing.status().message(),
            "cannot open /nonexistent/p.json: No such file or directory");

  TempFile empty("profile_file_test.empty");
  empty.Write("");
  EXPECT_EQ(ReadProfileFile(empty.path()).status().message(),
            empty.path() + " is empty, not a saved profile");

  EXPECT_EQ(ReadProfileFile(testing::TempDir()).status().message(),
            testing::TempDir() + " is a directory, not a saved profile");

  TempFile json("profile_file_test.json");
  json.Write("{\"schema\": \"allocprof-profile\", \"version\": {\"major\": 9}}");
  EXPECT_EQ(ReadProfileFile(json.path()).status().message(),
            json.path() + ": profile schema version 9.0 is newer than this "
                          "allocprof reads (1.x); read it with a newer allocprof");

  TempFile gz("profile_file_test.pb.gz");
  gz.Write(std::string("\x1f\x8b\x08\x00garbage", 8));
  absl::StatusOr<Profile> corrupt = ReadProfileFile(gz.path());
  EXPECT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().message().rfind(gz.path() + ": ", 0), 0u)
      << corrupt.status();
}

}  // namespace
}  // namespace allocprof
