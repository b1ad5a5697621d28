// Where every part of a session tells what it did and what it could not
// do: one collector instead of problem vectors and log pointers handed
// from call to call.
//
// Two kinds of line go through it:
//  - notes: a way the session is degraded (an object left without unwind
//    rows, a probe that could not be attached late). The report prints them
//    under "Notes:", so that no figure is silently low; once tracing has
//    begun they are also said on stderr when found, for the user watching.
//  - verbose lines (-v): what was done and why (each probe site, each
//    unwind table). Not in the report.
// Failures that end the session are not notes: they are an absl::Status,
// returned.
//
// Both kinds carry the target's words (its paths and symbol names), so
// every line reaches the terminal through Printable().
#ifndef ALLOCPROF_USERSPACE_COMMON_SESSION_LOG_H_
#define ALLOCPROF_USERSPACE_COMMON_SESSION_LOG_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "userspace/common/printable_stream.h"

namespace allocprof {

class SessionLog {
 public:
  // `err`: the terminal's stream (stderr); `verbose`: -v was given.
  SessionLog(std::ostream& err, bool verbose) : err_(err), escaped_(err), verbose_(verbose) {}
  SessionLog(const SessionLog&) = delete;
  SessionLog& operator=(const SessionLog&) = delete;

  // -v's stream, escaped line by line; null without -v. Lines start with
  // "allocprof: " and end with '\n'.
  std::ostream* verbose() { return verbose_ ? &escaped_ : nullptr; }

  // A way the session is degraded, for the report's notes; one found
  // again (the kernel's refusals, when a session attaches a second time)
  // is kept and said once.
  void Note(std::string line);
  // One line on stderr now ("allocprof: " and the line, escaped); not a
  // note.
  void Say(absl::string_view line);
  // Tracing has begun: every note from here on is also said when found.
  void SayNotesFromNow() { say_notes_ = true; }

  // Every note so far, in the order found.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  std::ostream& err_;
  PrintableLines escaped_;
  const bool verbose_;
  bool say_notes_ = false;
  std::vector<std::string> notes_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_SESSION_LOG_H_
