#include "userspace/outputs/pprof/pprof_comments.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace allocprof {
namespace {

constexpr char kMarker[] = "allocprof heap profile";
constexpr char kTarget[] = "allocprof target: ";
constexpr char kCommandLine[] = "allocprof command line: ";
constexpr char kLost[] = "allocprof lost: ";
constexpr char kNote[] = "allocprof note: ";
constexpr char kTotals[] = "allocprof totals: ";

// The session's totals as "name=value" words, so that a report made from a
// pprof file still has them. Signed and unsigned fields are listed apart.
std::vector<std::pair<const char*, uint64_t*>> UnsignedTotals(Profile* p) {
  Totals& t = p->totals;
  return {{"events", &p->events},
          {"loader_mappings", &p->loader_mappings},
          {"alloc_bytes", &t.alloc_bytes},
          {"alloc_objects", &t.alloc_objects},
          {"freed_bytes", &t.freed_bytes},
          {"freed_objects", &t.freed_objects},
          {"failed_calls", &t.failed_calls},
          {"unknown_frees", &t.unknown_frees},
          {"unknown_unmapped_bytes", &t.unknown_unmapped_bytes},
          {"mismatched_frees", &t.mismatched_frees},
          {"mismatched_free_bytes", &t.mismatched_free_bytes},
          {"sample_bytes", &p->sample_bytes},
          {"page_bytes", &p->page_bytes}};
}

std::vector<std::pair<const char*, int64_t*>> SignedTotals(Profile* p) {
  Usage& o = p->totals.outstanding;
  return {{"heap_bytes", &o.bytes[0]},
          {"anon_mmap_bytes", &o.bytes[1]},
          {"file_mmap_bytes", &o.bytes[2]},
          {"brk_bytes", &o.bytes[3]},
          {"pages_bytes", &o.bytes[4]},
          {"heap_objects", &o.objects[0]},
          {"anon_mmap_objects", &o.objects[1]},
          {"file_mmap_objects", &o.objects[2]},
          {"brk_objects", &o.objects[3]},
          {"pages_objects", &o.objects[4]},
          {"reserved_bytes", &o.reserved_bytes},
          {"backing_bytes", &o.backing_bytes}};
}

// Empty when every total is zero (a profile made by hand or by a test).
std::string TotalsComment(const Profile& profile) {
  Profile copy = profile;
  std::string line = kTotals;
  bool any = false;
  for (const auto& [name, value] : UnsignedTotals(&copy)) {
    absl::StrAppend(&line, name, "=", *value, " ");
    any = any || *value != 0;
  }
  for (const auto& [name, value] : SignedTotals(&copy)) {
    absl::StrAppend(&line, name, "=", *value, " ");
    any = any || *value != 0;
  }
  line.pop_back();
  return any ? line : "";
}

void ReadTotals(absl::string_view text, Profile* profile) {
  auto unsigned_fields = UnsignedTotals(profile);
  auto signed_fields = SignedTotals(profile);
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(word, '=');
    for (auto& [name, value] : unsigned_fields) {
      if (kv.first == name) (void)absl::SimpleAtoi(kv.second, value);
    }
    for (auto& [name, value] : signed_fields) {
      if (kv.first == name) (void)absl::SimpleAtoi(kv.second, value);
    }
  }
}

bool IsPlainWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("@%+=:,./_-", c);
}

std::string QuoteWord(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word) plain = plain && IsPlainWordChar(c);
  if (plain) return word;
  // Inside single quotes nothing is special but the quote itself, which
  // ends the quoted part, is written escaped, and starts a new one: 'it'\''s'.
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

// "12 events (ring buffer full)" -> {what, 12}.
bool ParseLoss(absl::string_view text, LossCount* loss) {
  size_t space = text.find(' ');
  if (space == absl::string_view::npos) return false;
  if (!absl::SimpleAtoi(text.substr(0, space), &loss->count)) return false;
  loss->what = std::string(text.substr(space + 1));
  return true;
}

}  // namespace

std::string QuoteCommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line += ' ';
    line += QuoteWord(word);
  }
  return line;
}

bool SplitCommandLine(absl::string_view line, std::vector<std::string>* argv) {
  argv->clear();
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ') {
      if (in_word) argv->push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      size_t close = line.find('\'', i + 1);
      if (close == absl::string_view::npos) return false;
      absl::StrAppend(&word, line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) argv->push_back(std::move(word));
  return true;
}

std::vector<std::string> SessionComments(const Profile& profile) {
  std::vector<std::string> comments = {kMarker};
  if (!profile.target.empty()) comments.push_back(absl::StrCat(kTarget, profile.target));
  if (!profile.command_line.empty()) {
    comments.push_back(
        absl::StrCat(kCommandLine, QuoteCommandLine(profile.command_line)));
  }
  for (const LossCount& loss : profile.losses) {
    comments.push_back(absl::StrCat(kLost, loss.count, " ", loss.what));
  }
  for (const std::string& note : profile.notes) {
    comments.push_back(absl::StrCat(kNote, note));
  }
  if (std::string totals = TotalsComment(profile); !totals.empty()) {
    comments.push_back(std::move(totals));
  }
  return comments;
}

bool ReadSessionComments(const std::vector<std::string>& comments,
                         Profile* profile) {
  bool ours = false;
  for (const std::string& comment : comments) {
    absl::string_view text = comment;
    LossCount loss;
    std::vector<std::string> argv;
    if (text == kMarker) {
      ours = true;
    } else if (absl::ConsumePrefix(&text, kTarget)) {
      profile->target = std::string(text);
    } else if (absl::ConsumePrefix(&text, kCommandLine) &&
               SplitCommandLine(text, &argv)) {
      profile->command_line = std::move(argv);
    } else if (absl::ConsumePrefix(&text, kLost) && ParseLoss(text, &loss)) {
      profile->losses.push_back(std::move(loss));
    } else if (absl::ConsumePrefix(&text, kTotals)) {
      ReadTotals(text, profile);
    } else if (absl::ConsumePrefix(&text, kNote)) {
      profile->notes.push_back(std::string(text));
    } else {
      profile->notes.push_back(comment);
    }
  }
  return ours;
}

}  // namespace allocprof
