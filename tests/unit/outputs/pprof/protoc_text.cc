#include "tests/unit/outputs/pprof/protoc_text.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace allocprof {
namespace {

std::string Quote(const std::string& path) { return absl::StrCat("'", path, "'"); }

std::string ProtocCommand(const std::string& mode) {
  return absl::StrCat(Quote(ALLOCPROF_PROTOC), " --", mode,
                      "=perftools.profiles.Profile --proto_path=",
                      Quote(ALLOCPROF_PPROF_PROTO_DIR), " profile.proto");
}

}  // namespace

std::vector<std::string> TextMessage::All(const std::string& field) const {
  std::vector<std::string> values;
  for (const auto& [name, value] : scalars) {
    if (name == field) values.push_back(value);
  }
  return values;
}

std::vector<int64_t> TextMessage::Ints(const std::string& field) const {
  std::vector<int64_t> values;
  for (const std::string& text : All(field)) {
    int64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(text, &value)) << field << ": " << text;
    values.push_back(value);
  }
  return values;
}

int64_t TextMessage::Int(const std::string& field) const {
  std::vector<int64_t> values = Ints(field);
  EXPECT_LE(values.size(), 1u) << field << " is repeated";
  return values.empty() ? 0 : values[0];
}

uint64_t TextMessage::Uint(const std::string& field) const {
  std::vector<std::string> values = All(field);
  EXPECT_LE(values.size(), 1u) << field << " is repeated";
  uint64_t value = 0;
  if (!values.empty()) {
    EXPECT_TRUE(absl::SimpleAtoi(values[0], &value)) << values[0];
  }
  return value;
}

std::string TextMessage::Str(const std::string& field) const {
  std::vector<std::string> values = All(field);
  EXPECT_LE(values.size(), 1u) << field << " is repeated";
  return values.empty() ? "" : values[0];
}

std::vector<const TextMessage*> TextMessage::Messages(const std::string& field) const {
  std::vector<const TextMessage*> found;
  for (const auto& [name, message] : messages) {
    if (name == field) found.push_back(&message);
  }
  return found;
}

const TextMessage& TextMessage::Message(const std::string& field) const {
  static const TextMessage kEmpty;
  std::vector<const TextMessage*> found = Messages(field);
  EXPECT_EQ(found.size(), 1u) << field;
  return found.empty() ? kEmpty : *found[0];
}

absl::StatusOr<TextMessage> ParseTextFormat(const std::string& text) {
  TextMessage root;
  std::vector<TextMessage*> open = {&root};
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    line = absl::StripAsciiWhitespace(line);
    if (line == "}") {
      if (open.size() < 2) return absl::InvalidArgumentError("unbalanced }");
      open.pop_back();
    } else if (absl::ConsumeSuffix(&line, " {")) {
      auto& messages = open.back()->messages;
      messages.emplace_back(std::string(line), TextMessage());
      open.push_back(&messages.back().second);
    } else {
      size_t colon = line.find(": ");
      if (colon == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("cannot parse: ", line));
      }
      std::string name(line.substr(0, colon));
      absl::string_view value = line.substr(colon + 2);
      std::string unescaped(value);
      if (absl::ConsumePrefix(&value, "\"") && absl::ConsumeSuffix(&value, "\"")) {
        std::string error;
        if (!absl::CUnescape(value, &unescaped, &error)) {
          return absl::InvalidArgumentError(absl::StrCat(error, ": ", line));
        }
      }
      open.back()->scalars.emplace_back(std::move(name), std::move(unescaped));
    }
  }
  if (open.size() != 1) return absl::InvalidArgumentError("unclosed message");
  return root;
}

std::string MakeTempDir() {
  std::string tmpl = testing::TempDir() + "/allocprof-pprof-XXXXXX";
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

absl::Status RunCommand(const std::string& command) {
  std::string dir = MakeTempDir();
  std::string err = dir + "/stderr";
  int rc = std::system(absl::StrCat("( ", command, " ) 2>", Quote(err)).c_str());
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(command, " exited with ", WEXITSTATUS(rc),
                                          ": ", ReadWholeFile(err)));
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

void WriteWholeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  EXPECT_TRUE(out.good()) << path;
}

absl::StatusOr<TextMessage> DecodeGzippedPprof(const std::string& gz_path) {
  std::string text = MakeTempDir() + "/decoded.txt";
  absl::Status run = RunCommand(absl::StrCat(Quote(ALLOCPROF_GZIP), " -dc ", Quote(gz_path),
                                             " | ", ProtocCommand("decode"), " >",
                                             Quote(text)));
  if (!run.ok()) return run;
  return ParseTextFormat(ReadWholeFile(text));
}

absl::StatusOr<std::string> EncodePprofText(const std::string& text) {
  std::string dir = MakeTempDir();
  WriteWholeFile(dir + "/in.txt", text);
  absl::Status run = RunCommand(absl::StrCat(ProtocCommand("encode"), " <",
                                             Quote(dir + "/in.txt"), " >",
                                             Quote(dir + "/out.pb")));
  if (!run.ok()) return run;
  return ReadWholeFile(dir + "/out.pb");
}

absl::StatusOr<std::string> SystemGzip(const std::string& data) {
  std::string dir = MakeTempDir();
  WriteWholeFile(dir + "/data", data);
  absl::Status run = RunCommand(absl::StrCat(Quote(ALLOCPROF_GZIP), " -c ",
                                             Quote(dir + "/data"), " >",
                                             Quote(dir + "/data.gz")));
  if (!run.ok()) return run;
  return ReadWholeFile(dir + "/data.gz");
}

}  // namespace allocprof
