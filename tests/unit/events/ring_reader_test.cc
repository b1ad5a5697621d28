#include "userspace/events/ring_reader.h"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace allocprof {
namespace {

struct Seen {
  std::vector<ap_event> events;
  std::vector<size_t> words;
};

RingReader::Handler Recorder(Seen* seen, bool pause = false) {
  return [seen, pause](const ap_event& e, absl::Span<const uint64_t> words) {
    seen->events.push_back(e);
    seen->words.push_back(words.size());
    return pause;
  };
}

TEST(RingReaderDispatch, RecordsAreToldApartByTheirType) {
  Seen seen;
  bool pause = true;
  ap_syscall_event mmap{};
  mmap.event.type = AP_EV_MMAP;
  mmap.event.addr = 0x7000;
  mmap.stack[3] = 0x401234;
  ASSERT_TRUE(RingReader::Dispatch(&mmap, sizeof(mmap), Recorder(&seen), &pause));
  EXPECT_FALSE(pause);
  ap_event alloc{};
  alloc.type = AP_EV_ALLOC;
  alloc.size = 64;
  ASSERT_TRUE(RingReader::Dispatch(&alloc, sizeof(alloc), Recorder(&seen), &pause));
  ASSERT_EQ(seen.events.size(), 2u);
  EXPECT_EQ(seen.events[0].addr, 0x7000u);
  EXPECT_EQ(seen.words[0], static_cast<size_t>(AP_SYSCALL_STACK_WORDS));
  EXPECT_EQ(seen.events[1].size, 64u);
  EXPECT_EQ(seen.words[1], 0u);
}

TEST(RingReaderDispatch, ShortOrUnknownRecordsAreRefused) {
  Seen seen;
  bool pause = false;
  // An mmap record the size of a plain one: its stack words are missing.
  ap_event short_mmap{};
  short_mmap.type = AP_EV_MMAP;
  EXPECT_FALSE(RingReader::Dispatch(&short_mmap, sizeof(short_mmap), Recorder(&seen), &pause));
  ap_event unknown{};
  unknown.type = 999;
  EXPECT_FALSE(RingReader::Dispatch(&unknown, sizeof(unknown), Recorder(&seen), &pause));
  const uint8_t two_bytes[2] = {1, 0};
  EXPECT_FALSE(RingReader::Dispatch(two_bytes, sizeof(two_bytes), Recorder(&seen), &pause));
  ap_event free_record{};
  free_record.type = AP_EV_FREE;
  EXPECT_FALSE(
      RingReader::Dispatch(&free_record, sizeof(free_record) - 8, Recorder(&seen), &pause));
  EXPECT_TRUE(seen.events.empty());
}

TEST(RingReaderDispatch, TheHandlerCanPause) {
  Seen seen;
  bool pause = false;
  ap_event exec{};
  exec.type = AP_EV_EXEC;
  ASSERT_TRUE(RingReader::Dispatch(&exec, sizeof(exec), Recorder(&seen, true), &pause));
  EXPECT_TRUE(pause);
}

TEST(RingReaderDispatch, EveryTypeHasItsRecord) {
  for (uint32_t type = AP_EV_ALLOC; type <= AP_EV_LAST; ++type) {
    EXPECT_NE(RingReader::RecordSize(type), 0u) << "type " << type;
  }
  EXPECT_EQ(RingReader::RecordSize(0), 0u);
}

}  // namespace
}  // namespace allocprof
