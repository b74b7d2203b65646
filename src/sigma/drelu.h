#pragma once
// DReLU on an m-bit effective width and the comparison x >= y (PROTOCOLS.md §4, SIGMA §4.3).
//
// DReLU_m(x) = 1 ^ MSB_m(x mod 2^m): 1 for x >= 0 when x, read as signed, lies in
// [-2^{m-1}, 2^{m-1}). With x^ the masked input mod 2^m, b = -r mod 2^m, y0 = x^ mod 2^{m-1}
// and y1 = b mod 2^{m-1}, adding x^ + b in m bits gives
//   DReLU(x) = 1 ^ MSB(x^) ^ MSB(b) ^ 1{2^{m-1} - 1 - y0 < y1}.
// The comparison is one DPF_{m-1,1} key for the point y1 (a single path evaluation); the dealer
// folds 1 ^ MSB(b) ^ r_out into one XOR-shared bit, so the output is an XOR share of
// DReLU ^ r_out with no round inside the gate.
//
// Public offsets: x + c has the masked value x^ + c and the same mask r, so DReLU(x + c_k) for
// several public c_k comes from the SAME DPF key evaluated at x^ + c_k. Each output needs its own
// fresh output mask bit (one mask for all would reveal DReLU(x + c_j) ^ DReLU(x + c_k)), so each
// offset adds one bit of key. GeLU uses offsets {0, 255, -256}.
//
// Key per party: 16 (DPF batch header) + count * (dpf_key_bytes({m-1, 1}) for one key) +
// K * ceil(count / 8) for K offsets. Bytes sent and rounds inside the gate: 0; opening each
// output bit costs ceil(count / 8) bytes in one round.
#include <cstdint>
#include <vector>

#include "core/hd.h"
#include "mpc/engine.h"
#include "mpc/gate.h"

namespace fss::sigma {

// Per-element step of DReLU eval: this party's XOR share of DReLU_m(x) ^ r_out from
// shifted = (x^ + c) mod 2^m, the DPF comparison share of 1{2^{m-1} - 1 - y0 < y1} and the key's
// bit share of 1 ^ MSB(b) ^ r_out.
FSS_HD constexpr uint64_t drelu_share(int party, int m, uint64_t shifted, uint64_t compare_share,
                                      uint64_t key_bit) {
  const uint64_t public_msb = party == 0 ? (shifted >> (m - 1)) & 1 : 0;
  return public_msb ^ compare_share ^ key_bit;
}

class DreluGate final : public Gate {
 public:
  // Input format {n, f}; one output bit (format {1, 0}) per offset: DReLU_m(x + offsets[k]).
  // Needs 2 <= m <= n and at least one offset; offsets are reduced mod 2^m.
  DreluGate(FixedPoint input, int m, std::vector<int64_t> offsets = {0});

  GateKind kind() const override { return GateKind::kDrelu; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {input_}; }
  std::vector<FixedPoint> output_formats() const override;
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint input_;
  int m_;
  std::vector<int64_t> offsets_;
};

// Shared bit (x >= y) = DReLU_m(x - y) for x, y of one format. Faithful when x - y lies in
// [-2^{m-1}, 2^{m-1}), e.g. both inputs in [-2^{m-2}, 2^{m-2}) (the gap domain). Throws
// kInvalidArgument as DreluGate does, or if the formats differ.
Shared greater_equal(Engine& engine, const Masked& x, const Masked& y, int m);

}  // namespace fss::sigma
