#include "tests/e2e/allocator_checks.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/testprogs/leaks_truth.h"

namespace allocprof::e2e {

const char* const kStaticLeaksStripped = ALLOCPROF_E2E_STATIC_LEAKS_STRIPPED;
const char* const kCppLeaks = ALLOCPROF_E2E_CPP_LEAKS;
const char* const kMismatch = ALLOCPROF_E2E_MISMATCH;
const char* const kDlopenLeaks = ALLOCPROF_E2E_DLOPEN_LEAKS;
const char* const kLeakPlugin = ALLOCPROF_E2E_LEAK_PLUGIN;
const char* const kCustomPool = ALLOCPROF_E2E_CUSTOM_POOL;

std::vector<Expected> FromTruth(const truth_expectation* truth, size_t n) {
  std::vector<Expected> out;
  for (size_t i = 0; i < n; ++i) {
    Expected e;
    e.function = truth[i].function;
    e.bytes = static_cast<int64_t>(truth[i].bytes);
    for (const char* const* l = truth[i].leaves; *l; ++l) e.leaves.push_back(*l);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Expected> LeaksTruth(
    const std::vector<std::string>& alias_prefixes) {
  std::vector<Expected> out;
  for (const leaks_expectation& t : leaks_expected) {
    Expected e;
    e.function = t.function;
    e.bytes = static_cast<int64_t>(t.bytes);
    for (const char* const* l = t.leaves; *l; ++l) e.leaves.push_back(*l);
    const size_t n = e.leaves.size();
    for (const std::string& prefix : alias_prefixes) {
      for (size_t i = 0; i < n; ++i) {
        // Names that are already internal (__libc_memalign) get no prefix.
        if (e.leaves[i].compare(0, 2, "__") != 0) {
          e.leaves.push_back(prefix + e.leaves[i]);
        }
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

int64_t TotalBytes(const std::vector<Expected>& expected) {
  int64_t total = 0;
  for (const Expected& e : expected) total += e.bytes;
  return total;
}

void ExpectFoldedTruth(const std::string& folded_text,
                       const std::vector<Expected>& expected,
                       const std::vector<std::string>& absent) {
  const Folded folded = ParseFolded(folded_text);
  EXPECT_TRUE(folded.malformed.empty())
      << "not 'frames BYTES': " << folded.malformed.front();
  for (const FoldedStack& s : folded.stacks) {
    EXPECT_GT(s.bytes, 0)
        << "folded output must hold outstanding bytes only: " << s.line;
  }
  for (const Expected& e : expected) {
    EXPECT_EQ(BytesThrough(folded, e.function), e.bytes)
        << "outstanding bytes on stacks through " << e.function << ":\n"
        << StacksThrough(folded, e.function);
    std::string leaves;
    for (const std::string& l : e.leaves) leaves += " '" + l + "'";
    EXPECT_TRUE(CallsDirectly(folded, e.function, e.leaves))
        << "no stack with " << e.function << " as the direct caller of"
        << (leaves.empty() ? std::string(" its leaf") : leaves) << ":\n"
        << StacksThrough(folded, e.function);
  }
  for (const std::string& a : absent) {
    EXPECT_EQ(BytesThrough(folded, a), 0)
        << a << " has nothing outstanding and must not appear:\n"
        << StacksThrough(folded, a);
  }
}

namespace {

bool IsLibbpfLine(const std::string& line) {
  return line.compare(0, 8, "libbpf: ") == 0;
}

}  // namespace

void PrintReference(const std::string& folded_text, const Profile& profile,
                    const Process& allocprof) {
  std::cerr << "for reference:\n--- folded:\n"
            << folded_text << "--- JSON stacks:\n"
            << DescribeStacks(profile) << BriefOutputs(allocprof);
}

std::string BriefOutputs(const Process& allocprof) {
  std::string err;
  int libbpf_lines = 0;
  for (const std::string& line : CompleteLines(allocprof.err())) {
    if (IsLibbpfLine(line)) {
      ++libbpf_lines;
    } else {
      err += line + "\n";
    }
  }
  return "allocprof " + allocprof.Describe() + "\n--- stdout:\n" +
         allocprof.out() + "--- stderr (" + std::to_string(libbpf_lines) +
         " libbpf lines left out):\n" + err;
}

bool SaysOnStderr(const Process& allocprof, const std::string& text) {
  for (const std::string& line : CompleteLines(allocprof.err())) {
    if (!IsLibbpfLine(line) && line.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string ProbeLine(const Process& allocprof, const std::string& probe,
                      const std::string& module) {
  const std::string prefix = "allocprof: probe " + probe + " at " + module + "+0x";
  for (const std::string& line : CompleteLines(allocprof.err())) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

int SingleSteppedSites(const Process& allocprof, const std::string& module) {
  // "allocprof: probed 67 functions in /usr/lib/.../libmimalloc.so.2.0: 66
  // on an emulated instruction (40 past the entry), 1 single-stepped"
  const std::string in = " functions in " + module + ": ";
  for (const std::string& line : CompleteLines(allocprof.err())) {
    if (line.rfind("allocprof: probed ", 0) != 0 || line.find(in) == std::string::npos) {
      continue;
    }
    const size_t comma = line.rfind(", ");
    if (comma == std::string::npos) return -1;
    return std::atoi(line.c_str() + comma + 2);
  }
  return -1;
}

std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::canonical(path, ec);
  return ec ? path : p.string();
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

namespace {

bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  return !a.empty() && !b.empty() && std::filesystem::equivalent(a, b, ec) &&
         !ec;
}

}  // namespace

void ExpectLeafIn(const Profile& profile, const std::string& function,
                  const std::string& module) {
  int found = 0;
  for (const ProfileStack& s : profile.stacks) {
    if (s.frames.size() < 2 || s.values.inuse_bytes <= 0 ||
        s.frames[1].function != function) {
      continue;
    }
    ++found;
    const ProfileFrame& leaf = s.frames[0];
    EXPECT_TRUE(SameFile(leaf.module, module))
        << function << " calls " << leaf.DisplayName() << " in '"
        << leaf.module << "', not in " << module;
    EXPECT_EQ(leaf.kind, FrameKind::kAllocator)
        << function << "'s callee " << leaf.DisplayName() << " is a "
        << FrameKindName(leaf.kind) << " frame, not the allocator";
  }
  EXPECT_GT(found, 0) << "no stack holding bytes with " << function
                      << " as the allocator's direct caller:\n"
                      << DescribeStacks(profile);
}

std::string DescribeStacks(const Profile& profile, size_t max_stacks) {
  std::ostringstream out;
  size_t n = 0;
  for (const ProfileStack& s : profile.stacks) {
    if (n++ == max_stacks) {
      out << "  ...\n";
      break;
    }
    out << "  " << s.values.inuse_bytes << " B:";
    for (const ProfileFrame& f : s.frames) {
      out << " " << f.DisplayName() << " [" << Basename(f.module) << "]";
    }
    out << "\n";
  }
  return n == 0 ? "  (no stacks)\n" : out.str();
}

}  // namespace allocprof::e2e
