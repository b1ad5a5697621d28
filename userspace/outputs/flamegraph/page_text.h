// Text made safe for the page file. Frame names come from the traced
// program's symbols and paths, so they may hold anything: markup, quotes,
// "</script>", control characters, bytes that are not UTF-8.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_PAGE_TEXT_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_PAGE_TEXT_H_

#include <string>
#include <string_view>

namespace allocprof {

// Appends `text` as a quoted JSON string that is pure ASCII and safe inside
// an HTML <script> element and an XML CDATA section: '<', '>' and '&' are
// \u-escaped (so neither "</script" nor "]]>" can appear), as are control
// characters, everything beyond ASCII, and U+2028/U+2029. Bytes that are
// not UTF-8 become U+FFFD.
void AppendJsonString(std::string* out, std::string_view text);

// `text` as HTML or XML character data or attribute value: the five markup
// characters as entities, control characters (which XML forbids) as spaces,
// bytes that are not UTF-8 as U+FFFD.
std::string MarkupText(std::string_view text);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_PAGE_TEXT_H_
