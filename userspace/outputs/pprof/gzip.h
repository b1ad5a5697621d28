// gzip compression for pprof files: pprof requires the serialized profile
// gzipped on disk, and readers of other tools' files must undo it.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_PPROF_GZIP_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_PPROF_GZIP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace allocprof {

// `data` as one gzip member (RFC 1952), what gzip(1) and Go's
// compress/gzip read.
absl::StatusOr<std::string> GzipCompress(absl::string_view data);

// True when `data` starts with the gzip magic bytes.
bool LooksGzipped(absl::string_view data);

// The concatenated contents of every gzip member in `data`. Fails on
// truncated or corrupt input, and on output over `max_size` bytes (a
// guard against a small file that inflates without end).
absl::StatusOr<std::string> GzipDecompress(absl::string_view data,
                                           size_t max_size = size_t{1} << 30);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_PPROF_GZIP_H_
