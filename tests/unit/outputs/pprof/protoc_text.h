// Test helpers that look at pprof bytes through protoc, the reference
// implementation, instead of through the code under test: protoc --decode
// turns a profile into text format, protoc --encode turns text into a
// profile the way another tool would have written it.
#ifndef ALLOCPROF_TESTS_UNIT_OUTPUTS_PPROF_PROTOC_TEXT_H_
#define ALLOCPROF_TESTS_UNIT_OUTPUTS_PPROF_PROTOC_TEXT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace allocprof {

// One message of protoc's text format output, fields in file order.
struct TextMessage {
  std::vector<std::pair<std::string, std::string>> scalars;  // strings unescaped
  std::vector<std::pair<std::string, TextMessage>> messages;

  // Every value of a scalar field, in order.
  std::vector<std::string> All(const std::string& field) const;
  std::vector<int64_t> Ints(const std::string& field) const;
  // The field's value; 0 or "" when absent (proto3 leaves defaults out).
  int64_t Int(const std::string& field) const;
  uint64_t Uint(const std::string& field) const;
  std::string Str(const std::string& field) const;
  std::vector<const TextMessage*> Messages(const std::string& field) const;
  // The submessage; fails the test (and returns an empty one) when absent.
  const TextMessage& Message(const std::string& field) const;
};

// Parses protoc's text format output (one field or "}" a line).
absl::StatusOr<TextMessage> ParseTextFormat(const std::string& text);

// A fresh directory under the test's temporary directory.
std::string MakeTempDir();

// Runs a shell command; fails with its stderr when it exits non-zero.
absl::Status RunCommand(const std::string& command);

std::string ReadWholeFile(const std::string& path);
void WriteWholeFile(const std::string& path, const std::string& data);

// `gzip -dc gz_path | protoc --decode=perftools.profiles.Profile`, parsed.
absl::StatusOr<TextMessage> DecodeGzippedPprof(const std::string& gz_path);

// `protoc --encode=perftools.profiles.Profile` of `text`: uncompressed
// profile bytes.
absl::StatusOr<std::string> EncodePprofText(const std::string& text);

// `gzip -c` of `data`, by the system's gzip.
absl::StatusOr<std::string> SystemGzip(const std::string& data);

}  // namespace allocprof

#endif  // ALLOCPROF_TESTS_UNIT_OUTPUTS_PPROF_PROTOC_TEXT_H_
