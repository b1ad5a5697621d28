// Names of Java methods from their Method*, as HotSpot's own stack traces
// give them: "java.nio.ByteBuffer.allocateDirect(int)", and the source
// line of a bytecode index in it ("ByteBuffer.java:332"). Interpreted
// frames hold their Method* (the BPF walk reads it; bpf/unwind.bpf.h,
// AP_CFA_JAVA_INTERP), compiled ones name theirs in their scope
// descriptors (code_cache.h). Method -> ConstMethod -> its ConstantPool's
// holder class, name, signature and source file, and the line number
// table after the bytecodes, read from the JVM's memory with the layout
// its VMStructs tables give.
#ifndef ALLOCPROF_USERSPACE_JAVA_METHOD_NAMES_H_
#define ALLOCPROF_USERSPACE_JAVA_METHOD_NAMES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "userspace/common/target_memory.h"
#include "userspace/java/compressed_stream.h"
#include "userspace/java/vm_structs.h"
#include "userspace/symbols/frame.h"

namespace allocprof {

// "(Ljava/lang/String;I[B)V" as "(java.lang.String, int, byte[])";
// nullopt when it is no method descriptor.
std::optional<std::string> JavaArgumentList(absl::string_view descriptor);

class JavaMethodNames {
 public:
  struct Layout {
    uint64_t method_const_method = 0;
    uint64_t const_method_size = 0, const_method_constants = 0, const_method_flags = 0;
    uint64_t const_method_code_size = 0, const_method_name_index = 0;
    uint64_t const_method_signature_index = 0;
    uint16_t has_line_number_table = 0;  // a ConstMethod flag
    uint64_t constant_pool_size = 0, constant_pool_holder = 0;
    uint64_t constant_pool_source_file_index = 0;
    uint64_t klass_name = 0, symbol_length = 0, symbol_body = 0;

    static absl::StatusOr<Layout> From(const VmStructs& structs);
  };
  // Reads through `memory`, which must outlive this.
  JavaMethodNames(const TargetMemory& memory, const Layout& layout)
      : memory_(memory), layout_(layout) {}

  // "java.nio.ByteBuffer.allocateDirect(int)" for a Method*; nullopt when
  // it cannot be read (the JVM exited, the class was unloaded).
  std::optional<std::string> Name(uint64_t method);
  // The source file and line of bytecode index `bci` of `method`; unknown
  // (line 0) when the class has no line numbers, or the table needs the
  // encoding of its larger steps (compressed_stream.h) and it is not known.
  SourceLine Line(uint64_t method, int bci);
  void set_line_encoding(IntEncoding encoding) { line_encoding_ = encoding; }
  // The bytecode index of `method` whose address ends in `bcp_low16`;
  // nullopt when none of its bytecodes does.
  std::optional<int> BciOf(uint64_t method, uint16_t bcp_low16);

 private:
  struct Method {
    std::string name;         // with its argument list
    std::string source_file;  // "ByteBuffer.java", or empty
    uint64_t code = 0;        // its bytecodes
    uint16_t code_size = 0;
    uint64_t line_table = 0;  // 0: none
  };
  const Method* Find(uint64_t method);
  std::optional<std::string> SymbolText(uint64_t symbol);
  // The constant pool's entries follow its header, one word each; a Utf8
  // entry is the Symbol*.
  std::optional<std::string> PoolText(uint64_t constants, uint16_t index);

  const TargetMemory& memory_;
  Layout layout_;
  std::optional<IntEncoding> line_encoding_;
  absl::flat_hash_map<uint64_t, std::optional<Method>> methods_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_METHOD_NAMES_H_
