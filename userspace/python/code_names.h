// Names of Python functions from their code objects, as tracebacks give
// them: the qualified name ("Server.handle"; before 3.11, which has none,
// the name), the file, and the line of an instruction (lnotab.h,
// line_table_310.h, line_table.h). Read from the interpreter's memory with the
// layout of its version (python_layout.h); every object is checked to be
// of the type it must be (a code object's type is PyCode_Type, its names
// are str, its table bytes) before its fields are believed.
#ifndef ALLOCPROF_USERSPACE_PYTHON_CODE_NAMES_H_
#define ALLOCPROF_USERSPACE_PYTHON_CODE_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "userspace/common/target_memory.h"
#include "userspace/python/python_layout.h"
#include "userspace/symbols/frame.h"

namespace allocprof {

class PythonCodeNames {
 public:
  // The addresses of the interpreter's type objects a code object's
  // fields are checked against.
  struct Types {
    uint64_t code = 0;     // PyCode_Type
    uint64_t unicode = 0;  // PyUnicode_Type
    uint64_t bytes = 0;    // PyBytes_Type
  };
  // Reads through `memory`, which must outlive this.
  PythonCodeNames(const TargetMemory& memory, const PythonLayout& layout, const Types& types)
      : memory_(memory), layout_(layout), types_(types) {}

  // Names the frame of code object `code` at instruction `instr` (in code
  // units; -1: before its first): function, source file and line. False
  // when `code` is no code object it can read.
  bool Describe(uint64_t code, int instr, Frame* frame);

 private:
  struct Code {
    std::string qualname;
    std::string filename;
    int first_line = 0;
    std::string line_table;
  };
  // What a code object is known by: its address and the fields it is
  // named from, so that another code object at the same address later is
  // read anew.
  struct Key {
    uint64_t code = 0, qualname = 0, filename = 0, line_table = 0;
    int32_t first_line = 0;
    bool operator==(const Key& o) const {
      return code == o.code && qualname == o.qualname && filename == o.filename &&
             line_table == o.line_table && first_line == o.first_line;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.code, k.qualname, k.filename, k.line_table,
                        k.first_line);
    }
  };
  const Code* Find(uint64_t code);
  // The line of the instruction at byte offset `offset`, from the table
  // in the format of the interpreter's version.
  std::optional<int> LineOf(const Code& c, int offset) const;
  // A str object's text as UTF-8; nullopt when it is none.
  std::optional<std::string> Text(uint64_t object);

  const TargetMemory& memory_;
  PythonLayout layout_;
  Types types_;
  // Read while the interpreter lives: a code object lives as long as a
  // function or frame holds it, and a stack records it while one runs it.
  // nullopt: unreadable.
  absl::flat_hash_map<Key, std::optional<Code>> codes_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_PYTHON_CODE_NAMES_H_
