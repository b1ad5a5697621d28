#include "userspace/events/ring_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace allocprof {

absl::StatusOr<std::unique_ptr<RingReader>> RingReader::Open(int ring_buffer_fd,
                                                             Handler handler) {
  std::unique_ptr<RingReader> reader(new RingReader(std::move(handler)));
  reader->ring_ = ring_buffer__new(ring_buffer_fd, &RingReader::OnRecord,
                                   reader.get(), nullptr);
  if (reader->ring_ == nullptr) {
    return absl::ErrnoToStatus(errno, "cannot open the BPF ring buffer");
  }
  return reader;
}

std::unique_ptr<RingReader> RingReader::WithoutRing(Handler handler) {
  return std::unique_ptr<RingReader>(new RingReader(std::move(handler)));
}

RingReader::~RingReader() {
  if (ring_ != nullptr) ring_buffer__free(ring_);
}

namespace {

template <typename T>
struct StructOf {
  using type = T;
};

// Calls `f` with StructOf<the struct BPF sends `type` in>; nothing for a
// type unknown. The one place that pairs types with their structs.
template <typename F>
void ForType(uint32_t type, F&& f) {
  switch (type) {
    case AP_EV_ALLOC:
      f(StructOf<ap_alloc_record>{});
      return;
    case AP_EV_FREE:
      f(StructOf<ap_free_record>{});
      return;
    case AP_EV_REALLOC:
      f(StructOf<ap_realloc_record>{});
      return;
    case AP_EV_MMAP:
      f(StructOf<ap_mmap_record>{});
      return;
    case AP_EV_MUNMAP:
      f(StructOf<ap_munmap_record>{});
      return;
    case AP_EV_MREMAP:
      f(StructOf<ap_mremap_record>{});
      return;
    case AP_EV_MPROTECT:
      f(StructOf<ap_mprotect_record>{});
      return;
    case AP_EV_BRK:
      f(StructOf<ap_brk_record>{});
      return;
    case AP_EV_PAGE_FAULT:
      f(StructOf<ap_page_fault_record>{});
      return;
    case AP_EV_MADVISE:
      f(StructOf<ap_madvise_record>{});
      return;
    case AP_EV_JIT_CODE:
      f(StructOf<ap_jit_code_record>{});
      return;
    case AP_EV_EXEC:
      f(StructOf<ap_exec_record>{});
      return;
    default:
      return;
  }
}

}  // namespace

size_t RingReader::RecordSize(uint32_t type) {
  size_t size = 0;
  ForType(type, [&size](auto of) { size = sizeof(typename decltype(of)::type); });
  return size;
}

bool RingReader::Dispatch(const void* data, size_t size, const Handler& handler, bool* pause) {
  decltype(ap_record_header::type) type = 0;
  if (size < sizeof(type)) return false;
  std::memcpy(&type, data, sizeof(type));
  bool delivered = false;
  ForType(type, [&](auto of) {
    using T = typename decltype(of)::type;
    if (size < sizeof(T)) return;
    // Copied out: ring buffer records are only 8-byte aligned by position.
    Record record(std::in_place_type<T>);
    std::memcpy(&std::get<T>(record), data, sizeof(T));
    *pause = handler(record);
    delivered = true;
  });
  return delivered;
}

bool RingReader::Take(const void* data, size_t size) {
  bool pause = false;
  if (!Dispatch(data, size, handler_, &pause)) {
    ++malformed_;
    return false;
  }
  return pause;
}

int RingReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  self->paused_ = self->Take(data, size);
  // A negative return has libbpf keep this record consumed and stop.
  return self->paused_ ? -EINTR : 0;
}

int RingReader::epoll_fd() const { return ring_buffer__epoll_fd(ring_); }

absl::StatusOr<bool> RingReader::Drain() {
  paused_ = false;
  const int n = ring_buffer__consume(ring_);
  if (paused_) return true;
  if (n < 0) return absl::ErrnoToStatus(-n, "reading the BPF ring buffer");
  return false;
}

}  // namespace allocprof
