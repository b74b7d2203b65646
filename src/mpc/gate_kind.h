#pragma once
// The kind of a key-stream record. The numbers are part of the key file format: append new
// kinds with new numbers, never renumber or reuse one. 0 is never a kind, so zeroed memory
// does not parse as a record.
#include <cstdint>

namespace fss {

enum class GateKind : uint16_t {
  kDpf = 1,
  kDcf = 2,
  kDpfCompare = 3,
  kMaskedOpen = 4,
  kBeaverTriple = 5,
  // Protocol gates (truncation, comparison, lookups, SUF gates, ...) take 6 onwards.
  kTest = 0xFF00,  // records written by tests only
};

// Lower-case name for messages ("dcf", "beaver_triple"); "unknown" for a number not listed.
constexpr const char* gate_kind_name(GateKind kind) {
  switch (kind) {
    case GateKind::kDpf:
      return "dpf";
    case GateKind::kDcf:
      return "dcf";
    case GateKind::kDpfCompare:
      return "dpf_compare";
    case GateKind::kMaskedOpen:
      return "masked_open";
    case GateKind::kBeaverTriple:
      return "beaver_triple";
    case GateKind::kTest:
      return "test";
  }
  return "unknown";
}

}  // namespace fss
