#include "tests/e2e/outputs.h"

#include <regex>
#include <sstream>

#include "tests/e2e/process.h"

namespace allocprof::e2e {
namespace {

bool HasFrame(const FoldedStack& s, const std::string& function) {
  for (const std::string& f : s.frames) {
    if (f == function) return true;
  }
  return false;
}

std::optional<int64_t> Int(const std::ssub_match& m) {
  return static_cast<int64_t>(std::stoll(m.str()));
}

}  // namespace

NamedLine SplitLine(const std::string& name) {
  static const std::regex kWithLine(R"(^(.*) \(([^()]*):([0-9]+)\)$)");
  std::smatch m;
  if (!std::regex_match(name, m, kWithLine)) return {name, "", 0};
  return {m[1].str(), m[2].str(), std::stoi(m[3].str())};
}

std::string WithoutLine(const std::string& name) {
  return SplitLine(name).function;
}

Folded ParseFolded(const std::string& text) {
  Folded folded;
  static const std::regex kLine(R"(^(\S.*) (-?[0-9]+)$)");
  // The file is complete once allocprof has ended, so a last line without
  // its '\n' is still a line.
  std::stringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) {
      folded.malformed.push_back(line);
      continue;
    }
    FoldedStack s;
    std::stringstream frames(m[1].str());
    for (std::string frame; std::getline(frames, frame, ';');) {
      s.frames.push_back(WithoutLine(frame));
      s.named.push_back(frame);
    }
    s.bytes = std::stoll(m[2].str());
    s.line = line;
    folded.stacks.push_back(std::move(s));
  }
  return folded;
}

int64_t BytesThrough(const Folded& folded, const std::string& function) {
  int64_t sum = 0;
  for (const FoldedStack& s : folded.stacks) {
    if (HasFrame(s, function)) sum += s.bytes;
  }
  return sum;
}

int64_t ProfileBytesThrough(const Profile& profile, const std::string& function) {
  int64_t total = 0;
  for (const ProfileStack& stack : profile.stacks) {
    for (const ProfileFrame& frame : stack.frames) {
      if (frame.function == function) {
        total += stack.values.inuse_bytes;
        break;
      }
    }
  }
  return total;
}

std::string StacksThrough(const Folded& folded, const std::string& function) {
  std::string out;
  for (const FoldedStack& s : folded.stacks) {
    if (HasFrame(s, function)) out += "  " + s.line + "\n";
  }
  return out.empty() ? "  (none)\n" : out;
}

bool CallsDirectly(const Folded& folded, const std::string& function,
                   const std::vector<std::string>& leaves) {
  for (const FoldedStack& s : folded.stacks) {
    size_t n = s.frames.size();
    // An allocator that interposes mmap (tcmalloc) makes the system call
    // through the C library's syscall(): the program's call is one up.
    if (n >= 3 && s.frames[n - 1] == "syscall") --n;
    if (n < 2 || s.bytes <= 0 || s.frames[n - 2] != function) continue;
    if (leaves.empty()) return true;
    for (const std::string& leaf : leaves) {
      if (s.frames[n - 1] == leaf) return true;
    }
  }
  return false;
}

Report ParseReport(const std::string& text) {
  // "<bytes> B", then maybe a human form in parentheses: "1232896 B (1.2 MiB)".
  const std::string bytes = R"((-?[0-9]+) B(?: \([^)]*\))?)";
  const std::string objects = R"( in (-?[0-9]+) objects?)";
  static const std::regex kOutstanding(R"(^\s*Outstanding:\s+)" + bytes +
                                       objects);
  static const std::regex kAllocated(R"(^\s*Allocated:\s+)" + bytes + objects +
                                     R"(; freed:\s+)" + bytes + objects);
  static const std::regex kBacking(R"(^\s*Allocator backing memory:\s+)" +
                                   bytes);
  static const std::regex kLost(R"(^\s*Lost:\s*(.*)$)");
  static const std::regex kMismatched(
      R"(^\s*Mismatched frees:\s+(-?[0-9]+) blocks?)");
  // The bytes are the first figure after the blocks: "(1024 B ...".
  static const std::regex kMismatchedBytes(
      R"(^\s*Mismatched frees:\s+-?[0-9]+ blocks?[^0-9]*(-?[0-9]+) (?:B|bytes)\b)");

  Report r;
  const std::vector<std::string> lines = CompleteLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_search(lines[i], m, kOutstanding)) {
      r.outstanding_bytes = Int(m[1]);
      r.outstanding_objects = Int(m[2]);
      r.final_outstanding_line = static_cast<int>(i);
    } else if (std::regex_search(lines[i], m, kAllocated)) {
      r.allocated_bytes = Int(m[1]);
      r.allocated_objects = Int(m[2]);
      r.freed_bytes = Int(m[3]);
      r.freed_objects = Int(m[4]);
    } else if (std::regex_search(lines[i], m, kBacking)) {
      r.backing_bytes = Int(m[1]);
    } else if (std::regex_search(lines[i], m, kLost)) {
      r.lost = m[1].str();
    } else if (std::regex_search(lines[i], m, kMismatched)) {
      r.mismatched_blocks = Int(m[1]);
      if (std::regex_search(lines[i], m, kMismatchedBytes)) {
        r.mismatched_bytes = Int(m[1]);
      }
    }
  }
  return r;
}

int FirstIntervalSummaryLine(const std::string& text) {
  static const std::regex kSummary(R"(^\[[0-9]+(\.[0-9]+)?s\])");
  const std::vector<std::string> lines = CompleteLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (std::regex_search(lines[i], kSummary)) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int64_t> IntervalOutstandingBytes(const std::string& text) {
  static const std::regex kSummary(
      R"(^\[[0-9]+(?:\.[0-9]+)?s\] outstanding (-?[0-9]+) B)");
  std::vector<int64_t> figures;
  for (const std::string& line : CompleteLines(text)) {
    std::smatch m;
    if (std::regex_search(line, m, kSummary)) figures.push_back(*Int(m[1]));
  }
  return figures;
}

}  // namespace allocprof::e2e
