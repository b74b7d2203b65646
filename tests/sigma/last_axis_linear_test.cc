#include "sigma/last_axis_linear.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "norm_reference.h"

namespace fss::sigma {
namespace {

// Each operation runs on all three engines; the parties' wires minus the dealer's masks must give
// the clear engine's values, which must match a plain loop over the clear input.
TEST(LastAxisLinear, EveryEngineAgreesWithPlainLoops) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{37, 12};
  const Ring ring = format.ring();
  const Shape shape{2, 3, 5};
  std::vector<uint64_t> xs(shape.size()), ws(15), cs(5);
  for (auto& v : xs) v = rng() & ring.mask();
  for (auto& v : ws) v = rng() & ring.mask();
  for (auto& v : cs) v = rng() & ring.mask();
  const Tensor x(shape, format, xs), w(Shape{3, 5}, format, ws);
  const Tensor c(Shape{5}, {37, 3}, cs);
  const uint64_t scalar = rng() & ring.mask();
  Program program = [&](Engine& engine) {
    const Masked in = engine.input(shape, format);
    const Masked weight = engine.input(Shape{3, 5}, format);
    const Masked sums = sum_last_axis(in);
    const Shared shifted = shift_into(engine.share_of(in), 7, {40, 0});
    std::vector<Shared> pair = {engine.share_of(in), engine.share_of(in)};
    return std::vector<Masked>{sums,
                               repeat_last_axis(sums, 4),
                               repeat_to_shape(weight, shape),
                               multiply_public(in, c),
                               scale_public(in, scalar, {37, 20}),
                               engine.open(shifted),
                               open_stacked(engine, pair, "pair")[1]};
  };
  const Tensor inputs[] = {x, w};
  const LocalRunResult run = run_locally(program, inputs, {.seed = Block{rng(), rng()}});
  for (size_t k = 0; k < run.clear.size(); ++k)
    for (size_t i = 0; i < run.clear[k].size(); ++i)
      ASSERT_EQ(run.reconstructed[k][i], run.clear[k][i]) << "output " << k << " element " << i;

  EXPECT_EQ(run.clear[0].shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(run.clear[1].shape(), (Shape{2, 3, 4}));
  for (int64_t row = 0; row < 6; ++row) {
    uint64_t sum = 0;
    for (int64_t j = 0; j < 5; ++j) sum += xs[row * 5 + j];
    EXPECT_EQ(run.clear[0][row], ring.mod(sum));
    for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(run.clear[1][row * 4 + j], ring.mod(sum));
  }
  EXPECT_EQ(run.clear[3].fixed_point(), (FixedPoint{37, 15}));
  EXPECT_EQ(run.clear[4].fixed_point(), (FixedPoint{37, 20}));
  EXPECT_EQ(run.clear[5].fixed_point(), (FixedPoint{40, 0}));
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(run.clear[2][i], ws[i % 15]);
    EXPECT_EQ(run.clear[3][i], ring.mul(xs[i], cs[i % 5]));
    EXPECT_EQ(run.clear[4][i], ring.mul(xs[i], scalar));
    EXPECT_EQ(run.clear[5][i], (xs[i] << 7) & ((uint64_t{1} << 40) - 1));
    EXPECT_EQ(run.clear[6][i], xs[i]);
  }
  // The two wires went out as one message: one round.
  EXPECT_EQ(run.party_costs[0].entries().at("pair").rounds, 1u);
  EXPECT_EQ(run.party_costs[0].entries().at("pair").bytes_sent, (2 * xs.size() * 37 + 7) / 8);
}

TEST(LastAxisLinear, RejectsShapesAndFormatsThatDoNotFit) {
  const FixedPoint format{37, 12};
  const Masked rows{Tensor(Shape{2, 5}, format)};
  const Masked scalar{Tensor(Shape{}, format)};
  EXPECT_EQ(reference::thrown_kind([&] { sum_last_axis(scalar); }), "invalid argument");
  EXPECT_EQ(reference::thrown_kind([&] { repeat_last_axis(rows, 3); }),
            "invalid argument");  // last dimension 5, not 1
  EXPECT_EQ(reference::thrown_kind([&] {
              repeat_last_axis(Masked{Tensor(Shape{2, 1}, format)}, 0);
            }),
            "invalid argument");
  EXPECT_EQ(reference::thrown_kind([&] {
              repeat_to_shape(rows, Shape{2, 4});
            }),
            "invalid argument");  // not a suffix
  EXPECT_EQ(reference::thrown_kind([&] { multiply_public(rows, Tensor(Shape{4}, format)); }),
            "invalid argument");  // not a suffix
  EXPECT_EQ(reference::thrown_kind([&] {
              multiply_public(rows, Tensor(Shape{5}, {37, 25}));
            }),
            "invalid argument");  // 12 + 25 >= 37
  EXPECT_EQ(reference::thrown_kind([&] {
              multiply_public(rows, Tensor(Shape{5}, {36, 1}));
            }),
            "invalid argument");  // widths differ
  EXPECT_EQ(reference::thrown_kind([&] { scale_public(rows, 3, {36, 0}); }), "invalid argument");
  const Shared shares{Tensor(Shape{2, 5}, format)};
  EXPECT_EQ(reference::thrown_kind([&] {
              shift_into(shares, 2, {40, 0});
            }),
            "invalid argument");  // 40 > 37 + 2
  EXPECT_EQ(reference::thrown_kind([&] { shift_into(shares, -1, {30, 0}); }), "invalid argument");
  ClearEngine engine;
  const std::vector<Shared> mixed = {shares, Shared{Tensor(Shape{2}, {36, 0})}};
  EXPECT_EQ(reference::thrown_kind([&] { open_stacked(engine, mixed, "mixed"); }),
            "invalid argument");
  EXPECT_EQ(reference::thrown_kind([&] { open_stacked(engine, {}, "none"); }), "invalid argument");
}

}  // namespace
}  // namespace fss::sigma
