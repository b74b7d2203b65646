#pragma once
// A gate: the dealer's Gen and the parties' Eval for one elementwise functionality, plus the
// functionality itself in the clear (PROTOCOLS.md §0). Eval takes masked inputs and returns
// shares of (output + output mask); values that depend on the masks (carries, wrap bits) stay
// inside the gate, opened through the Opener when the protocol needs a round. Engines call
// these three methods; a gate never knows which engine runs it.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/bitpack.h"
#include "core/bytes.h"
#include "core/fixed_point.h"
#include "core/tensor.h"
#include "core/words.h"
#include "crypto/prg.h"
#include "mpc/gate_kind.h"

namespace fss {

// Columns: columns[k] holds input (or output) k row-major; for elementwise gates
// columns[k][i] is element i of every column.
using InColumns = std::span<const std::span<const uint64_t>>;
using OutColumns = std::span<const std::span<uint64_t>>;

// The parties' link as a gate sees it: reconstructs values from both parties' shares.
class Opener {
 public:
  virtual ~Opener() = default;
  // Sends this party's shares (bit-packed to `bits`), returns share + peer's share mod 2^bits
  // (XOR for bits = 1). One round.
  virtual Words open(std::span<const uint64_t> shares, int bits) = 0;
  // The same for `count` XOR-shared bits already packed (core/bitpack.h, packed_bytes(count, 1)
  // bytes): returns both parties' bits XORed, packed. The same message as open(shares, 1).
  virtual std::vector<uint8_t> open_bits(std::span<const uint8_t> packed, size_t count) {
    return pack(open(unpack(packed, 1, count), 1), 1);
  }
};

class Gate {
 public:
  virtual ~Gate() = default;

  virtual GateKind kind() const = 0;
  // For messages and cost tables: "truncate_reduce(n=50, f=12)".
  virtual std::string describe() const = 0;
  // Format (ring bits n, scale f) of each input, which engines check, and of each output.
  virtual std::vector<FixedPoint> input_formats() const = 0;
  virtual std::vector<FixedPoint> output_formats() const = 0;
  // Output shapes for these input shapes; throws kInvalidArgument if the inputs do not fit.
  // Default (elementwise gates): every input has one shape, and so has every output.
  virtual std::vector<Shape> output_shapes(std::span<const Shape> inputs) const;
  // Exact key bytes one party receives when output 0 has `count` elements (gen writes exactly
  // this); the engines frame the key record with that count.
  virtual uint64_t key_bytes(uint64_t count) const = 0;

  // The functionality: out[k][i] = f_k(in[0][i], in[1][i], ...), values in their rings.
  virtual void clear(InColumns in, OutColumns out) const = 0;
  // Dealer: r_in are the input masks, r_out the (fresh, uniform) output masks; writes the
  // key material of party 0 and party 1. Randomness comes only from `prg`.
  virtual void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                   ByteWriter& key1) const = 0;
  // Party: from the masked inputs and this party's key, its shares of out + r_out.
  virtual void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                    Opener& opener) const = 0;
  // Rounds eval spends in the Opener (0 for local gates).
  virtual int rounds() const { return 0; }
};

}  // namespace fss
