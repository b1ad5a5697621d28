#include "userspace/events/ring_reader.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <cstring>

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

RingReader::~RingReader() { ring_buffer__free(ring_); }

size_t RingReader::RecordSize(uint32_t type) {
  switch (type) {
    case AP_EV_MMAP:
    case AP_EV_MREMAP:
    case AP_EV_MPROTECT:
    case AP_EV_BRK:
    case AP_EV_PAGE_FAULT:
      return sizeof(ap_syscall_event);
    case AP_EV_ALLOC:
    case AP_EV_FREE:
    case AP_EV_REALLOC:
    case AP_EV_MUNMAP:
    case AP_EV_MADVISE:
    case AP_EV_JIT_CODE:
    case AP_EV_EXEC:
      return sizeof(ap_event);
    default:
      return 0;
  }
}

bool RingReader::Dispatch(const void* data, size_t size, const Handler& handler, bool* pause) {
  uint32_t type = 0;
  if (size < sizeof(type)) return false;
  std::memcpy(&type, data, sizeof(type));
  const size_t expected = RecordSize(type);
  if (expected == 0 || size < expected) return false;
  // Copied out: ring buffer records are only 8-byte aligned by position.
  if (expected == sizeof(ap_syscall_event)) {
    ap_syscall_event record;
    std::memcpy(&record, data, sizeof(record));
    uint64_t words[AP_SYSCALL_STACK_WORDS];
    std::copy(std::begin(record.stack), std::end(record.stack), words);
    *pause = handler(record.event, words);
  } else {
    ap_event event;
    std::memcpy(&event, data, sizeof(event));
    *pause = handler(event, {});
  }
  return true;
}

int RingReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  bool pause = false;
  if (!Dispatch(data, size, self->handler_, &pause)) {
    ++self->malformed_;
    return 0;
  }
  self->paused_ = pause;
  // A negative return has libbpf keep this record consumed and stop.
  return pause ? -EINTR : 0;
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
