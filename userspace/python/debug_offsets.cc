#include "userspace/python/debug_offsets.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bpf/events.h"

namespace allocprof {
namespace {

constexpr char kCookie[8] = {'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y'};
// Larger structures than any release has: 3.13's interpreter state is
// 190 KiB, its runtime 277 KiB, the rest below 1 KiB.
constexpr uint64_t kMaxStateSize = 16 << 20;
constexpr uint64_t kMaxObjectSize = 64 << 10;

// Where 3.13's _Py_DebugOffsets keeps each value (offsetof() over
// CPython 3.13.5's Include/internal/pycore_runtime.h, x86-64; every field
// is a uint64_t). Each structure's offsets follow its size.
enum Field : uint32_t {
  kVersion = 8,
  kFreeThreaded = 16,
  kRuntimeSize = 24,
  kRuntimeInterpretersHead = 40,
  kInterpSize = 48,
  kInterpThreadsHead = 72,
  kThreadSize = 152,
  kThreadNext = 168,
  kThreadInterp = 176,
  kThreadCurrentFrame = 184,
  kThreadNativeThreadId = 200,
  kFrameSize = 224,
  kFramePrevious = 232,
  kFrameExecutable = 240,
  kFrameInstrPtr = 248,
  kFrameOwner = 264,
  kCodeSize = 272,
  kCodeFilename = 280,
  kCodeName = 288,
  kCodeQualname = 296,
  kCodeLinetable = 304,
  kCodeFirstlineno = 312,
  kCodeAdaptive = 344,
  kObjectSize = 352,
  kObjectType = 360,
  kBytesSize = 512,
  kBytesObSize = 520,
  kBytesData = 528,
  kUnicodeSize = 536,
  kUnicodeState = 544,
  kUnicodeLength = 552,
  kUnicodeAsciiSize = 560,
};

uint64_t Word(absl::string_view runtime, uint32_t at) {
  uint64_t v = 0;
  std::memcpy(&v, runtime.data() + at, sizeof(v));
  return v;
}

// Reads the offsets of one structure, each checked to leave room for the
// field (`width` bytes) inside the structure's size.
class Reader {
 public:
  explicit Reader(absl::string_view runtime) : runtime_(runtime) {}

  // The structure whose size is at `size_field`, at most `max` bytes.
  void Struct(const char* name, uint32_t size_field, uint64_t max) {
    name_ = name;
    size_ = Word(runtime_, size_field);
    if (size_ == 0 || size_ > max) Fail(absl::StrCat("its ", name_, " size is ", size_));
  }
  uint32_t Offset(uint32_t field, const char* what, uint64_t width = 8) {
    const uint64_t offset = Word(runtime_, field);
    if (offset > size_ || width > size_ - offset) {
      Fail(absl::StrCat("its ", name_, ".", what, " is at ", offset, ", past the ", size_,
                        " bytes of the structure"));
      return 0;
    }
    return static_cast<uint32_t>(offset);
  }
  uint64_t size() const { return size_; }
  const absl::Status& status() const { return status_; }

 private:
  void Fail(std::string why) {
    if (status_.ok()) {
      status_ = absl::FailedPreconditionError(absl::StrCat("its _Py_DebugOffsets do not check "
                                                           "out: ", why));
    }
  }

