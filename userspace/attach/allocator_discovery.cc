#include "userspace/attach/allocator_discovery.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "bpf/events.h"
#include "userspace/attach/elf_functions.h"

namespace allocprof {
namespace {

// The arguments the BPF programs read at a probe on a function of `shape`
// (bit n for ARGn; see ChooseProbeSite).
uint32_t ArgumentsRead(const CallShape& shape) {
  uint32_t bits = 0;
  for (uint8_t arg : {shape.size_arg, shape.count_arg, shape.ptr_arg, shape.out_arg}) {
    if (arg >= 1 && arg <= 6) bits |= 1u << arg;
  }
  return bits;
}

absl::string_view BaseName(absl::string_view path) {
  return path.substr(path.rfind('/') + 1);
}

// What is known of the names found at one address.
struct Site {
  ElfFunction function;
  std::vector<std::string> names;   // catalog order; custom ones after
  const AllocatorFunction* known = nullptr;  // first catalog entry
  const CustomFunction* custom = nullptr;
  bool apis[2] = {false, false};    // AllocatorApi seen among the names
};

}  // namespace

uint16_t AllocatorFamilies::Intern(const std::string& name) {
  auto [it, inserted] = ids_.try_emplace(name, static_cast<uint16_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

const std::string& AllocatorFamilies::Name(uint16_t id) const {
  return id < names_.size() ? names_[id] : names_[0];
}

bool ProbedFunction::returns() const { return shape.kind != AP_KIND_FREE; }

absl::StatusOr<std::vector<ProbedFunction>> FindAllocatorFunctions(
    const std::string& object, const std::string& host_path,
    absl::Span<const CustomFunction> custom, AllocatorFamilies& families,
    std::vector<const CustomFunction*>* missing) {
  absl::flat_hash_set<std::string> wanted;
  for (const AllocatorFunction& f : KnownAllocatorFunctions()) wanted.insert(f.symbol);
  std::vector<const CustomFunction*> mine;
  for (const CustomFunction& c : custom) {
    if (!c.InObject(object)) continue;
    mine.push_back(&c);
    wanted.insert(c.symbol);
  }
  auto found = FindFunctions(host_path, wanted);
  if (!found.ok()) return found.status();

  // By address, in file order so that probe ids follow the object's layout.
  std::map<uint64_t, Site> sites;
  for (const AllocatorFunction& f : KnownAllocatorFunctions()) {
    auto it = found->find(f.symbol);
    if (it == found->end()) continue;
    Site& site = sites[it->second.file_offset];
    site.function = it->second;
    site.names.push_back(f.symbol);
    if (site.known == nullptr) site.known = &f;
    site.apis[static_cast<int>(f.api)] = true;
  }
  for (const CustomFunction* c : mine) {
    auto it = found->find(c->symbol);
    if (it == found->end()) {
      if (missing) missing->push_back(c);
      continue;
    }
    // A declared function overrides what the catalog says of its address:
    // the user knows their pool better.
    Site& site = sites[it->second.file_offset];
    site.function = it->second;
    site.names.insert(site.names.begin(), c->symbol);
    site.custom = c;
  }

  bool mixed = false;
  for (const auto& [offset, site] : sites) mixed |= site.apis[0] && site.apis[1];
  const std::string name(BaseName(object));
  auto family_of = [&](const Site& site) -> uint16_t {
    if (site.custom) return families.Intern(absl::StrCat("declared functions in ", name));
    if (mixed) return families.Intern(absl::StrCat("allocator in ", name));
    return families.Intern(site.known->api == AllocatorApi::kCxx
                               ? absl::StrCat("operator new/delete in ", name)
                               : absl::StrCat("malloc/free in ", name));
  };

  std::vector<ProbedFunction> probed;
  for (const auto& [offset, site] : sites) {
    ProbedFunction p;
    p.symbol = site.names[0];
    p.aliases.assign(site.names.begin() + 1, site.names.end());
    p.object = object;
    p.host_path = host_path;
    p.offset = offset;
    p.shape = site.custom ? site.custom->shape : site.known->shape;
    p.family = family_of(site);
    // The whole function, so that branches back into its prologue are seen.
    auto code = ReadFunctionCode(host_path, site.function, 64 * 1024);
    if (code.ok()) p.site = ChooseProbeSite(*code, site.function.vaddr, ArgumentsRead(p.shape));
    probed.push_back(std::move(p));
  }
  return probed;
}

}  // namespace allocprof
