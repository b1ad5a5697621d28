#include "userspace/symbols/frame.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace allocprof {

std::string Frame::DisplayName() const {
  if (!function.empty()) return function;
  if (!module.empty()) {
    absl::string_view base = module;
    size_t slash = base.rfind('/');
    if (slash != absl::string_view::npos && slash + 1 < base.size()) {
      base.remove_prefix(slash + 1);
    }
    return absl::StrCat(base, "+0x", absl::Hex(offset));
  }
  return absl::StrCat("0x", absl::Hex(addr));
}

}  // namespace allocprof
