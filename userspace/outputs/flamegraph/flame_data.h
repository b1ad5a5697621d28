// The data the page script draws, as one compact JSON object. Sizes matter:
// 10,000 stacks of 200 frames must stay a file a browser loads in a moment,
// so names are written once in a string table and the tree is one string
// of small numbers.
//
//   {"format": "allocprof-flamegraph", "version": 1,
//    "title": "...", "facts": ["..."], "warnings": ["..."], "focus": "...",
//    "weight": "bytes" | "objects", "inverted": bool, "diff": bool,
//    "kinds": ["program", "library", "allocator", "jit", "unknown", "python"],
//    "strings": ["all", "", "main", "/usr/bin/app", ...],
//    "frames": [name, module, kind, name, module, kind, ...],
//    "nodes": "AgB3Cx..."}
//
// "focus" names the frame the page opens with highlighted ("": none; a
// reader of an older file without it takes none).
//
// "frames" holds FlameTree::frames as triples: string-table indexes of the
// name and module, and the kind as an index into "kinds".
//
// "nodes" is the tree in preorder (a node, then each child's subtree, widest
// first) as a run of numbers. A number is written in base64url characters
// (A-Z a-z 0-9 - _ for 0..63), five bits each, least significant first;
// a character of 32 or more has a sixth bit saying another follows. Most
// numbers are frame indexes, so most take one to three characters, and a
// string parses far quicker than an array of two million numbers. A node is
//   2F                              frame F with one child and no value of
//                                   its own, as most nodes of a deep stack
//   2F+1, C, B, O [, BB, BO]        frame F with C children and B bytes and
//                                   O objects of its own (self); in a diff,
//                                   then the base's own bytes and objects.
// B, O, BB and BO are zigzag-coded (0, -1, 1, -2 ... as 0, 1, 2, 3 ...).
// Totals are not written: the page sums them, as BuildFlameTree does.
#ifndef ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_DATA_H_
#define ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_DATA_H_

#include <string>

#include "userspace/outputs/flamegraph/flame_heading.h"
#include "userspace/outputs/flamegraph/flame_tree.h"

namespace allocprof {

inline constexpr char kFlameDataFormat[] = "allocprof-flamegraph";
inline constexpr int kFlameDataVersion = 1;

// ASCII JSON with '<', '>' and '&' escaped (see AppendJsonString): safe to
// paste into a <script> element or a CDATA section as it is.
std::string FlameGraphData(const FlameTree& tree, const FlameHeading& heading);

}  // namespace allocprof

#endif  // ALLOCPROF_USERSPACE_OUTPUTS_FLAMEGRAPH_FLAME_DATA_H_
