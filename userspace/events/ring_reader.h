// Reads records from the BPF ring buffer and hands each to a callback as
// its type's struct, in the order the kernel committed them.
#ifndef ALLOCPROF_USERSPACE_EVENTS_RING_READER_H_
#define ALLOCPROF_USERSPACE_EVENTS_RING_READER_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "userspace/events/record.h"

struct ring_buffer;

namespace allocprof {

class RingReader {
 public:
  // Returns true to pause the reading after this record (see Drain).
  using Handler = std::function<bool(const Record&)>;

  static absl::StatusOr<std::unique_ptr<RingReader>> Open(int ring_buffer_fd,
                                                          Handler handler);
  // A reader with no ring buffer: records reach it through Take only (the
  // unit tests; no BPF). Drain and epoll_fd are not for it.
  static std::unique_ptr<RingReader> WithoutRing(Handler handler);

  // The size of the struct BPF sends a type in (AP_EV_* in bpf/events.h);
  // 0 for a type unknown.
  static size_t RecordSize(uint32_t type);
  // Hands `data` to `handler` as its type's struct, told apart by the type
  // its header starts with; nothing past that struct is read. False for a
  // record shorter than its type's struct or of an unknown type; true, and
  // *pause as the handler asks, otherwise.
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

  // Hands one record to the handler as Drain does each: a record Dispatch
  // refuses is counted in malformed(), unread. True when the handler asked
  // for a pause.
  bool Take(const void* data, size_t size);

  // Records shorter than their type's struct, or of a type this build does
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
