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

int RingReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  if (size < sizeof(ap_event)) {
    ++self->malformed_;
    return 0;
  }
  // Copied out: ring buffer records are only 8-byte aligned by position.
  if (size >= sizeof(ap_syscall_event)) {
    ap_syscall_event record;
    std::memcpy(&record, data, sizeof(record));
    uint64_t words[AP_SYSCALL_STACK_WORDS];
    std::copy(std::begin(record.stack), std::end(record.stack), words);
    self->paused_ = self->handler_(record.event, words);
  } else {
    ap_event event;
    std::memcpy(&event, data, sizeof(event));
    self->paused_ = self->handler_(event, {});
  }
  ++self->handled_;
  // A negative return has libbpf keep this record consumed and stop.
  return self->paused_ ? -EINTR : 0;
}

int RingReader::epoll_fd() const { return ring_buffer__epoll_fd(ring_); }

absl::StatusOr<RingReader::Drained> RingReader::Drain() {
  handled_ = 0;
  paused_ = false;
  const int n = ring_buffer__consume(ring_);
  if (paused_) return Drained{handled_, true};
  if (n < 0) return absl::ErrnoToStatus(-n, "reading the BPF ring buffer");
  return Drained{handled_, false};
}

}  // namespace allocprof
