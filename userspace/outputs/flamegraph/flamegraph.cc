#include "userspace/outputs/flamegraph/flamegraph.h"

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "userspace/outputs/flamegraph/flame_data.h"
#include "userspace/outputs/flamegraph/flame_focus.h"
#include "userspace/outputs/flamegraph/flame_heading.h"
#include "userspace/outputs/flamegraph/flame_tree.h"
#include "userspace/outputs/flamegraph/page_files.h"  // generated from page/
#include "userspace/outputs/flamegraph/page_text.h"
#include "userspace/outputs/replace_file.h"

namespace allocprof {
namespace {

// Debian's Abseil has its own string_view, not std::string_view.
absl::string_view View(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// The page files with the title, data and scripts filled in. The markers
// are comments in the page files, so that those stay valid HTML, SVG and
// JavaScript to edit; the replacement text is not searched again, so a
// frame name that happens to spell a marker stays a name.
std::string Page(FlameGraphFormat format, const FlameHeading& heading,
                 const std::string& data) {
  const bool html = format == FlameGraphFormat::kHtml;
  const std::string title = MarkupText(heading.title);
  const std::vector<std::pair<absl::string_view, absl::string_view>> fills = {
      {"<!--@TITLE@-->", title},
      {"/*@DATA@*/", data},
      {"/*@MODEL_JS@*/", View(flamegraph_page::kModelJs)},
      {"/*@VIEW_JS@*/",
       View(html ? flamegraph_page::kViewCanvasJs : flamegraph_page::kViewSvgJs)}};
  return absl::StrReplaceAll(
      View(html ? flamegraph_page::kFlamegraphHtml : flamegraph_page::kFlamegraphSvg),
      fills);
}

absl::Status WritePage(std::ostream& out, FlameGraphFormat format,
                       const FlameTree& tree, const FlameHeading& heading) {
  out << Page(format, heading, FlameGraphData(tree, heading));
  out.flush();
  if (!out) return absl::DataLossError("the output stream failed");
  return absl::OkStatus();
}

// Runs `write` into the file at `path`, naming the file in any error.
template <typename Write>
absl::Status WriteFile(const std::string& path, Write write) {
  absl::StatusOr<FlameGraphFormat> format = FlameGraphFormatOf(path);
  if (!format.ok()) return format.status();
  std::ostringstream out;
  absl::Status status = write(out, *format);
  if (!status.ok()) return status;
  return ReplaceFile("flame graph", path, out.str());
}

}  // namespace

absl::StatusOr<FlameGraphFormat> FlameGraphFormatOf(const std::string& path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  std::string extension;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    extension = absl::AsciiStrToLower(path.substr(dot));
  }
  if (extension == ".html" || extension == ".htm") return FlameGraphFormat::kHtml;
  if (extension == ".svg") return FlameGraphFormat::kSvg;
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot write flame graph to ", path, ": ",
      extension.empty() ? "the file name has no extension"
                        : absl::StrCat("unknown extension \"", extension, "\""),
      "; use .html, .htm or .svg"));
}

absl::Status WriteFlameGraph(std::ostream& out, FlameGraphFormat format,
                             const Profile& profile,
                             const FlameGraphOptions& options) {
  FlameHeading heading = HeadingOf(profile, options.weight, options.title);
  heading.focus = DefaultFocus(profile, options.weight);
  return WritePage(out, format, BuildFlameTree(profile, options.weight, options.inverted),
                   heading);
}

absl::Status WriteDiffFlameGraph(std::ostream& out, FlameGraphFormat format,
                                 const Profile& base, const Profile& now,
                                 const FlameGraphOptions& options) {
  return WritePage(
      out, format, BuildDiffFlameTree(base, now, options.weight, options.inverted),
      DiffHeadingOf(base, now, options.weight, options.title));
}

absl::Status WriteFlameGraphFile(const std::string& path, const Profile& profile,
                                 const FlameGraphOptions& options) {
  return WriteFile(path, [&](std::ostream& out, FlameGraphFormat format) {
    return WriteFlameGraph(out, format, profile, options);
  });
}

absl::Status WriteDiffFlameGraphFile(const std::string& path, const Profile& base,
                                     const Profile& now,
                                     const FlameGraphOptions& options) {
  return WriteFile(path, [&](std::ostream& out, FlameGraphFormat format) {
    return WriteDiffFlameGraph(out, format, base, now, options);
  });
}

}  // namespace allocprof
