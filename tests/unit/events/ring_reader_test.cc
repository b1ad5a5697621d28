#include "userspace/events/ring_reader.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/events/test_records.h"

namespace allocprof {
namespace {

RingReader::Handler Recorder(std::vector<Record>* seen, bool pause = false) {
  return [seen, pause](const Record& record) {
    seen->push_back(record);
    return pause;
  };
}

TEST(RingReaderDispatch, RecordsAreToldApartByTheirType) {
  std::vector<Record> seen;
  bool pause = true;
  ap_mmap_record mmap = MmapRecord(0x7000, 4096, 3);
  mmap.stack.words[3] = 0x401234;
  ASSERT_TRUE(RingReader::Dispatch(&mmap, sizeof(mmap), Recorder(&seen), &pause));
  EXPECT_FALSE(pause);
  const ap_alloc_record alloc = AllocRecord(0x1000, 64);
  ASSERT_TRUE(RingReader::Dispatch(&alloc, sizeof(alloc), Recorder(&seen), &pause));
  const ap_realloc_record realloc = ReallocRecord(0x1000, 0x2000, 128);
  ASSERT_TRUE(RingReader::Dispatch(&realloc, sizeof(realloc), Recorder(&seen), &pause));
  ASSERT_EQ(seen.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<ap_mmap_record>(seen[0]));
  EXPECT_EQ(std::get<ap_mmap_record>(seen[0]).addr, 0x7000u);
  EXPECT_EQ(std::get<ap_mmap_record>(seen[0]).stack.words[3], 0x401234u)
      << "a syscall record comes with its stack words";
  ASSERT_TRUE(std::holds_alternative<ap_alloc_record>(seen[1]));
  EXPECT_EQ(std::get<ap_alloc_record>(seen[1]).size, 64u);
  ASSERT_TRUE(std::holds_alternative<ap_realloc_record>(seen[2]));
  EXPECT_EQ(std::get<ap_realloc_record>(seen[2]).old_block, 0x1000u);
  EXPECT_EQ(std::get<ap_realloc_record>(seen[2]).alloc.block, 0x2000u);
}

TEST(RingReaderDispatch, ShortOrUnknownRecordsAreRefused) {
  std::vector<Record> seen;
  bool pause = false;
  // An mmap record without its stack words.
  const ap_mmap_record short_mmap = MmapRecord(0x7000, 4096, 3);
  EXPECT_FALSE(RingReader::Dispatch(&short_mmap, sizeof(short_mmap) - sizeof(ap_syscall_stack),
                                    Recorder(&seen), &pause));
  ap_alloc_record unknown = AllocRecord(0x1000, 64);
  unknown.hdr.type = 999;
  EXPECT_FALSE(RingReader::Dispatch(&unknown, sizeof(unknown), Recorder(&seen), &pause));
  const uint8_t one_byte[1] = {AP_EV_EXEC};
  EXPECT_FALSE(RingReader::Dispatch(one_byte, sizeof(one_byte), Recorder(&seen), &pause));
  const uint8_t two_bytes[2] = {AP_EV_ALLOC, 0};
  EXPECT_FALSE(RingReader::Dispatch(two_bytes, sizeof(two_bytes), Recorder(&seen), &pause));
  const ap_free_record free_record = FreeRecord(0x1000);
  EXPECT_FALSE(
      RingReader::Dispatch(&free_record, sizeof(free_record) - 8, Recorder(&seen), &pause));
  EXPECT_TRUE(seen.empty());
}

TEST(RingReaderDispatch, TheHandlerCanPause) {
  std::vector<Record> seen;
  bool pause = false;
  const ap_exec_record exec = ExecRecord();
  ASSERT_TRUE(RingReader::Dispatch(&exec, sizeof(exec), Recorder(&seen, true), &pause));
  EXPECT_TRUE(pause);
}

TEST(RingReaderDispatch, EveryTypeHasItsRecord) {
  for (uint32_t type = AP_EV_ALLOC; type <= AP_EV_LAST; ++type) {
    EXPECT_NE(RingReader::RecordSize(type), 0u) << "type " << type;
  }
  EXPECT_EQ(RingReader::RecordSize(0), 0u);
  EXPECT_EQ(RingReader::RecordSize(AP_EV_LAST + 1), 0u);
  // The heap records, the hot ones, are smaller than the 80 bytes of the
  // one record all types once shared; the others no larger than theirs.
  EXPECT_LE(RingReader::RecordSize(AP_EV_ALLOC), 80u);
  EXPECT_LE(RingReader::RecordSize(AP_EV_FREE), 80u);
  EXPECT_LE(RingReader::RecordSize(AP_EV_REALLOC), 80u);
  EXPECT_LE(RingReader::RecordSize(AP_EV_MREMAP), 336u);
}

// Every type's record as its struct comes out of the ring buffer: the type
// is read from the header, and the rest of the struct as it is.
TEST(RingReaderDispatch, EveryTypeArrivesAsItsStruct) {
  for (uint32_t type = AP_EV_ALLOC; type <= AP_EV_LAST; ++type) {
    const size_t size = RingReader::RecordSize(type);
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i);
    ap_record_header header = {};
    header.type = static_cast<uint16_t>(type);
    header.tid = 4242;
    std::memcpy(bytes.data(), &header, sizeof(header));
    std::vector<Record> seen;
    bool pause = true;
    ASSERT_TRUE(RingReader::Dispatch(bytes.data(), size, Recorder(&seen), &pause))
        << "type " << type;
    EXPECT_FALSE(pause);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(HeaderOf(seen[0]).type, type);
    EXPECT_EQ(HeaderOf(seen[0]).tid, 4242u);
    std::visit(
        [&](const auto& r) {
          ASSERT_EQ(sizeof(r), size) << "type " << type;
          EXPECT_EQ(std::memcmp(&r, bytes.data(), size), 0) << "type " << type;
        },
        seen[0]);
  }
}

// A record of each type that ends before its struct does (by a byte, or by
// the 8 bytes of the ring buffer's granularity) is counted as malformed,
// never handed on, and never read past its end: each sits at the end of an
// allocation of its own size, where a read past it is a heap overflow.
TEST(RingReaderTake, ShortRecordsOfEveryTypeAreCountedAsMalformed) {
  std::vector<Record> seen;
  std::unique_ptr<RingReader> reader = RingReader::WithoutRing(Recorder(&seen));
  uint64_t expected_malformed = 0;
  for (uint32_t type = AP_EV_ALLOC; type <= AP_EV_LAST; ++type) {
    const size_t size = RingReader::RecordSize(type);
    for (const size_t short_by : {size_t{1}, size_t{8}, size - sizeof(ap_record_header)}) {
      if (short_by == 0 || short_by > size) continue;
      const size_t length = size - short_by;
      auto bytes = std::make_unique<uint8_t[]>(length);
      ap_record_header header = {};
      header.type = static_cast<uint16_t>(type);
      std::memcpy(bytes.get(), &header, std::min(length, sizeof(header)));
      EXPECT_FALSE(reader->Take(bytes.get(), length)) << "type " << type << ", " << length << " B";
      ++expected_malformed;
      EXPECT_EQ(reader->malformed(), expected_malformed) << "type " << type << ", " << length
                                                         << " B";
    }
    // The whole struct is a record.
    std::vector<uint8_t> whole(size);
    ap_record_header header = {};
    header.type = static_cast<uint16_t>(type);
    std::memcpy(whole.data(), &header, sizeof(header));
    reader->Take(whole.data(), whole.size());
    EXPECT_EQ(reader->malformed(), expected_malformed) << "type " << type;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(AP_EV_LAST - AP_EV_ALLOC + 1))
      << "only the whole records reached the handler";
}

TEST(RingReaderTake, UnknownTypesAreCountedAsMalformed) {
  std::vector<Record> seen;
  std::unique_ptr<RingReader> reader = RingReader::WithoutRing(Recorder(&seen));
  ap_exec_record unknown = ExecRecord();
  unknown.hdr.type = 0;
  EXPECT_FALSE(reader->Take(&unknown, sizeof(unknown)));
  unknown.hdr.type = AP_EV_LAST + 1;
  EXPECT_FALSE(reader->Take(&unknown, sizeof(unknown)));
  EXPECT_EQ(reader->malformed(), 2u);
  EXPECT_TRUE(seen.empty());
}

TEST(RingReaderTake, AskedPausesAreReturned) {
  std::vector<Record> seen;
  std::unique_ptr<RingReader> reader = RingReader::WithoutRing(Recorder(&seen, true));
  const ap_exec_record exec = ExecRecord();
  EXPECT_TRUE(reader->Take(&exec, sizeof(exec)));
  EXPECT_EQ(reader->malformed(), 0u);
}

}  // namespace
}  // namespace allocprof
