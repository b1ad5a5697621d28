#include "userspace/outputs/flamegraph/flamegraph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/unit/outputs/flamegraph/flame_test_util.h"

namespace allocprof {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDataStart[] = "id=\"flamegraph-data\">";

// A file path in a fresh directory that is removed with the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/flamegraph_test.XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The JSON between the data element's start and the end of its content.
nlohmann::json EmbeddedData(const std::string& page, const std::string& end) {
  size_t start = page.find(kDataStart);
  EXPECT_NE(start, std::string::npos);
  start += sizeof(kDataStart) - 1;
  if (page.compare(start, 9, "<![CDATA[") == 0) start += 9;
  size_t stop = page.find(end, start);
  return nlohmann::json::parse(page.substr(start, stop - start));
}

std::string Page(FlameGraphFormat format, const Profile& profile,
                 const FlameGraphOptions& options = {}) {
  std::ostringstream out;
  EXPECT_TRUE(WriteFlameGraph(out, format, profile, options).ok());
  return out.str();
}

Profile Hostile() {
  Profile p = ThreeLeaks();
  p.target = "PID 7 (<evil> & \"co\")";
  p.stacks.push_back(HeapStack({"malloc", "</script><script>window.pwned=1</script>",
                                "]]></script>", "main"}, 10, 1));
  p.losses = {{"events (<ring> buffer full)", 2}};
  return p;
}

// Nothing the page could fetch: no scheme-relative or absolute URL in a
// src or href, no CSS import or url(), no <link>, <img> or <iframe>.
void ExpectNoExternalReferences(const std::string& page) {
  std::regex fetch(R"((src|href)\s*=|@import|url\(|<link|<img|<iframe)",
                   std::regex::icase);
  EXPECT_FALSE(std::regex_search(page, fetch));
}

// The page opens on the program's own frame of the widest stack, or of the
// top leak suspect when there is one; on nothing when that stack has none.
TEST(WriteFlameGraph, OpensFocusedOnTheProgramsOwnFrame) {
  Profile p = ThreeLeaks();
  EXPECT_EQ(EmbeddedData(Page(FlameGraphFormat::kHtml, p), "</script>").at("focus"), "leak_big");
  // By objects, init's 5 blocks are the widest.
  FlameGraphOptions objects;
  objects.weight = Weight::kObjects;
  EXPECT_EQ(EmbeddedData(Page(FlameGraphFormat::kHtml, p, objects), "</script>").at("focus"),
            "init");
  // A steadily growing stack goes first, however narrow; its std::
  // template is passed over.
  ProfileStack growing = HeapStack({"malloc", "std::vector<int>::_M_default_append(unsigned long)",
                                    "remember(int)", "main"}, 40, 4);
  growing.evidence.growth = {10, 20, 30, 40};
  p.growth_seconds = {1, 2, 3, 4};
  p.stacks.push_back(growing);
  EXPECT_EQ(EmbeddedData(Page(FlameGraphFormat::kHtml, p), "</script>").at("focus"),
            "remember(int)");
  // Nothing of the program's own: no focus.
  Profile libc_only;
  libc_only.stacks = {HeapStack({"malloc", "_IO_file_doallocate"}, 100, 1)};
  libc_only.stacks[0].frames[1].module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  EXPECT_EQ(EmbeddedData(Page(FlameGraphFormat::kSvg, libc_only), "]]>").at("focus"), "");
}

TEST(FlameGraphFormatOf, ByExtensionInAnyCase) {
  EXPECT_EQ(*FlameGraphFormatOf("a.html"), FlameGraphFormat::kHtml);
  EXPECT_EQ(*FlameGraphFormatOf("/tmp/x.y/A.HTM"), FlameGraphFormat::kHtml);
  EXPECT_EQ(*FlameGraphFormatOf("leak.Svg"), FlameGraphFormat::kSvg);
}

TEST(FlameGraphFormatOf, AnythingElseNamesTheAcceptedExtensions) {
  for (const char* path : {"graph.png", "graph", "dir.html/graph", "graph.html.gz"}) {
    absl::StatusOr<FlameGraphFormat> format = FlameGraphFormatOf(path);
    ASSERT_FALSE(format.ok()) << path;
    EXPECT_EQ(format.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(format.status().message(), HasSubstr(path));
    EXPECT_THAT(format.status().message(), HasSubstr(".html, .htm or .svg"));
  }
  EXPECT_THAT(FlameGraphFormatOf("graph.png").status().message(),
              HasSubstr("unknown extension \".png\""));
}

TEST(WriteFlameGraphFile, WritesHtmlAndSvgByExtension) {
  TempDir dir;
  ASSERT_TRUE(WriteFlameGraphFile(dir.File("g.html"), ThreeLeaks(), {}).ok());
  ASSERT_TRUE(WriteFlameGraphFile(dir.File("g.svg"), ThreeLeaks(), {}).ok());
  std::string html = ReadFile(dir.File("g.html"));
  std::string svg = ReadFile(dir.File("g.svg"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(EmbeddedData(html, "</script>").at("title"), "In-use memory of PID 42 (app)");
  EXPECT_EQ(EmbeddedData(svg, "]]>").at("title"), "In-use memory of PID 42 (app)");
}

TEST(WriteFlameGraphFile, RefusesOtherExtensionsWithoutWriting) {
  TempDir dir;
  absl::Status status = WriteFlameGraphFile(dir.File("g.png"), ThreeLeaks(), {});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(access(dir.File("g.png").c_str(), F_OK), 0);
}

TEST(WriteFlameGraphFile, NamesTheFileWhenItCannotBeWritten) {
  absl::Status status =
      WriteFlameGraphFile("/nonexistent/dir/g.html", ThreeLeaks(), {});
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/dir/g.html"));
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));
}

TEST(WriteFlameGraph, FailsWhenTheStreamDoes) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  EXPECT_FALSE(WriteFlameGraph(out, FlameGraphFormat::kHtml, ThreeLeaks(), {}).ok());
}

TEST(WriteFlameGraph, HtmlIsSelfContained) {
  std::string html = Page(FlameGraphFormat::kHtml, ThreeLeaks());
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  ExpectNoExternalReferences(html);
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy"));
  EXPECT_THAT(html, HasSubstr("default-src 'none'"));
  EXPECT_THAT(html, Not(HasSubstr("@*/"))) << "a marker was left unfilled";
  EXPECT_THAT(html, Not(HasSubstr("<!--@")));
}

TEST(WriteFlameGraph, SvgIsSelfContained) {
  std::string svg = Page(FlameGraphFormat::kSvg, ThreeLeaks());
  // The SVG namespace is a name, not a fetch; nothing else may be a URL.
  std::string rest = std::regex_replace(svg, std::regex("http://www\\.w3\\.org/2000/svg"), "");
  EXPECT_THAT(rest, Not(HasSubstr("http://")));
  EXPECT_THAT(rest, Not(HasSubstr("https://")));
  ExpectNoExternalReferences(svg);
  EXPECT_THAT(svg, Not(HasSubstr("@*/")));
  EXPECT_THAT(svg, Not(HasSubstr("<!--@")));
}

TEST(WriteFlameGraph, HostileNamesCannotEndTheScriptElements) {
  std::string html = Page(FlameGraphFormat::kHtml, Hostile());
  // Exactly the page's own two script elements end, data and code.
  EXPECT_EQ(Count(html, "</script"), 2u);
  EXPECT_EQ(Count(html, "<script"), 2u);
  EXPECT_EQ(html.find("<script>window.pwned"), std::string::npos)
      << "the name is in the page only as escaped data";
  EXPECT_THAT(html, HasSubstr("<title>In-use memory of PID 7 (&lt;evil&gt; &amp; &quot;co&quot;)</title>"));
  nlohmann::json data = EmbeddedData(html, "</script>");
  EXPECT_EQ(data.at("title"), "In-use memory of PID 7 (<evil> & \"co\")");
  DecodedNode root = DecodeNodes(data);
  EXPECT_NE(FindDecoded(root, {"main", "]]></script>",
                               "</script><script>window.pwned=1</script>", "malloc"}),
            nullptr);
  EXPECT_THAT(data.at("warnings")[0].get<std::string>(),
              HasSubstr("2 events (<ring> buffer full)"));
}

TEST(WriteFlameGraph, HostileNamesCannotEndTheCdataSections) {
  std::string svg = Page(FlameGraphFormat::kSvg, Hostile());
  EXPECT_EQ(Count(svg, "]]>"), 2u);
  EXPECT_EQ(Count(svg, "<![CDATA["), 2u);
  EXPECT_EQ(Count(svg, "</script"), 2u);
  EXPECT_THAT(svg, HasSubstr("<title>In-use memory of PID 7 (&lt;evil&gt; &amp; &quot;co&quot;)</title>"));
  DecodedNode root = DecodeNodes(EmbeddedData(svg, "]]>"));
  EXPECT_EQ(root.total_bytes, 4510);
}

TEST(WriteFlameGraph, OptionsReachThePage) {
  FlameGraphOptions options;
  options.weight = Weight::kObjects;
  options.inverted = true;
  options.title = "my <title>";
  std::string html = Page(FlameGraphFormat::kHtml, ThreeLeaks(), options);
  nlohmann::json data = EmbeddedData(html, "</script>");
  EXPECT_EQ(data.at("weight"), "objects");
  EXPECT_EQ(data.at("inverted"), true);
  EXPECT_EQ(data.at("title"), "my <title>");
  EXPECT_THAT(html, HasSubstr("<title>my &lt;title&gt;</title>"));
}

TEST(WriteDiffFlameGraphFile, WritesADiff) {
  TempDir dir;
  Profile base;
  base.stacks = {HeapStack({"malloc", "leak_big", "handle", "main"}, 1000, 1)};
  ASSERT_TRUE(WriteDiffFlameGraphFile(dir.File("d.svg"), base, ThreeLeaks(), {}).ok());
  nlohmann::json data = EmbeddedData(ReadFile(dir.File("d.svg")), "]]>");
  EXPECT_EQ(data.at("diff"), true);
  EXPECT_THAT(data.at("title").get<std::string>(), HasSubstr("change"));
  DecodedNode root = DecodeNodes(data);
  EXPECT_EQ(FindDecoded(root, {"main", "handle", "leak_big", "malloc"})->base_self_bytes,
            1000);
  EXPECT_FALSE(WriteDiffFlameGraphFile(dir.File("d.txt"), base, ThreeLeaks(), {}).ok());
}

}  // namespace
}  // namespace allocprof
