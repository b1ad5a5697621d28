// Finds the allocator functions one ELF object defines: the known ones (see
// allocator_catalog.h) and the ones the user declared, grouped by address
// (one probe per address, whatever its aliases), with their probe sites and
// the allocator family each belongs to.
#ifndef ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_DISCOVERY_H_
#define ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_DISCOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "userspace/attach/allocator_catalog.h"
#include "userspace/attach/custom_functions.h"
#include "userspace/attach/probe_site.h"

namespace allocprof {

// Names of allocator families, by the id BPF carries in each heap event
// (ap_alloc_record.family). Id 0 is "unknown" and never compared.
class AllocatorFamilies {
 public:
  // The id of `name`, made on first use.
  uint16_t Intern(const std::string& name);
  // "" for 0 or an id never made.
  const std::string& Name(uint16_t id) const;

 private:
  std::vector<std::string> names_ = {""};
  absl::flat_hash_map<std::string, uint16_t> ids_;
};

// One probed address in one object.
struct ProbedFunction {
  std::string symbol;                // the name it is shown under
  std::vector<std::string> aliases;  // other probed names at the address
  std::string object;                // path as the target sees it
  std::string host_path;             // path allocprof opens it by
  uint64_t offset = 0;               // file offset of its first instruction
  CallShape shape;
  uint16_t family = 0;
  uint32_t id = 0;   // probe id (ap_alloc_record.probe), set when attached
  ProbeSite site;    // where the probe sits, from `offset`

  bool returns() const;  // needs a return probe: it hands out a block
};

// The functions of the object at `host_path` (`object` as the target sees
// it) that allocprof probes: the known allocator functions it defines, and
// those of `custom` declared for it. Families: one per API the object
// serves ("malloc/free in libjemalloc.so.2", "operator new/delete in
// libjemalloc.so.2"), or one for the whole object when an address carries
// names of both APIs (tcmalloc's free is also its operator delete, so which
// one a caller used cannot be told); custom functions share one family per
// object. Custom functions declared for this object but not defined in it
// are listed in *missing.
absl::StatusOr<std::vector<ProbedFunction>> FindAllocatorFunctions(
    const std::string& object, const std::string& host_path,
    absl::Span<const CustomFunction> custom, AllocatorFamilies& families,
    std::vector<const CustomFunction*>* missing);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_ATTACH_ALLOCATOR_DISCOVERY_H_
