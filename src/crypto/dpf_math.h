#pragma once
// Per-key steps of the DPF of crypto/dpf.h, written once for the CPU and GPU backends
// (ARCHITECTURE.md §4): the early-terminated leaf layout, the leaf CW of key generation, the
// point-evaluation share and SIGMA's comparison walk. Tree steps are in crypto/tree_math.h;
// the backends only schedule the PRG calls and the loads and stores around these functions.
#include <cstdint>

#include "core/hd.h"
#include "crypto/block.h"
#include "crypto/tree_math.h"

namespace fss {

// 64-bit words of one key's full-domain output: bit x of word x / 64 is the share of f(x).
FSS_HD constexpr uint64_t full_domain_words(int n) { return n >= 6 ? uint64_t{1} << (n - 6) : 1; }

// The low `bits` bits set, bits in 0..64.
FSS_HD constexpr uint64_t low_bits_mask(int bits) {
  return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

FSS_HD uint64_t parity_of(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__popcll(x) & 1);
#else
  return static_cast<uint64_t>(__builtin_parityll(x));
#endif
}

// nu = min(n, floor(log2(128 / l))): the domain bits resolved inside one leaf block.
FSS_HD constexpr int dpf_leaf_bits(int n, int out_bits) {
  int slots_log2 = 0;
  for (unsigned q = 128u / static_cast<unsigned>(out_bits < 1 ? 1 : out_bits); q > 1; q >>= 1)
    ++slots_log2;
  return n < slots_log2 ? n : slots_log2;
}

// One serialized key's right control-bit CWs (`right_bytes` little-endian bytes) as a word.
FSS_HD uint64_t dpf_right_bits(const uint8_t* bytes, int right_bytes) {
  uint64_t bits = 0;
  for (int b = 0; b < right_bytes; ++b) bits |= uint64_t{bytes[b]} << (8 * b);
  return bits;
}

// What makes a serialized key corrupt (crypto/dpf.h's deserialize_dpf_keys, and the GPU's check
// of keys evaluated in place): 0 when nothing. Codes order the checks; dpf_key_problem_text names
// them.
enum DpfKeyProblem : uint64_t {
  kDpfKeyOk = 0,
  kDpfRootOfOtherParty = 1,
  kDpfRightPaddingSet = 2,
  kDpfLeafBitsOutsideSlots = 3,
};
FSS_HD uint64_t dpf_key_problem(Block root, uint64_t right_bits, Block leaf_cw, int levels,
                                Block unused_leaf_bits, uint64_t party_bit) {
  if (root.lsb() != party_bit) return kDpfRootOfOtherParty;
  if ((right_bits & ~low_bits_mask(levels)) != 0) return kDpfRightPaddingSet;
  if (!((leaf_cw & unused_leaf_bits) == Block{})) return kDpfLeafBitsOutsideSlots;
  return kDpfKeyOk;
}

// The early-terminated leaf block: 2^nu slots of 2^(7 - nu) bits, the low l bits of each used.
// A slot is at most 64 bits wide (l <= 64 gives nu >= 1), so it never straddles lo and hi.
class DpfLeafLayout {
 public:
  FSS_HD constexpr DpfLeafLayout(int n, int out_bits)
      : nu_(dpf_leaf_bits(n, out_bits)), width_log2_(7 - nu_), out_bits_(out_bits) {
    // Every slot's used bits: low_mask(l) repeated every 2^width_log2 bits, in both words.
    const uint64_t word =
        low_bits_mask(out_bits_) * (~uint64_t{0} / low_bits_mask(1 << width_log2_));
    used_bits_ = {word, word};
  }

  FSS_HD constexpr int nu() const { return nu_; }
  FSS_HD constexpr uint64_t slots() const { return uint64_t{1} << nu_; }
  FSS_HD constexpr uint64_t slot_of(uint64_t x) const { return x & (slots() - 1); }

  // Slot access without branches: the slot of alpha is the dealer's secret.
  FSS_HD constexpr uint64_t get(Block b, uint64_t slot) const {
    const int pos = static_cast<int>(slot << width_log2_);
    return (select_word(pos >> 6, b.lo, b.hi) >> (pos & 63)) & low_bits_mask(out_bits_);
  }
  FSS_HD constexpr void put(Block& b, uint64_t slot, uint64_t value) const {
    const int pos = static_cast<int>(slot << width_log2_);
    const uint64_t in_hi = 0 - static_cast<uint64_t>(pos >> 6);
    const uint64_t field = low_bits_mask(out_bits_) << (pos & 63);
    const uint64_t bits = (value & low_bits_mask(out_bits_)) << (pos & 63);
    b.lo = (b.lo & ~(field & ~in_hi)) | (bits & ~in_hi);
    b.hi = (b.hi & ~(field & in_hi)) | (bits & in_hi);
  }

