#include "userspace/session/java_session.h"

#include <algorithm>
#include <ostream>

namespace allocprof {
namespace {

// A JVM still starting cannot answer yet; one that can is asked again.
constexpr absl::Duration kStartingRetry = absl::Seconds(1);
// Without the probe or the code cache, new methods get rows only from a
// new perf map.
constexpr absl::Duration kPerfMapEvery = absl::Seconds(10);
// How soon after one another the rows may be published: a JVM warming up
// installs hundreds of methods a second, and the rows of the publication
// before last are written over (UnwindTables::SetJitCode).
constexpr absl::Duration kRowsMinGap = absl::Milliseconds(20);
// How often -v tells of the rows.
constexpr absl::Duration kRowsLogEvery = absl::Seconds(5);

}  // namespace

void JavaSession::Notice() {
  if (java_ || !IsJvm(symbolizer_.modules()) || !Start()) return;
  Ask();
}

bool JavaSession::Start() {
  // Opened now that libjvm.so is mapped: a launcher that exec'd before
  // that would have left a descriptor opened earlier on its old image.
  absl::StatusOr<TargetMemory> memory = process_.OpenMemory();
  if (!memory.ok()) {
    if (log_.verbose()) {
      *log_.verbose() << "allocprof: Java target: " << memory.status().message() << "\n";
    }
    return false;
  }
  java_ = std::make_unique<JavaTarget>(process_, pidfd_, *std::move(memory));
  JavaTarget* java = java_.get();
  symbolizer_.set_java_frames(
      {[java](uint64_t value, Frame* frame) { return java->DescribeInterpreted(value, frame); },
       [java](Frame* frame) { return java->DescribeCompiled(frame); }});
  // The probe is in libjvm.so's file: it works before the JVM is up.
  const ModuleMap& modules = symbolizer_.modules();
  java->set_code_loads(
      probes_.AttachJavaCodeLoads(modules.process().RootPath(LibjvmOf(modules)->path)));
  if (std::ostream* verbose = log_.verbose()) {
    *verbose << "allocprof: Java target: "
          << (java->code_loads() ? "probing hotspot:compiled__method__load"
                                 : "no compiled-method probe")
          << "\n";
  }
  return true;
}

absl::Status JavaSession::WritePerfMap() {
  // A JVM found starting fills in its VMStructs later.
  java_->ReadJvmLayout(symbolizer_.modules());
  if (!code_cache_in_bpf_ && unwind_) {
    if (std::optional<ap_jvm_code_cache> cache = java_->BpfCodeCache()) {
      probes_.SetJvmCodeCache(*cache);
      code_cache_in_bpf_ = true;
    }
  }
  absl::Status written = java_->WritePerfMap();
  if (std::ostream* verbose = log_.verbose()) {
    *verbose << "allocprof: Java target: "
          << (written.ok() ? "the JVM wrote its perf map" : written.message()) << "\n";
  }
  return written;
}

void JavaSession::Ask() {
  const absl::Status written = WritePerfMap();
  if (written.ok()) {
    java_->ReadPerfMap();
    rows_stale_ = true;
    // With the probe or the code cache in BPF, new methods are walked
    // without a new map.
    next_ask_ = java_->code_loads() || code_cache_in_bpf_ ? absl::InfiniteFuture()
                                                         : absl::Now() + kPerfMapEvery;
  } else if (absl::IsUnavailable(written)) {
    next_ask_ = absl::Now() + kStartingRetry;
  } else {
    // It cannot write one (read-only /tmp, no attach mechanism): asking
    // again would only wait for it again.
    next_ask_ = absl::InfiniteFuture();
  }
  PublishRows();
}

void JavaSession::PublishRows() {
  if (!rows_stale_ || !unwind_ || absl::Now() < next_publish_) return;
  rows_stale_ = false;
  next_publish_ = absl::Now() + kRowsMinGap;
  const JitRows jit = java_->CompiledFrameRows();
  if (jit.methods == 0 || !unwind_->SetJitCode(jit.start, jit.end, jit.rows)) return;
  unwind_->Update(symbolizer_.modules(), log_);
  // A JVM warming up publishes many times a second.
  if (log_.verbose() && absl::Now() >= next_rows_log_) {
    next_rows_log_ = absl::Now() + kRowsLogEvery;
    *log_.verbose() << "allocprof: Java target: unwind rows for " << jit.methods << " compiled methods ("
          << jit.recorded << " with the frame size the JVM recorded) and " << jit.stub_frames
          << " stubs with a frame of their own\n";
  }
}

void JavaSession::Tick(std::vector<EventSink::JitCode> loads) {
  if (!java_) return;
  for (const EventSink::JitCode& c : loads) java_->AddCompiledCode(c.start, c.size);
  if (!loads.empty()) rows_stale_ = true;
  if (absl::Now() >= next_ask_) Ask();
  PublishRows();
}

absl::Duration JavaSession::UntilDue() const {
  if (!java_) return absl::InfiniteDuration();
  const absl::Time now = absl::Now();
  absl::Duration until = next_ask_ - now;
  if (rows_stale_) until = std::min(until, next_publish_ - now);
  return std::max(until, absl::ZeroDuration());
}

void JavaSession::Finish() {
  if (!java_) return;
  // Methods compiled during the session get their names now, unless the
  // code cache names them, or the JVM cannot write the map at all.
  if (java_->perf_map_possible() && !java_->names_from_code_cache()) {
    WritePerfMap().IgnoreError();
  }
}

std::vector<std::string> JavaSession::Notes() const {
  return java_ ? java_->Notes() : std::vector<std::string>{};
}

}  // namespace allocprof
