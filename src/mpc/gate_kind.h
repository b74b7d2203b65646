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
  // SIGMA gates (PROTOCOLS.md §2-8).
  kTruncateReduce = 6,
  kGapLrs = 7,
  kGapArs = 8,
  kSignExtend = 9,
  kDrelu = 10,
  kSelect = 11,
  kSelectLin = 12,
  kLut = 13,
  kMul = 14,
  kSquare = 15,
  kMatmul = 16,
  kMatmulBatched = 30,  // matmul whose right operand has the batch dimension too
  // Normalization (PROTOCOLS.md §7): 40-47.
  kNormalizeByExponent = 40,  // x 2^{n-2-e} and e from the exponent's thermometer bits
  kRowSumOfSquares = 41,
  // 17-63 reserved for further SIGMA gates, 64-127 for SUF gates.
  // SUF compiled gates (PROTOCOLS.md §9); 64-79 for the first SUF gates.
  kSuf = 64,  // a compiled SUF specification built by the caller
  kSufRelu = 65,
  kSufDrelu = 66,
  kSufSpline = 67,      // piecewise-linear spline specifications (GeLU, ...)
  kSufActivation = 68,  // ReLU minus a stepped correction on the effective width (GeLU, SiLU)
  kSufNexp = 69,
  kSufReciprocal = 70,
  kSufRsqrt = 71,
  kSufSignRange = 72,  // sign and |x| range bits of a truncated activation input (GeLU)
  kSufClipBit = 73,    // nExp's clip bit on a truncated input
  kTest = 0xFF00,      // records written by tests only
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
    case GateKind::kTruncateReduce:
      return "truncate_reduce";
    case GateKind::kGapLrs:
      return "gap_lrs";
    case GateKind::kGapArs:
      return "gap_ars";
    case GateKind::kSignExtend:
      return "sign_extend";
    case GateKind::kDrelu:
      return "drelu";
    case GateKind::kSelect:
      return "select";
    case GateKind::kSelectLin:
      return "select_lin";
    case GateKind::kLut:
      return "lut";
    case GateKind::kMul:
      return "mul";
    case GateKind::kSquare:
      return "square";
    case GateKind::kMatmul:
      return "matmul";
    case GateKind::kMatmulBatched:
      return "matmul_batched";
    case GateKind::kNormalizeByExponent:
      return "normalize_by_exponent";
    case GateKind::kRowSumOfSquares:
      return "row_sum_of_squares";
    case GateKind::kSuf:
      return "suf";
    case GateKind::kSufRelu:
      return "suf_relu";
    case GateKind::kSufDrelu:
      return "suf_drelu";
    case GateKind::kSufSpline:
      return "suf_spline";
    case GateKind::kSufActivation:
      return "suf_activation";
    case GateKind::kSufNexp:
      return "suf_nexp";
    case GateKind::kSufReciprocal:
      return "suf_reciprocal";
    case GateKind::kSufRsqrt:
      return "suf_rsqrt";
    case GateKind::kSufSignRange:
      return "suf_sign_range";
    case GateKind::kSufClipBit:
      return "suf_clip_bit";
    case GateKind::kTest:
      return "test";
  }
  return "unknown";
}

}  // namespace fss
