#include "userspace/java/java_target.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bpf/events.h"
#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"
#include "userspace/java/jvm_attach.h"

namespace allocprof {
namespace {

// Writing the map of a large code cache takes the JVM a few hundred ms.
constexpr absl::Duration kJcmdTimeout = absl::Seconds(10);
// A compiled frame holds at least the return address and the saved rbp.
constexpr uint32_t kMinCompiledFrame = 16;
// The last release known to write the classic CompressedReadStream.
constexpr int32_t kLastClassicEncodingJdk = 19;

}  // namespace

const Module* LibjvmOf(const ModuleMap& modules) {
  for (const Module& m : modules.modules()) {
    if (absl::EndsWith(m.path, "/libjvm.so")) return &m;
  }
  return nullptr;
}

absl::Status JavaTarget::WritePerfMap() {
  absl::StatusOr<std::string> out =
      RunJcmd(process_, pidfd_, "Compiler.perfmap", kJcmdTimeout);
  if (!out.ok()) {
    last_error_ = out.status();
    return last_error_;
  }
  // The command reports a map it could not write in its output, not its
  // result code.
  if (absl::StrContains(*out, "Failed") || absl::StrContains(*out, "rror")) {
    last_error_ = absl::FailedPreconditionError(*out);
    return last_error_;
  }
  ++written_;
  last_error_ = absl::OkStatus();
  return absl::OkStatus();
}

void JavaTarget::ReadPerfMap() {
  if (written_ == 0 || !last_error_.ok()) return;
  absl::StatusOr<int> ns_pid = process_.NamespacePid();
  // The target's /tmp is its own to fill: a FIFO, a symlink or a huge file
  // at this name is refused, and reads as no map at all.
  absl::StatusOr<std::string> text = ReadTargetFile(
      process_.RootPath(
          absl::StrCat("/tmp/perf-", ns_pid.ok() ? *ns_pid : process_.pid(), ".map")),
      kMaxPerfMapBytes);
  code_.clear();
  if (!text.ok()) return;
  for (const JitCode& c : JitCodeOf(ParsePerfMap(*text))) code_[c.start] = c;
}

void JavaTarget::AddCompiledCode(uint64_t start, uint64_t size) {
  if (size == 0) return;
  // What was there before has been freed: the JVM reuses its code cache.
  auto it = code_.lower_bound(start);
  if (it != code_.begin() && std::prev(it)->second.start + std::prev(it)->second.size > start) {
    --it;
  }
  while (it != code_.end() && it->first < start + size) {
    frame_sizes_.erase(std::make_pair(it->second.start, it->second.size));
    it = code_.erase(it);
  }
  code_[start] = {start, size, JitCode::Kind::kCompiledMethod};
}

JitRows JavaTarget::CompiledFrameRows() {
  if (code_.empty()) return {};
  RecordedFrameSize recorded;
  if (code_cache_) {
    recorded = [this](const JitCode& code) -> std::optional<uint32_t> {
      // Rows are made again for every method the JVM installs: each
      // piece's code cache is read once.
      auto [known, inserted] = frame_sizes_.try_emplace(std::make_pair(code.start, code.size));
      if (!inserted) return known->second;
      std::optional<CodeBlob> blob = code_cache_->BlobAt(code.start);
      // A compiled method's code must be an nmethod's, or the map named
      // code since freed; stubs without a frame of their own record 0.
      if (blob && blob->code_begin == code.start && blob->frame_size >= kMinCompiledFrame &&
          (code.kind != JitCode::Kind::kCompiledMethod || blob->is_nmethod)) {
        known->second = blob->frame_size;
      }
      return known->second;
    };
  }
  std::vector<JitCode> code;
  code.reserve(code_.size());
  for (const auto& [start, c] : code_) code.push_back(c);
  return BuildJitRows(memory_, std::move(code), recorded, interpreter_layout_.ok());
}

void JavaTarget::ReadJvmLayout(const ModuleMap& modules) {
  if (methods_ && code_cache_) return;
  absl::StatusOr<VmStructs> structs = absl::NotFoundError("no libjvm.so mapped");
  if (const Module* jvm = LibjvmOf(modules)) {
    const std::string path = modules.ElfPath(*jvm);
    absl::StatusOr<uint64_t> bias = LoadBias(path, jvm->start, jvm->file_offset);
    structs = bias.ok() ? VmStructs::Read(memory_, path, *bias) : bias.status();
  }
  if (!structs.ok()) {
    if (!methods_) methods_error_ = structs.status();
    if (!code_cache_) scopes_error_ = structs.status();
    return;
  }
  const std::optional<int32_t> sender_sp =
      structs->IntConstant("frame::interpreter_frame_sender_sp_offset");
  const std::optional<int32_t> last_sp =
      structs->IntConstant("frame::interpreter_frame_last_sp_offset");
  if (sender_sp && last_sp && !IsKnownInterpreterLayout(*sender_sp, *last_sp)) {
    interpreter_layout_ = absl::UnimplementedError(absl::StrCat(
        "this JVM lays its interpreter's frames out otherwise: sender sp at ", *sender_sp,
        ", last sp at ", *last_sp, " words from rbp"));
  }
  if (!methods_) {
    if (auto layout = JavaMethodNames::Layout::From(*structs); layout.ok()) {
      methods_ = std::make_unique<JavaMethodNames>(memory_, *layout);
      methods_error_ = absl::OkStatus();
      // JDK 8 to 19 wrote their line number tables in the classic
      // encoding; a later release's is known once its scopes decode.
      const std::optional<uint64_t> major_address =
          structs->StaticAddress("Abstract_VM_Version", "_vm_major_version");
      const std::optional<int32_t> major =
          major_address ? memory_.Read<int32_t>(*major_address) : std::nullopt;
      if (major && *major <= kLastClassicEncodingJdk) {
        methods_->set_line_encoding(IntEncoding::kClassic);
      }
    } else {
      methods_error_ = layout.status();
    }
  }
  if (code_cache_) return;
  auto layout = CodeCacheLayout::From(*structs);
  absl::StatusOr<CodeCache> cache =
      layout.ok() ? CodeCache::Read(memory_, *layout) : layout.status();
  if (!cache.ok()) {
    scopes_error_ = cache.status();
    return;
  }
  code_cache_ = *std::move(cache);
  scopes_error_ = absl::OkStatus();
}

bool JavaTarget::DescribeInterpreted(uint64_t frame_value, Frame* frame) {
  const uint64_t method = frame_value & AP_FRAME_JAVA_METHOD_MASK;
  std::optional<std::string> name = methods_ ? methods_->Name(method) : std::nullopt;
  if (!name) return false;
  frame->function = absl::StrCat(*name, " [interpreted]");
  if (frame_value & AP_FRAME_JAVA_HAS_BCP) {
    const auto bcp_low16 = static_cast<uint16_t>(frame_value >> AP_FRAME_JAVA_BCP_SHIFT);
    if (std::optional<int> bci = methods_->BciOf(method, bcp_low16)) {
      frame->source = methods_->Line(method, *bci);
    }
  }
  return true;
}

bool JavaTarget::DescribeCompiled(Frame* frame) {
  if (!code_cache_) return false;
  std::optional<CodeBlob> blob = code_cache_->BlobAt(frame->addr);
  if (!blob) return false;
  // A perf map may be older than the code now at the address; without a
  // perf-map entry the code cache alone tells what the code is.
  const bool from_perf_map = !frame->function.empty();
  if (from_perf_map && blob->code_begin != frame->addr - frame->offset) return false;
  if (!blob->is_nmethod) {
    // A stub: the JVM names it as its perf map does.
    if (from_perf_map || blob->name.empty()) return from_perf_map;
    frame->function = blob->name;
  } else if (!NameCompiledMethod(*blob, frame)) {
    return false;
  }
  frame->offset = frame->addr - blob->code_begin;
  return true;
}

std::vector<JavaScope> JavaTarget::Scopes(const CodeBlob& blob, uint64_t addr) {
  // A native method's wrapper inlines nothing and records no scopes.
  if (!scopes_error_.ok() || blob.is_native) return {};
  // Symbolizers pass a return address - 1: the call's last byte.
  if (scope_encoding_) return code_cache_->ScopesAt(blob, addr + 1, *scope_encoding_);
  // The first chain that decodes to one of the nmethod's tells the
  // encoding; one decoded in another does not end in its own method.
  ++undecoded_scopes_;
  for (ScopeEncoding encoding :
       {ScopeEncoding::kClassic, ScopeEncoding::kUnsigned5, ScopeEncoding::kSparse}) {
    std::vector<JavaScope> scopes = code_cache_->ScopesAt(blob, addr + 1, encoding);
    if (scopes.empty()) continue;
    scope_encoding_ = encoding;
    undecoded_scopes_ = 0;
    // Line number tables are in the CompressedReadStream of the same
    // release; the sparse encoding came after UNSIGNED5.
    if (methods_) {
      methods_->set_line_encoding(encoding == ScopeEncoding::kClassic ? IntEncoding::kClassic
                                                                      : IntEncoding::kUnsigned5);
    }
    return scopes;
  }
  return {};
}

bool JavaTarget::NameCompiledMethod(const CodeBlob& blob, Frame* frame) {
  if (!methods_) return false;
  std::vector<JavaScope> scopes = Scopes(blob, frame->addr);
  if (scopes.empty()) scopes.push_back({blob.method, -1});
  std::vector<std::string> names;
  for (const JavaScope& scope : scopes) {
    std::optional<std::string> name = methods_->Name(scope.method);
    if (!name) return false;
    names.push_back(*std::move(name));
  }
  frame->function = absl::StrCat(names.back(), blob.is_native ? " [native]" : " [compiled]");
  frame->source = methods_->Line(scopes.back().method, scopes.back().bci);
  frame->inlined.clear();
  for (size_t i = 0; i + 1 < scopes.size(); ++i) {
    frame->inlined.push_back({absl::StrCat(names[i], " [inlined]"),
                              methods_->Line(scopes[i].method, scopes[i].bci)});
  }
  return true;
}

std::vector<std::string> JavaTarget::Notes() const {
  std::vector<std::string> notes;
  if (!last_error_.ok()) {
    notes.push_back(absl::StrCat(
        "Java: compiled Java frames are not named (the JVM's perf map could not be ",
        written_ > 0 ? "written again" : "written", ": ", last_error_.message(), ")"));
  } else if (written_ > 0) {
    notes.push_back(
        "Java: compiled Java frames are named from the JVM's perf map, written through "
        "its attach listener (jcmd Compiler.perfmap, no restart)");
  }
  // One line per part: what it does, or what is missing and why.
  auto note = [&notes](const absl::Status& status, absl::string_view done,
                       absl::string_view missing) {
    notes.push_back(status.ok() ? absl::StrCat("Java: ", done)
                                : absl::StrCat("Java: ", missing, " (", status.message(), ")"));
  };
  note(methods_error_.ok() ? interpreter_layout_ : methods_error_,
       "interpreted frames are named from the Method* in their frame, read with the JVM's own "
       "VMStructs layout",
       "interpreted frames show as \"Interpreter\"");
  // Frames seen, none of whose scopes decoded: an encoding not known here.
  const absl::Status scopes =
      scopes_error_.ok() && undecoded_scopes_ > 0 && !scope_encoding_
          ? absl::UnimplementedError(absl::StrCat("the scope descriptors of ", undecoded_scopes_,
                                                  " compiled frames decode in no encoding "
                                                  "known here"))
          : scopes_error_;
  note(scopes,
       "compiled frames show the methods the JIT inlined into them, from their scope "
       "descriptors in the code cache",
       "methods the JIT inlined are not shown");
  // The JVM writes the segment map; a lookup it would send further back
  // than the bound is not followed (code_cache.h).
  if (code_cache_ && code_cache_->capped_lookups() > 0) {
    notes.push_back(absl::StrCat(
        "Java: ", code_cache_->capped_lookups(),
        " code cache lookups gave up at the bound on the segment map walk (", kMaxSegmapSegments,
        " segments, ", kMaxSegmapHops,
        " hops): a block larger than that, or a map no JVM writes; those frames are not named "
        "from the code cache"));
  }
  note(code_loads_,
       "compiled methods get unwind rows as the JVM installs them (its USDT probe "
       "hotspot:compiled__method__load)",
       "a method compiled less than 10 s before it allocated may have no unwind row yet, and "
       "its stacks end in [truncated] unless the JVM runs with -XX:+PreserveFramePointer");
  return notes;
}

}  // namespace allocprof
