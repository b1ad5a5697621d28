// An ostream for logs that mix allocprof's words with the target's (paths,
// symbol names in -v output): each line is passed through Printable()
// before it reaches the terminal, so no byte the target chose can act on
// it. Line-buffered: a line is written whole when its '\n' arrives, and
// whatever is left at destruction.
#ifndef ALLOCPROF_USERSPACE_COMMON_PRINTABLE_STREAM_H_
#define ALLOCPROF_USERSPACE_COMMON_PRINTABLE_STREAM_H_

#include <ostream>
#include <streambuf>
#include <string>

#include "userspace/common/printable.h"

namespace allocprof {

class PrintableLineBuf : public std::streambuf {
 public:
  explicit PrintableLineBuf(std::ostream& out) : out_(out) {}
  ~PrintableLineBuf() override { sync(); }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    if (traits_type::to_char_type(c) == '\n') {
      out_ << Printable(line_) << '\n';
      line_.clear();
    } else {
      line_.push_back(traits_type::to_char_type(c));
    }
    return c;
  }
  int sync() override {
    if (!line_.empty()) {
      out_ << Printable(line_);
      line_.clear();
    }
    out_.flush();
    return 0;
  }

 private:
  std::ostream& out_;
  std::string line_;
};

class PrintableLines : public std::ostream {
 public:
  explicit PrintableLines(std::ostream& out) : std::ostream(&buf_), buf_(out) {}

 private:
  PrintableLineBuf buf_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_COMMON_PRINTABLE_STREAM_H_
