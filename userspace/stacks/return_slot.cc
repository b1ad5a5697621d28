#include "userspace/stacks/return_slot.h"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <vector>

#include "userspace/common/elf_file.h"
#include "userspace/common/target_file.h"

namespace allocprof {

// One ELF object's CFI, open for the finder's life.
class CfiFile {
 public:
  static std::unique_ptr<CfiFile> Open(const std::string& path) {
    // A mapped object of the target: its path leads into the target's root.
    absl::StatusOr<ElfFile> elf = ElfFile::Open(path, kMaxElfBytes);
    if (!elf.ok()) return nullptr;
    return std::unique_ptr<CfiFile>(new CfiFile(*std::move(elf)));
  }
  ~CfiFile() {
    if (cfi_) dwarf_cfi_end(cfi_);
  }

  // The CFA offset from sp at ELF virtual address `vaddr`, if sp-based.
  std::optional<int64_t> CfaOffset(uint64_t vaddr) const {
    if (cfi_ == nullptr) return std::nullopt;
    Dwarf_Frame* frame = nullptr;
    if (dwarf_cfi_addrframe(cfi_, vaddr, &frame) != 0) return std::nullopt;
    Dwarf_Op* ops = nullptr;
    size_t nops = 0;
    std::optional<int64_t> offset;
    // A register+offset CFA comes back as one DW_OP_bregx; x86-64 DWARF
    // register 7 is rsp.
    if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1 &&
        ops[0].atom == DW_OP_bregx && ops[0].number == 7) {
      offset = static_cast<int64_t>(ops[0].number2);
    }
    free(frame);
    return offset;
  }

  // Virtual address of file offset `offset`, through the PT_LOAD that maps it.
  std::optional<uint64_t> VaddrOfOffset(uint64_t offset) const {
    return elf_.OffsetToVaddr(offset);
  }

 private:
  // .eh_frame: every x86-64 object has it, stripped or not.
  explicit CfiFile(ElfFile elf) : elf_(std::move(elf)), cfi_(dwarf_getcfi_elf(elf_.elf())) {}
  ElfFile elf_;  // outlives cfi_, which reads from it
  Dwarf_CFI* cfi_ = nullptr;
};

ReturnSlotFinder::ReturnSlotFinder(const ModuleMap& modules) : modules_(modules) {}
ReturnSlotFinder::~ReturnSlotFinder() = default;

CfiFile* ReturnSlotFinder::FileFor(const Module& module) {
  std::string path = modules_.ElfPath(module);
  if (path.empty()) return nullptr;
  auto [it, inserted] = files_.try_emplace(path);
  if (inserted) it->second = CfiFile::Open(path);
  return it->second.get();
}

std::optional<uint64_t> ReturnSlotFinder::ReturnSlot(uint64_t pc) {
  auto cached = slots_.find(pc);
  if (cached != slots_.end()) return cached->second;
  std::optional<uint64_t> slot;
  const Module* module = modules_.Find(pc);
  CfiFile* file = module ? FileFor(*module) : nullptr;
  if (file) {
    auto vaddr = file->VaddrOfOffset(pc - module->start + module->file_offset);
    auto cfa = vaddr ? file->CfaOffset(*vaddr) : std::nullopt;
    if (cfa && *cfa >= 8) slot = static_cast<uint64_t>(*cfa - 8);
  }
  slots_.emplace(pc, slot);
  return slot;
}

SyscallCallers FindSyscallCallers(ReturnSlotFinder& finder,
                                  const std::vector<uint64_t>& kernel_frames,
                                  absl::Span<const uint64_t> words,
                                  uint64_t fallback, bool at_fault) {
  SyscallCallers out{fallback, 0};
  if (kernel_frames.empty() || words.empty()) return out;
  // Frame 0 is the instruction after `syscall`; the one before it lies in
  // the syscall instruction itself, whose CFI row is the one that counts.
  std::optional<uint64_t> slot =
      finder.ReturnSlot(at_fault ? kernel_frames[0] : kernel_frames[0] - 1);
  if (!slot || *slot % 8 != 0 || *slot / 8 >= words.size()) return out;
  out.caller = words[*slot / 8];
  // The caller's frame starts above the return address; its own return
  // address lies where the CFI row of its call instruction says.
  const uint64_t caller_sp = *slot + 8;
  std::optional<uint64_t> slot2 = finder.ReturnSlot(out.caller - 1);
  if (slot2 && *slot2 % 8 == 0 && (caller_sp + *slot2) / 8 < words.size()) {
    out.caller2 = words[(caller_sp + *slot2) / 8];
  }
  return out;
}

}  // namespace allocprof
