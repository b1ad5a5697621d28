// Writes the flame graphs of a large made-up profile for bench_flamegraph.mjs
// and prints one JSON line of figures per file: stacks, tree nodes, file
// size, time.
//
// The stacks grow as call trees do: each new stack takes the outer part of
// an earlier one and diverges below it, mostly deep down (many call sites
// of one request handler) and now and then near main, so the prefix tree
// is large without being 10,000 unrelated chains. --disjoint makes every
// stack diverge right under main: the worst case for the file size.
//
// flamegraph_bench_profile --out FILE.html [--out FILE.svg ...]
//                          [--stacks 10000] [--depth 200] [--disjoint] [--seed 1]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "userspace/outputs/flamegraph/flame_tree.h"
#include "userspace/outputs/flamegraph/flamegraph.h"

namespace allocprof {
namespace {

struct Options {
  std::vector<std::string> outs;
  int stacks = 10000;
  int depth = 200;  // frames per stack, the allocator included
  bool disjoint = false;
  unsigned seed = 1;
};

bool ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--out" && has_value) {
      options->outs.push_back(argv[++i]);
    } else if (arg == "--stacks" && has_value) {
      options->stacks = std::atoi(argv[++i]);
    } else if (arg == "--depth" && has_value) {
      options->depth = std::atoi(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      options->seed = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (arg == "--disjoint") {
      options->disjoint = true;
    } else {
      return false;
    }
  }
  return !options->outs.empty() && options->stacks > 0 && options->depth >= 2;
}

// A pool of functions in a program and its libraries, with names as long as
// real C++ ones.
std::vector<ProfileFrame> FunctionPool(std::mt19937* rng) {
  static const char* kNamespaces[] = {"net", "http", "db", "cache", "json", "util", "rpc", "io"};
  static const char* kClasses[] = {"Connection", "Parser", "Buffer", "Session", "Pool",
                                   "Request", "Handler", "Table", "Index", "Codec"};
  static const char* kMethods[] = {"read", "write", "parse", "flush", "lookup", "insert",
                                   "grow", "dispatch", "encode", "decode", "resize", "visit"};
  std::vector<ProfileFrame> pool;
  for (int i = 0; i < 3000; ++i) {
    ProfileFrame frame;
    frame.function = absl::StrFormat(
        "%s::%s<%d>::%s(std::basic_string_view<char>, unsigned long)",
        kNamespaces[(*rng)() % 8], kClasses[(*rng)() % 10], i, kMethods[(*rng)() % 12]);
    int module = static_cast<int>((*rng)() % 40);
    if (module < 28) {
      frame.module = "/usr/bin/bench-server";
      frame.kind = FrameKind::kProgram;
    } else {
      frame.module = absl::StrFormat("/usr/lib/x86_64-linux-gnu/libbench%d.so.1", module);
      frame.kind = FrameKind::kLibrary;
    }
    frame.address = 0x400000 + 0x40 * static_cast<uint64_t>(i);
    pool.push_back(frame);
  }
  return pool;
}

Profile BenchProfile(const Options& options) {
  std::mt19937 rng(options.seed);
  const std::vector<ProfileFrame> pool = FunctionPool(&rng);
  const char* kAllocators[] = {"malloc", "calloc", "realloc", "operator new(unsigned long)"};
  std::uniform_real_distribution<double> unit(0, 1);
  ProfileFrame main_frame;
  main_frame.function = "main";
  main_frame.module = "/usr/bin/bench-server";
  main_frame.kind = FrameKind::kProgram;

  Profile profile;
  profile.target = "PID 1 (bench-server)";
  profile.duration_ns = 60'000'000'000;
  std::set<std::string> seen;
  const int callers = options.depth - 1;  // frames above the allocator
  while (static_cast<int>(profile.stacks.size()) < options.stacks) {
    // Callers outermost first; frames[0] is main.
    std::vector<ProfileFrame> chain;
    int keep = 1;
    if (!profile.stacks.empty() && !options.disjoint) {
      const ProfileStack& earlier = profile.stacks[rng() % profile.stacks.size()];
      // Divergence mostly near the leaf: u^4 puts 60% of stacks within the
      // last 30 frames.
      int fresh = 1 + static_cast<int>((callers - 1) * std::pow(unit(rng), 4));
      keep = callers - fresh;
      for (int i = 0; i < keep; ++i) {
        chain.push_back(earlier.frames[earlier.frames.size() - 1 - i]);
      }
    } else {
      chain.push_back(main_frame);
    }
    while (static_cast<int>(chain.size()) < callers) chain.push_back(pool[rng() % pool.size()]);
    ProfileFrame allocator;
    allocator.function = kAllocators[rng() % 4];
    allocator.module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    allocator.kind = FrameKind::kAllocator;
    chain.push_back(allocator);

    ProfileStack stack;
    stack.frames.assign(chain.rbegin(), chain.rend());  // leaf first
    if (!seen.insert(StackPath(stack)).second) continue;
    // Sizes spread over four orders of magnitude, as real ones are.
    stack.values.inuse_bytes = static_cast<int64_t>(16 * std::pow(10.0, 4 * unit(rng)));
    stack.values.inuse_objects = 1 + static_cast<int64_t>(rng() % 64);
    profile.totals.outstanding.bytes[0] += stack.values.inuse_bytes;
    profile.totals.outstanding.objects[0] += stack.values.inuse_objects;
    profile.stacks.push_back(std::move(stack));
  }
  profile.events = profile.stacks.size();
  profile.totals.alloc_bytes = profile.totals.outstanding.outstanding_bytes();
  profile.totals.alloc_objects = profile.totals.outstanding.outstanding_objects();
  return profile;
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace
}  // namespace allocprof

int main(int argc, char** argv) {
  using namespace allocprof;
  Options options;
  if (!ParseOptions(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: flamegraph_bench_profile --out FILE.html [--out FILE.svg ...] "
                 "[--stacks N] [--depth N] [--disjoint] [--seed N]\n");
    return 2;
  }
  const Profile profile = BenchProfile(options);
  auto start = std::chrono::steady_clock::now();
  const FlameTree tree = BuildFlameTree(profile, Weight::kBytes, false);
  const double tree_ms = MillisecondsSince(start);
  for (const std::string& out : options.outs) {
    start = std::chrono::steady_clock::now();
    absl::Status status = WriteFlameGraphFile(out, profile, {});
    const double write_ms = MillisecondsSince(start);
    if (!status.ok()) {
      std::fprintf(stderr, "flamegraph_bench_profile: %s\n", std::string(status.message()).c_str());
      return 1;
    }
    std::FILE* file = std::fopen(out.c_str(), "rb");
    std::fseek(file, 0, SEEK_END);
    const long size = std::ftell(file);
    std::fclose(file);
    std::printf(
        "{\"file\":\"%s\",\"stacks\":%zu,\"frames_per_stack\":%d,\"tree_nodes\":%zu,"
        "\"distinct_frames\":%zu,\"file_bytes\":%ld,\"tree_ms\":%.1f,\"write_ms\":%.1f,"
        "\"disjoint\":%s}\n",
        out.c_str(), profile.stacks.size(), options.depth, tree.nodes.size(),
        tree.frames.size(), size, tree_ms, write_ms, options.disjoint ? "true" : "false");
  }
  return 0;
}
