// Names of the Java methods of interpreted frames, from their Method* (the
// interpreter keeps it in its frame, where the BPF walk reads it; see
// bpf/unwind.bpf.h, AP_CFA_JAVA_INTERP): Method -> ConstMethod -> its
// ConstantPool's holder class and the method's name, read from the JVM's
// memory with the layout its VMStructs tables give.
#ifndef ALLOCPROF_USERSPACE_JAVA_METHOD_NAMES_H_
#define ALLOCPROF_USERSPACE_JAVA_METHOD_NAMES_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "userspace/java/vm_structs.h"
#include "userspace/symbols/module_map.h"

namespace allocprof {

class JavaMethodNames {
 public:
  // For the JVM `pid`, whose libjvm.so is among `modules`.
  static absl::StatusOr<std::unique_ptr<JavaMethodNames>> ForJvm(pid_t pid,
                                                                 const ModuleMap& modules);

  // "java.nio.ByteBuffer.allocateDirect" for a Method*; nullopt when it
  // cannot be read (the JVM exited, the class was unloaded).
  std::optional<std::string> Name(uint64_t method);

 private:
  struct Layout {
    uint64_t method_const_method, const_method_constants, const_method_name_index;
    uint64_t constant_pool_holder, constant_pool_size, klass_name;
    uint64_t symbol_length, symbol_body;
  };
  JavaMethodNames(pid_t pid, Layout layout) : pid_(pid), layout_(layout) {}
  std::optional<std::string> SymbolText(uint64_t symbol);

  pid_t pid_;
  Layout layout_;
  absl::flat_hash_map<uint64_t, std::optional<std::string>> names_;
};

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_JAVA_METHOD_NAMES_H_