  // The bits that carry outputs; every other bit of a leaf correction word is zero.
  FSS_HD constexpr Block used_bits() const { return used_bits_; }

  // For l = 1: the output bits of the slots strictly above `slot`.
  FSS_HD constexpr Block output_bits_above(uint64_t slot) const {
    const int start = static_cast<int>((slot + 1) << width_log2_);  // 1..128
    const uint64_t ones = ~uint64_t{0};
    const Block above{start >= 64 ? 0 : ones << start,
                      start >= 128 ? 0 : (start <= 64 ? ones : ones << (start - 64))};
    return above & used_bits_;
  }

  // Party's share of the slot: (-1)^party * (converted + t * leaf_cw) mod 2^l. For l = 1 this
  // is the XOR share converted ^ t*leaf_cw.
  FSS_HD constexpr uint64_t share(int party, Block converted, uint64_t t, Block leaf_cw,
                                  uint64_t slot) const {
    const uint64_t sum = get(converted, slot) + ((uint64_t{0} - t) & get(leaf_cw, slot));
    return (party == 0 ? sum : uint64_t{0} - sum) & low_bits_mask(out_bits_);
  }

  // For n < 7 (one leaf holds the whole domain, l = 1): bit x of the result is slot x.
  FSS_HD constexpr uint64_t pack_slots(Block outputs) const {
    uint64_t word = 0;
    for (uint64_t slot = 0; slot < slots(); ++slot) word |= get(outputs, slot) << slot;
    return word;
  }

 private:
  int nu_;
  int width_log2_;
  int out_bits_;
  Block used_bits_;
};

// The leaf CW of key generation from both parties' converted leaves (G_convert of the final
// seeds) and party 1's final control bit t1. For l = 1 the slots XOR to beta at alpha's slot;
// for l > 1 they sum to beta there and 0 elsewhere, party 1's share negated (hence (-1)^t1).
FSS_HD constexpr Block dpf_leaf_cw(const DpfLeafLayout& leaf, int out_bits, Block converted0,
                                   Block converted1, uint64_t t1, uint64_t alpha, uint64_t beta) {
  const uint64_t alpha_slot = leaf.slot_of(alpha);
  Block cw{};
  if (out_bits == 1) {
    cw = (converted0 ^ converted1) & leaf.used_bits();
    leaf.put(cw, alpha_slot, leaf.get(cw, alpha_slot) ^ beta);
    return cw;
  }
  for (uint64_t s = 0; s < leaf.slots(); ++s) {
    const uint64_t at_alpha = 0 - static_cast<uint64_t>(s == alpha_slot);
    const uint64_t target = (beta & at_alpha) - leaf.get(converted0, s) + leaf.get(converted1, s);
    leaf.put(cw, s, select_word(t1, target, uint64_t{0} - target));
  }
  return cw;
}

// Point j of a comparison made from a masked value x and a public offset c on n-bit keys
// (crypto/compare_offsets.h): (x + c) mod 2^n, or 2^n - 1 minus that where `complement` holds
// (DReLU's form, PROTOCOLS.md §4). Bits of x above n do not matter.
FSS_HD constexpr uint64_t dpf_offset_point(uint64_t x, uint64_t offset, int n, bool complement) {
  const uint64_t point = (x + offset) & low_bits_mask(n);
  return complement ? low_bits_mask(n) - point : point;
}

// SIGMA's comparison along the path of x: the node, and the XOR of the control bits of the
// right siblings passed while going left (each shares 1{alpha lies in that subtree}).
template <typename B>
struct DpfCompareWalk {
  B node;
  uint64_t right_of_path = 0;
};

// One level: left / right = G_L / G_R of the node without its control bit (computed by the
// backend), cw / right_t the level's CWs, go_right the path bit of x.
template <typename B>
FSS_HD constexpr void dpf_compare_step(DpfCompareWalk<B>& walk, B left, B right, B cw,
                                       uint64_t right_t, uint64_t go_right) {
  const uint64_t t = block_lsb(walk.node);
  const B child_left = tree_corrected(left, cw, t);
  const B child_right = tree_corrected(right, tree_child_correction(cw, right_t, 1), t);
  walk.right_of_path ^= block_lsb(child_right) & (go_right ^ 1);
  walk.node = block_select(go_right, child_left, child_right);
}

// The party's XOR share of 1{x < alpha}: the walk's bit plus the leaf outputs above x's slot.
// converted = G_convert of the final node without its control bit.
template <typename B>
FSS_HD uint64_t dpf_compare_finish(const DpfCompareWalk<B>& walk, const DpfLeafLayout& leaf,
                                   Block converted, Block leaf_cw, uint64_t x) {
  const Block outputs = tree_corrected(converted, leaf_cw, block_lsb(walk.node));
  const Block above = outputs & leaf.output_bits_above(leaf.slot_of(x));
  return parity_of(above.lo ^ above.hi) ^ (walk.right_of_path & 1);
}

}  // namespace fss
