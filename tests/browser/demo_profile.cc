// Writes the flame graphs the browser test opens, from a small made-up
// profile whose figures the test knows (flamegraph_browser_test.mjs, kDemo):
//   flamegraph.html, flamegraph.svg   the profile as it is
//   flamegraph_inverted.html          allocator at the top
//   flamegraph_diff.html              against a base where the leak was smaller
// Usage: flamegraph_demo_profile OUT_DIR
#include <cstdio>
#include <string>
#include <vector>

#include "userspace/outputs/flamegraph/flamegraph.h"

namespace allocprof {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;

struct Call {
  std::string function;
  std::string module;
  FrameKind kind;
};

const Call kMalloc = {"malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6", FrameKind::kAllocator};

// `calls` outermost first, as one reads a stack in a flame graph.
ProfileStack Stack(std::vector<Call> calls, int64_t bytes, int64_t objects) {
  ProfileStack stack;
  uint64_t address = 0x401000;
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    ProfileFrame frame;
    frame.function = it->function;
    frame.module = it->module;
    frame.kind = it->kind;
    frame.address = address += 0x40;
    stack.frames.push_back(frame);
  }
  stack.values = {bytes, objects, bytes, objects};
  stack.inuse_bytes_by_kind[static_cast<int>(MemKind::kHeap)] = bytes;
  return stack;
}

Call App(const std::string& function) {
  return {function, "/usr/bin/demo-server", FrameKind::kProgram};
}

Profile Demo(int64_t leak_bytes, int64_t parse_bytes) {
  const Call lib = {"strdup", "/usr/lib/x86_64-linux-gnu/libc.so.6", FrameKind::kLibrary};
  const Call jit = {"Interpreter::compile(Method*)", "[jit]", FrameKind::kJit};
  const Call mmap = {"mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", FrameKind::kAllocator};
  const Call unknown = {"", "", FrameKind::kUnknown};
  const Call python = {"Server.handle", "[python]", FrameKind::kPython};
  // Names a traced program may well have: markup, quotes, ';', non-ASCII.
  const Call hostile1 = App("</script><script>window.pwned=1</script>");
  const Call hostile2 = App("operator<<(std::ostream&, Foo<\"a\" & 'b'> const&)");
  const Call hostile3 = App("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e;name");  // 日本語;name

  Profile p;
  p.target = "PID 4242 (demo-server)";
  p.command_line = {"/usr/bin/demo-server", "--port", "8080"};
  p.duration_ns = 12'300'000'000;
  p.events = 98765;
  p.stacks = {
      Stack({App("main"), App("serve_requests"), App("handle_request"),
             App("leak_buffer"), kMalloc}, leak_bytes, 3072),
      Stack({App("main"), App("serve_requests"), App("handle_request"),
             App("parse_header"), kMalloc}, parse_bytes, 4096),
      Stack({App("main"), App("load_config"), lib, kMalloc}, 256 * kKiB, 512),
      Stack({App("main"), App("init_jit"), jit, mmap}, 512 * kKiB, 2),
      Stack({App("main"), App("PyEval_EvalCode"), python, unknown, kMalloc}, 128 * kKiB, 16),
      Stack({App("main"), hostile1, hostile2, hostile3, kMalloc}, 64 * kKiB, 64),
      Stack({App("main"), App("freed_everything"), kMalloc}, 0, 0),
  };
  ProfileStack lost = Stack({App("worker_thread")}, 100 * kKiB, 10);
  lost.lost = true;
  p.stacks.push_back(lost);
  for (const ProfileStack& s : p.stacks) {
    p.totals.outstanding.bytes[0] += s.values.inuse_bytes;
    p.totals.outstanding.objects[0] += s.values.inuse_objects;
  }
  p.totals.alloc_bytes = 9 * kMiB;
  p.totals.alloc_objects = 20000;
  p.totals.freed_bytes = p.totals.alloc_bytes - p.totals.outstanding.outstanding_bytes();
  p.losses = {{"events (ring buffer full)", 12}};
  return p;
}

bool Written(const absl::Status& status) {
  if (status.ok()) return true;
  std::fprintf(stderr, "flamegraph_demo_profile: %s\n", std::string(status.message()).c_str());
  return false;
}

}  // namespace
}  // namespace allocprof

int main(int argc, char** argv) {
  using namespace allocprof;
  if (argc != 2) {
    std::fprintf(stderr, "usage: flamegraph_demo_profile OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const Profile now = Demo(3 * kMiB, 1 * kMiB);
  const Profile base = Demo(1 * kMiB, 2 * kMiB);
  FlameGraphOptions options;
  FlameGraphOptions inverted;
  inverted.inverted = true;
  bool ok = Written(WriteFlameGraphFile(dir + "/flamegraph.html", now, options)) &&
            Written(WriteFlameGraphFile(dir + "/flamegraph.svg", now, options)) &&
            Written(WriteFlameGraphFile(dir + "/flamegraph_inverted.html", now, inverted)) &&
            Written(WriteDiffFlameGraphFile(dir + "/flamegraph_diff.html", base, now, options));
  return ok ? 0 : 1;
}
