#include "userspace/profile/profile_builder.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "userspace/common/elf_file.h"

namespace allocprof {

FrameKind ProfileBuilder::KindOf(const Frame& frame, bool leaf) const {
  // The leaf of every stack is where the allocation entered the probes: the
  // allocator function, or the C library's syscall wrapper.
  if (leaf) return FrameKind::kAllocator;
  if (frame.module == "[jit]") return FrameKind::kJit;
  if (frame.module == Symbolizer::kPythonModule) return FrameKind::kPython;
  if (frame.function.empty()) {
    // Code with a name from nowhere: anonymous executable memory is JIT
    // output without a perf map entry.
    const Module* module = symbolizer_.modules().Find(frame.addr);
    if (module && module->kind == Module::Kind::kAnonymous) return FrameKind::kJit;
    return FrameKind::kUnknown;
  }
  return frame.module == program_path_ ? FrameKind::kProgram : FrameKind::kLibrary;
}

ProfileStack ProfileBuilder::MakeStack(StackRef ref) {
  const NamedStack& named = names_.Name(ref);
  ProfileStack stack;
  stack.lost = named.lost_errno != 0;
  for (size_t i = 0; i < named.frames.size(); ++i) {
    const Frame& f = named.frames[i];
    ProfileFrame frame;
    frame.function = f.function;
    frame.module = f.module;
    frame.address = f.addr;
    frame.offset = f.offset;
    frame.file = f.source.file;
    frame.line = f.source.line;
    // A lost stack holds only the recovered caller: never the allocator.
    const bool leaf = i == 0 && !stack.lost;
    frame.kind = KindOf(f, leaf);
    // Functions inlined at the address come first, innermost first, each
    // a frame of its own in the same code. Not at the leaf: it is the
    // allocator function that was called, at (or just past) its entry,
    // whatever its first instructions were inlined from; its line is then
    // the one in it that they come from.
    if (leaf) {
      stack.frames.push_back(std::move(frame));
      continue;
    }
    for (const InlinedFrame& in : f.inlined) {
      ProfileFrame inlined = frame;
      inlined.function = in.function;
      inlined.file = in.source.file;
      inlined.line = in.source.line;
      inlined.inlined = true;
      stack.frames.push_back(std::move(inlined));
    }
    stack.frames.push_back(std::move(frame));
  }
  return stack;
}

std::vector<ProfileMapping> ProfileBuilder::Mappings() {
  std::vector<ProfileMapping> mappings;
  const ModuleMap& modules = symbolizer_.modules();
  for (const Module& module : modules.modules()) {
    if (module.kind != Module::Kind::kFile) continue;
    ProfileMapping m;
    m.start = module.start;
    m.limit = module.end;
    m.file_offset = module.file_offset;
    m.path = module.path;
    std::string elf_path = modules.ElfPath(module);
    auto [it, inserted] = build_ids_.try_emplace(elf_path);
    // Not BCC's bcc_elf_get_buildid: it opens the target's path itself and
    // copies a build-ID note of any length into a fixed buffer.
    if (inserted && !elf_path.empty()) it->second = ReadBuildId(elf_path);
    m.build_id = it->second;
    mappings.push_back(std::move(m));
  }
  return mappings;
}

Profile ProfileBuilder::Build(const Aggregator& aggregator,
                              const Annotate& annotate) {
  Profile profile;
  profile.totals = aggregator.totals();
  absl::flat_hash_map<StackRef, Usage> holding;
  for (const auto& [ref, usage] : aggregator.ByStack()) holding[ref] = usage;
  absl::flat_hash_set<StackRef> refs;
  for (const auto& [ref, usage] : holding) refs.insert(ref);
  for (const auto& [ref, allocated] : aggregator.allocated_by_stack()) refs.insert(ref);

  for (StackRef ref : refs) {
    ProfileStack stack = MakeStack(ref);
    if (auto a = aggregator.allocated_by_stack().find(ref);
        a != aggregator.allocated_by_stack().end()) {
      stack.values.alloc_bytes = a->second.bytes;
      stack.values.alloc_objects = a->second.objects;
    }
    if (auto h = holding.find(ref); h != holding.end()) {
      stack.values.inuse_bytes = h->second.outstanding_bytes();
      stack.values.inuse_objects = h->second.outstanding_objects();
      std::copy(std::begin(h->second.bytes), std::end(h->second.bytes),
                stack.inuse_bytes_by_kind);
    }
    if (annotate) annotate(ref, stack);
    profile.stacks.push_back(std::move(stack));
  }
  std::sort(profile.stacks.begin(), profile.stacks.end(),
            [](const ProfileStack& a, const ProfileStack& b) {
              if (a.values.inuse_bytes != b.values.inuse_bytes) {
                return a.values.inuse_bytes > b.values.inuse_bytes;
              }
              if (a.values.alloc_bytes != b.values.alloc_bytes) {
                return a.values.alloc_bytes > b.values.alloc_bytes;
              }
              return StackPath(a) < StackPath(b);
            });
  profile.mappings = Mappings();
  return profile;
}

}  // namespace allocprof
