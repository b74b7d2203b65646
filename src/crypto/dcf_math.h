#pragma once
// Per-key steps of the DCF of crypto/dcf.h (BCGGIKR Gen< / Eval<), written once for the CPU and
// GPU backends (ARCHITECTURE.md §4). Besides its seed (crypto/tree_math.h), each child has a
// value word: the low 64 bits of G_{value,dir} (PrgStream::kValueLeft / kValueRight) of the
// parent's seed. Values are mod 2^l with `mask` = 2^l - 1; sums run mod 2^64 and are reduced
// where a CW or an output is formed.
#include <cstdint>

#include "core/hd.h"
#include "crypto/block.h"
#include "crypto/tree_math.h"

namespace fss {

// (-1)^bit * v in Z_{2^64}, without a branch on the secret-dependent bit.
FSS_HD constexpr uint64_t dcf_negate_if(uint64_t bit, uint64_t v) { return (v ^ (0 - bit)) + bit; }

// Key generation's value CW at one level and the running V_alpha after it. value_d_p is party
// p's value word of the child in direction d; the lost subtree holds the inputs below alpha
// exactly when it is the left one (alpha_bit = 1), and then carries beta.
struct DcfLevelValue {
  uint64_t value_cw;
  uint64_t v_alpha;
};

FSS_HD constexpr DcfLevelValue dcf_level_value(uint64_t left0, uint64_t right0, uint64_t left1,
                                               uint64_t right1, uint64_t alpha_bit, uint64_t beta,
                                               uint64_t t1, uint64_t v_alpha, uint64_t mask) {
  const uint64_t lose0 = select_word(alpha_bit, right0, left0);
  const uint64_t lose1 = select_word(alpha_bit, right1, left1);
  const uint64_t keep0 = select_word(alpha_bit, left0, right0);
  const uint64_t keep1 = select_word(alpha_bit, left1, right1);
  const uint64_t value_cw =
      dcf_negate_if(t1, lose1 - lose0 - v_alpha + (beta & (0 - alpha_bit))) & mask;
  return {value_cw, (v_alpha - keep1 + keep0 + dcf_negate_if(t1, value_cw)) & mask};
}

// The final CW from both parties' converted leaves (low words) and party 1's final bit t1.
FSS_HD constexpr uint64_t dcf_final_cw(uint64_t converted0, uint64_t converted1, uint64_t t1,
                                       uint64_t v_alpha, uint64_t mask) {
  return dcf_negate_if(t1, converted1 - converted0 - v_alpha) & mask;
}

// Evaluation along the path of x: the node and the sum of value words and value CWs so far.
// B is the block type of crypto/tree_math.h.
template <typename B>
struct DcfWalk {
  B node;
  uint64_t sum = 0;
};

// One level towards `dir`: child = G_dir and value = low word of G_{value,dir} of the node
// without its control bit (computed by the backend); cw / right_t / value_cw the level's CWs.
template <typename B>
FSS_HD constexpr void dcf_step(DcfWalk<B>& walk, B child, uint64_t value, B cw, uint64_t right_t,
                               uint64_t dir, uint64_t value_cw) {
  const uint64_t t = block_lsb(walk.node);
  walk.node = tree_corrected(child, tree_child_correction(cw, right_t, dir), t);
  walk.sum += value + (value_cw & (0 - t));
}

// The party's additive share mod 2^l of beta * 1{x < alpha}; converted = low word of
// G_convert of the final node without its control bit.
template <typename B>
FSS_HD constexpr uint64_t dcf_finish(int party, const DcfWalk<B>& walk, uint64_t converted,
                                     uint64_t final_cw, uint64_t mask) {
  const uint64_t share = walk.sum + converted + (final_cw & (0 - block_lsb(walk.node)));
  return dcf_negate_if(static_cast<uint64_t>(party), share) & mask;
}

}  // namespace fss
