#include "userspace/outputs/pprof/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace allocprof {
namespace {

// zlib's windowBits: 15 is the largest window; +16 writes a gzip header
// instead of a zlib one, +32 reads either header.
constexpr int kGzipWindow = 15 + 16;
constexpr int kAutoHeaderWindow = 15 + 32;
constexpr size_t kChunk = 64 * 1024;

std::string ZlibMessage(const z_stream& stream, int code) {
  return stream.msg != nullptr ? stream.msg : absl::StrCat("zlib error ", code);
}

struct DeflateEnd {
  void operator()(z_stream* s) const { deflateEnd(s); }
};
struct InflateEnd {
  void operator()(z_stream* s) const { inflateEnd(s); }
};

}  // namespace

bool LooksGzipped(absl::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

absl::StatusOr<std::string> GzipCompress(absl::string_view data) {
  z_stream stream = {};
  int code = deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                          kGzipWindow, 8, Z_DEFAULT_STRATEGY);
  if (code != Z_OK) {
    return absl::InternalError(
        absl::StrCat("cannot start gzip compression: ", ZlibMessage(stream, code)));
  }
  std::unique_ptr<z_stream, DeflateEnd> owner(&stream);

  std::string out;
  // avail_in is 32 bits wide: feed larger inputs in slices.
  size_t fed = 0;
  do {
    size_t slice = std::min<size_t>(data.size() - fed, UINT_MAX);
    stream.next_in =
        reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
    stream.avail_in = static_cast<uInt>(slice);
    fed += slice;
    int flush = fed == data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      size_t used = out.size();
      out.resize(used + kChunk);
      stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      stream.avail_out = kChunk;
      code = deflate(&stream, flush);
      out.resize(used + kChunk - stream.avail_out);
      if (code == Z_STREAM_ERROR) {
        return absl::InternalError(
            absl::StrCat("gzip compression failed: ", ZlibMessage(stream, code)));
      }
    } while (stream.avail_out == 0);
  } while (fed < data.size());
  if (code != Z_STREAM_END) {
    return absl::InternalError("gzip compression did not finish");
  }
  return out;
}

absl::StatusOr<std::string> GzipDecompress(absl::string_view data,
                                           size_t max_size) {
  z_stream stream = {};
  int code = inflateInit2(&stream, kAutoHeaderWindow);
  if (code != Z_OK) {
    return absl::InternalError(absl::StrCat("cannot start gzip decompression: ",
                                            ZlibMessage(stream, code)));
  }
  std::unique_ptr<z_stream, InflateEnd> owner(&stream);

  std::string out;
  size_t fed = 0;
  stream.avail_in = 0;
  bool ended = false;
  while (true) {
    if (stream.avail_in == 0 && fed < data.size()) {
      size_t slice = std::min<size_t>(data.size() - fed, UINT_MAX);
      stream.next_in =
          reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      stream.avail_in = static_cast<uInt>(slice);
      fed += slice;
    }
    size_t used = out.size();
    out.resize(used + kChunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    stream.avail_out = kChunk;
    code = inflate(&stream, Z_NO_FLUSH);
    out.resize(used + kChunk - stream.avail_out);
    if (out.size() > max_size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "gzip data inflates to more than ", max_size, " bytes"));
    }
    if (code == Z_STREAM_END) {
      ended = true;
      // gzip(1) writes several members when files are concatenated; the
      // content is all of them in order.
      if (stream.avail_in == 0 && fed == data.size()) break;
      if (inflateReset(&stream) != Z_OK) {
        return absl::InternalError("cannot restart gzip decompression");
      }
      ended = false;
      continue;
    }
    if (code == Z_BUF_ERROR && stream.avail_in == 0 && fed == data.size()) {
      break;  // input exhausted before the end of the member
    }
    if (code != Z_OK && code != Z_BUF_ERROR) {
      return absl::InvalidArgumentError(
          absl::StrCat("corrupt gzip data: ", ZlibMessage(stream, code)));
    }
  }
  if (!ended) {
    return absl::InvalidArgumentError(
        "truncated gzip data: the file ends inside the compressed stream");
  }
  return out;
}

}  // namespace allocprof
