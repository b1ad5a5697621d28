// Reads ap_event records from the BPF ring buffer and hands each to a
// callback, in the order the kernel committed them.
#ifndef ALLOCPROF_USERSPACE_EVENTS_RING_READER_H_
#define ALLOCPROF_USERSPACE_EVENTS_RING_READER_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "bpf/events.h"

struct ring_buffer;

namespace allocprof {

class RingReader {
 public:
  // `stack_words` is the user stack copied with an address-space syscall
  // record (ap_syscall_event), empty for the others. Returns true to pause
  // the reading after this record (see Drain).
  using Handler = std::function<bool(const ap_event&,
                                     absl::Span<const uint64_t> stack_words)>;

  static absl::StatusOr<std::unique_ptr<RingReader>> Open(int ring_buffer_fd,
                                                          Handler handler);

  // The size of the record BPF sends a type in (bpf/events.h): an
  // ap_syscall_event for the address-space syscalls and page faults (they
  // carry stack words), an ap_event for the others; 0 for a type unknown.
  static size_t RecordSize(uint32_t type);
  // Hands `data` to `handler` as its type's record, told apart by the type
  // it starts with. False for a record too short for its type or of an
  // unknown type; true, and *pause as the handler asks, otherwise.
  static bool Dispatch(const void* data, size_t size, const Handler& handler, bool* pause);
  ~RingReader();
  // It owns the libbpf ring buffer, which a copy would free twice.
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Readable when BPF woke us. BPF only wakes us once a batch is pending, so
  // the owner of the wait loop must also Drain() on a short timeout.
  int epoll_fd() const;
  // Handles every record pending now, without waiting. True when the
  // handler paused the reading: records may be left, for the next Drain
  // once the caller has done what the pause was for.
  absl::StatusOr<bool> Drain();

  // Records shorter than their type's record, or of a type this build does
  // not know (never expected; counted as lost, not trusted).
  uint64_t malformed() const { return malformed_; }

 private:
  explicit RingReader(Handler handler) : handler_(std::move(handler)) {}
  static int OnRecord(void* ctx, void* data, size_t size);

  Handler handler_;
  ring_buffer* ring_ = nullptr;
  bool paused_ = false;  // the handler asked for a pause
  uint64_t malformed_ = 0;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_EVENTS_RING_READER_H_