  absl::string_view runtime_;
  const char* name_ = "";
  uint64_t size_ = 0;
  absl::Status status_;
};

}  // namespace

bool HasPythonDebugOffsets(absl::string_view runtime) {
  return runtime.size() >= sizeof(kCookie) &&
         std::memcmp(runtime.data(), kCookie, sizeof(kCookie)) == 0;
}

uint64_t PythonDebugOffsetsVersion(absl::string_view runtime) {
  return runtime.size() >= kVersion + 8 ? Word(runtime, kVersion) : 0;
}

absl::StatusOr<PythonLayout> PythonLayoutFromDebugOffsets(absl::string_view runtime,
                                                          uint64_t runtime_size) {
  if (!HasPythonDebugOffsets(runtime)) {
    return absl::FailedPreconditionError("its _PyRuntime does not start with _Py_DebugOffsets");
  }
  if (runtime.size() < kPythonDebugOffsetsSize) {
    return absl::FailedPreconditionError("its _Py_DebugOffsets cannot be read whole");
  }
  const uint64_t version = Word(runtime, kVersion);
  if ((version >> 16) != 0x030d) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its _Py_DebugOffsets are those of ", PythonVersionText(version),
        ", whose layout allocprof does not know (it reads 3.13's)"));
  }
  if (Word(runtime, kFreeThreaded) != 0) {
    return absl::FailedPreconditionError(
        "a free-threaded build, whose frames and objects are laid out otherwise");
  }
  PythonLayout l;
  l.minor = 13;
  l.shape = AP_PY_CSTACK_SHIMS;
  l.line_table = PythonLineTableFormat::kLocationTable;
  Reader r(runtime);
  r.Struct("runtime_state", kRuntimeSize, kMaxStateSize);
  l.runtime_size = r.size();
  l.runtime_interp_head = r.Offset(kRuntimeInterpretersHead, "interpreters_head");
  r.Struct("interpreter_state", kInterpSize, kMaxStateSize);
  l.interp_threads_head = r.Offset(kInterpThreadsHead, "threads_head");
  r.Struct("thread_state", kThreadSize, kMaxObjectSize);
  l.tstate_next = r.Offset(kThreadNext, "next");
  l.tstate_interp = r.Offset(kThreadInterp, "interp");
  l.tstate_frame = r.Offset(kThreadCurrentFrame, "current_frame");
  l.tstate_thread_id = r.Offset(kThreadNativeThreadId, "native_thread_id");
  r.Struct("interpreter_frame", kFrameSize, kMaxObjectSize);
  l.frame_previous = r.Offset(kFramePrevious, "previous");
  l.frame_code = r.Offset(kFrameExecutable, "executable");
  l.frame_instr = r.Offset(kFrameInstrPtr, "instr_ptr");
  l.frame_entry = r.Offset(kFrameOwner, "owner", 1);
  r.Struct("code_object", kCodeSize, kMaxObjectSize);
  l.code_filename = r.Offset(kCodeFilename, "filename");
  l.code_name = r.Offset(kCodeName, "name");
  l.code_qualname = r.Offset(kCodeQualname, "qualname");
  l.code_linetable = r.Offset(kCodeLinetable, "linetable");
  l.code_firstlineno = r.Offset(kCodeFirstlineno, "firstlineno", 4);
  // The instructions start inside the object and run past its end.
  l.code_adaptive = r.Offset(kCodeAdaptive, "co_code_adaptive", 0);
  r.Struct("pyobject", kObjectSize, kMaxObjectSize);
  l.object_type = r.Offset(kObjectType, "ob_type");
  r.Struct("bytes_object", kBytesSize, kMaxObjectSize);
  l.var_object_size = r.Offset(kBytesObSize, "ob_size");
  l.bytes_data = r.Offset(kBytesData, "ob_sval", 1);
  r.Struct("unicode_object", kUnicodeSize, kMaxObjectSize);
  l.unicode_state = r.Offset(kUnicodeState, "state", 4);
  l.unicode_length = r.Offset(kUnicodeLength, "length");
  l.unicode_ascii_data = r.Offset(kUnicodeAsciiSize, "asciiobject_size", 0);
  // A compact non-ASCII str's characters follow its PyCompactUnicodeObject:
  // the PyUnicodeObject that the table sizes less its data pointer.
  if (!r.status().ok()) return r.status();
  if (r.size() < l.unicode_ascii_data + 8 + 8) {
    return absl::FailedPreconditionError(
        "its _Py_DebugOffsets do not check out: a str object no larger than an ASCII one");
  }
  l.unicode_compact_data = static_cast<uint32_t>(r.size() - 8);
  if (l.runtime_size != runtime_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its _Py_DebugOffsets size _PyRuntime at ", l.runtime_size, " bytes where its symbol has ",
        runtime_size));
  }
  return l;
}

}  // namespace allocprof
