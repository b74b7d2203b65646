#pragma once
// Per-node steps of the GGM trees behind the DPF and the DCF (PROTOCOLS.md §1), written once
// for the CPU and GPU backends (ARCHITECTURE.md §4). A node is a 128-bit block whose bit 0 is
// the control bit t; its children before correction are G_L and G_R (PrgStream::kLeft /
// kRight) of the node without its control bit, computed in bulk by the backend. A level's
// correction word is a block `cw` whose bit 0 corrects the left child's control bit, plus one
// bit `right_t` that corrects the right child's. Nothing here branches on secret data.
//
// The steps are templates over the block type B: Block on the GPU, SimdBlock (an SSE register,
// crypto/simd_block.h) on the CPU. B provides ^ and &, and the overloads block_lsb(b),
// block_with_lsb(b, bit), block_flip_lsb(b, bit) (b with bit 0 XORed with bit),
// block_fill(b, bit) (all-ones of b's type when bit = 1), block_control_fill(node) (all-ones
// when node's control bit is set) and block_select(bit, if_zero, if_one), found by
// argument-dependent lookup. The CPU's AES shares its vector ports with this math, so the
// control-bit arithmetic is written to stay in scalar registers where it can.
#include <cstdint>

#include "core/hd.h"
#include "crypto/block.h"

namespace fss {

FSS_HD constexpr uint64_t block_lsb(Block b) { return b.lsb(); }
FSS_HD constexpr Block block_with_lsb(Block b, uint64_t bit) { return b.with_lsb(bit); }
FSS_HD constexpr Block block_flip_lsb(Block b, uint64_t bit) { return {b.lo ^ bit, b.hi}; }
FSS_HD constexpr Block block_fill(Block, uint64_t bit) { return Block::fill(bit); }
FSS_HD constexpr Block block_control_fill(Block node) { return Block::fill(node.lsb()); }
FSS_HD constexpr Block block_select(uint64_t bit, Block if_zero, Block if_one) {
  return if_zero ^ ((if_zero ^ if_one) & Block::fill(bit));
}

// if_zero when bit = 0, if_one when bit = 1, without a branch (bit in {0, 1}).
FSS_HD constexpr uint64_t select_word(uint64_t bit, uint64_t if_zero, uint64_t if_one) {
  return if_zero ^ ((if_zero ^ if_one) & (0 - bit));
}

// The input bit of x consumed at tree level `level` (the most significant of the n bits first).
FSS_HD constexpr uint64_t tree_path_bit(uint64_t x, int n, int level) {
  return (x >> (n - 1 - level)) & 1;
}

// The level CW as applied to the child in direction `dir` (0 left, 1 right): bit 0 replaced by
// right_t when going right.
template <typename B>
FSS_HD constexpr B tree_child_correction(B cw, uint64_t right_t, uint64_t dir) {
  return block_flip_lsb(cw, dir & (block_lsb(cw) ^ right_t));
}

// A child after correction: the uncorrected child XOR the correction where the parent's control
// bit is set. The same step applies a leaf CW to a converted leaf block.
template <typename B>
FSS_HD constexpr B tree_corrected(B child, B correction, uint64_t parent_t) {
  return child ^ (correction & block_fill(child, parent_t));
}

// One step of an evaluation path: the node's child in direction `dir`, given its uncorrected
// value `child` = G_dir(node without its control bit).
template <typename B>
FSS_HD constexpr B tree_path_step(B node, B child, B cw, uint64_t right_t, uint64_t dir) {
  return child ^ (tree_child_correction(cw, right_t, dir) & block_control_fill(node));
}

// Key generation at one level of the path to alpha (BGI16 Gen, and BCGGIKR's seed part).
// left_p / right_p are party p's uncorrected children; the path keeps the child in direction
// alpha_bit, and the CW makes the two lost children equal, their control bits equal, and the
// kept children's control bits differ.
template <typename B>
struct TreeLevelCw {
  B cw;              // bit 0: the left control-bit CW
  uint64_t right_t;  // the right control-bit CW
  B path_cw;         // the CW as applied to the kept child: tree_child_correction(cw, right_t, a)
};

template <typename B>
FSS_HD constexpr TreeLevelCw<B> tree_level_cw(B left0, B right0, B left1, B right1,
                                              uint64_t alpha_bit) {
  const B lost = block_select(alpha_bit, right0 ^ right1, left0 ^ left1);
  const uint64_t left_t = block_lsb(left0) ^ block_lsb(left1) ^ alpha_bit ^ 1;
  const uint64_t right_t = block_lsb(right0) ^ block_lsb(right1) ^ alpha_bit;
  return {block_with_lsb(lost, left_t), right_t,
          block_with_lsb(lost, select_word(alpha_bit, left_t, right_t))};
}

// A party's node on alpha's path after the level: its kept child, corrected with its parent's
// control bit.
template <typename B>
FSS_HD constexpr B tree_next_on_path(const TreeLevelCw<B>& level, B node, B left, B right,
                                     uint64_t alpha_bit) {
  return block_select(alpha_bit, left, right) ^ (level.path_cw & block_control_fill(node));
}

}  // namespace fss
