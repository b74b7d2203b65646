// Property test over the whole SIGMA library: random chains of 20 gates (random kinds, shapes
// [B, L, k] with batch sizes B = 1..4) run through the clear engine, the dealer and both parties
// (mpc/local_run.h); every step's output, reconstructed, equals the clear engine's bit for bit.
//
// Domains. Every wire between steps has format {n, 12} and holds |x| <= kBound = 2^15 (8.0), a
// range inside every gate's valid domain at n >= 37 (each step's comment gives its domain
// condition). Each step states a bound on its output, derived from its definition; where the
// bound exceeds kBound, the step is followed by an exact rescale, floor(y / 2^s) by GapARS
// (in its gap: |y| < 2^{n-2}), relabelled {n, 12}. Steps with other input needs move x into
// their domain by exact local steps (a public offset: x + 2^15 >= 0 for nExp) or by a gate
// (clip). The test checks every step's clear output against its stated bound, so a wrong
// domain argument fails the test rather than passing unnoticed.
//
// A run has 60 chains (the last over TCP) at n = 37, 50, 48, 64, 51; it prints its seed and each
// chain's ring, shape and steps; FSS_TEST_SEED=<seed> reruns it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mpc/local_run.h"
#include "mpc/lut.h"
#include "mpc/select.h"
#include "mpc/select_lin.h"
#include "sigma/ars.h"
#include "sigma/broadcast.h"
#include "sigma/drelu.h"
#include "sigma/gap_truncation.h"
#include "sigma/gelu.h"
#include "sigma/last_axis.h"
#include "sigma/last_axis_linear.h"
#include "sigma/layernorm.h"
#include "sigma/matmul.h"
#include "sigma/max.h"
#include "sigma/mul.h"
#include "sigma/nexp.h"
#include "sigma/reciprocal.h"
#include "sigma/relu.h"
#include "sigma/rmsnorm.h"
#include "sigma/rotary.h"
#include "sigma/rsqrt.h"
#include "sigma/silu.h"
#include "sigma/softmax.h"

namespace fss::sigma {
namespace {

constexpr int kF = 12;
constexpr int kSteps = 20;
constexpr int kChains = 60;
constexpr int64_t kBound = int64_t{1} << 15;  // |x| <= 8.0 on every wire between steps
constexpr int64_t kMaxColumns = 8;            // k <= 8 keeps the norms' sums of squares small

enum class Kind {
  kGapArs,
  kGapLrs,
  kArs,
  kClip,
  kPairwiseMax,
  kRelu,
  kMaxOverRow,
  kLut,
  kGelu,
  kSilu,
  kMulTruncate,
  kSquareTruncate,
  kMatmulSecret,
  kMatmulPublic,
  kNexp,
  kReciprocal,
  kSoftmax,
  kCausalSoftmax,
  kLayerNorm,
  kRmsNorm,
  kRotary,
  kRecSqrt,
  kCount
};

uint64_t test_seed() {
  if (const char* seed = std::getenv("FSS_TEST_SEED")) return std::strtoull(seed, nullptr, 0);
  return std::random_device{}();
}

// A step of a chain: `run` maps the wire x ({n, 12}, |x| <= kBound) to a wire of format {n, 12}
// with |y| <= bound. It may ask the engine for secret inputs, which the plan provides in order.
struct Step {
  Kind kind;
  std::string name;
  int64_t bound = kBound;
  std::function<Masked(Engine&, const Masked&)> run;
};

Masked relabel(const Masked& x, int f) {
  const Tensor& t = x.value;
  return {Tensor(t.shape(), FixedPoint{t.fixed_point().n, f},
                 std::vector<uint64_t>(t.data().begin(), t.data().end()))};
}

// The smallest s >= 0 with bound <= kBound 2^s: then |floor(y / 2^s)| <= kBound.
int shift_to_fit(int64_t bound) {
  int s = 0;
  while ((kBound << s) < bound) ++s;
  return s;
}

// floor(y / 2^s) by GapARS, relabelled {n, 12}. The caller ensures |y| < 2^{n-2} (the gap).
Masked shift_down(Engine& engine, const Masked& y, int s) {
  if (s == 0) return relabel(y, kF);
  return relabel(engine.open(gap_ars(engine, y, s), "chain: shift"), kF);
}

// Uniform in [-bound, bound], the first elements the edges 0, +-1, +-bound, +-(bound - 1).
Tensor random_tensor(std::mt19937_64& rng, const Shape& shape, FixedPoint format, int64_t bound) {
  const Ring ring = format.ring();
  const int64_t edges[] = {0, 1, -1, bound, -bound, bound - 1, -(bound - 1)};
  std::uniform_int_distribution<int64_t> value(-bound, bound);
  std::vector<uint64_t> values(shape.size());
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = ring.from_signed(i < std::size(edges) ? edges[i] : value(rng));
  return Tensor(shape, format, std::move(values));
}

// Plans one chain: the steps, with the shapes they see and the secret inputs they consume.
class ChainPlanner {
 public:
  ChainPlanner(uint64_t seed, int n)
      : rng_(seed),
        format_{n, kF},
        batch_(uniform(1, 4)),
        rows_(uniform(1, 6)),
        cols_(uniform(1, kMaxColumns)) {
    inputs_.push_back(random_tensor(rng_, shape(), format_, kBound));
  }

  FixedPoint format() const { return format_; }
  Shape shape() const { return Shape{batch_, rows_, cols_}; }
  std::vector<Tensor>& inputs() { return inputs_; }

  Step plan(Kind kind) {
    Step step = make(kind);
    // The rescale after a step truncates in GapARS's gap, |y| < 2^{n-2}.
    EXPECT_LT(step.bound, int64_t{1} << (format_.n - 2)) << step.name;
    return step;
  }

 private:
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  // An effective width for comparisons of values in [-2^16, 2^16]: signed (m >= 18) and, for
  // max.h, in [-2^{m-2}, 2^{m-2}).
  int comparison_width() { return static_cast<int>(uniform(18, format_.n)); }

  Step make(Kind kind);

  std::mt19937_64 rng_;
  FixedPoint format_;
  int64_t batch_, rows_, cols_;
  std::vector<Tensor> inputs_;
};

Step ChainPlanner::make(Kind kind) {
  const FixedPoint format = format_;
  const int n = format.n;
  const Ring ring = format.ring();
  switch (kind) {
    case Kind::kGapArs:
    case Kind::kArs: {
      // floor(c x / 2^s) with 1 <= c <= 2^s: |c x| <= 2^21 is in GapARS's gap; ARS (TR, open,
      // sign extension) is exact everywhere. Output |y| <= kBound.
      const int s = static_cast<int>(uniform(1, 6));
      const uint64_t c = uniform(1, int64_t{1} << s);
      const bool gap = kind == Kind::kGapArs;
      return {kind, fmt::format("{}(c={}, s={})", gap ? "gap_ars" : "ars", c, s), kBound,
              [=](Engine& engine, const Masked& x) {
                const Masked scaled = scale_public(x, c, FixedPoint{n, kF + s});
                return engine.open(gap ? gap_ars(engine, scaled, s) : ars(engine, scaled, s));
              }};
    }
    case Kind::kGapLrs: {
      // u = c (x + 2^15) in [0, 2^{16+s}] (unsigned, in GapLRS's [0, 2^{n-1})); floor(u / 2^s)
      // lies in [0, 2^16]; minus 2^15: |y| <= kBound.
      const int s = static_cast<int>(uniform(1, 6));
      const uint64_t c = uniform(1, int64_t{1} << s);
      return {kind, fmt::format("gap_lrs(c={}, s={})", c, s), kBound,
              [=](Engine& engine, const Masked& x) {
                const Masked u = scale_public(add_public(engine, x, kBound), c, {n, kF + s});
                const Masked shifted = engine.open(gap_lrs(engine, u, s));
                return add_public(engine, shifted, ring.from_signed(-kBound));
              }};
    }
    case Kind::kClip: {
      // One DReLU key at the offsets -C and +C: s0 = 1{x >= C}, s1 = 1{x >= -C} (x -+ C fits
      // m >= 18 signed bits), opened together; SelectLin by j = 2 s0 + s1 gives -C (j = 0),
      // x (j = 1), C (j = 3); j = 2 cannot occur. Output |y| <= C <= kBound.
      const int64_t C = uniform(1 << 10, kBound);
      const int m = comparison_width();
      return {kind, fmt::format("clip(C={}, m={})", C, m), C, [=](Engine& engine, const Masked& x) {
                const DreluGate bits(format, m, {-C, C});
                const Masked* input[] = {&x};
                const std::vector<Shared> shares = engine.apply(bits, input);
                const Shared* both[] = {&shares[0], &shares[1]};
                const std::vector<Masked> opened = open_together(engine, both, "chain: clip bits");
                const SelectLinGate clip(format, {0, 1, 0, 0}, {-C, 0, 0, C});
                const Masked* inputs[] = {&opened[0], &opened[1], &x};
                return engine.open(engine.apply(clip, inputs)[0]);
              }};
    }
    case Kind::kPairwiseMax: {
      // max(x, x') for x' = x with its columns permuted: d = (x >= x') on m >= 18 bits
      // (|x - x'| <= 2^16), opened; y = x' + Select(d, x - x'). Output |y| <= kBound.
      std::vector<int64_t> permutation(cols_);
      std::iota(permutation.begin(), permutation.end(), 0);
      std::shuffle(permutation.begin(), permutation.end(), rng_);
      const int m = comparison_width();
      return {kind, fmt::format("pairwise_max(m={}, columns {})", m, fmt::join(permutation, " ")),
              kBound, [=](Engine& engine, const Masked& x) {
                const Masked other = gather_last_axis(x, permutation);
                const Masked first_wins =
                    engine.open(greater_equal(engine, x, other, m), "chain: comparison");
                const Shared larger =
                    add(engine.apply(SelectGate(format), first_wins, sub(x, other)),
                        engine.share_of(other));
                return engine.open(larger);
              }};
    }
    case Kind::kRelu: {
      // x in [-2^16, 2^16) = the signed m-bit range for m >= 17. Output in [0, kBound].
      const int m = static_cast<int>(uniform(17, n));
      return {kind, fmt::format("relu(m={})", m), kBound,
              [=](Engine& engine, const Masked& x) { return engine.open(relu(engine, x, m)); }};
    }
    case Kind::kMaxOverRow: {
      // Row maxima (values in [-2^{m-2}, 2^{m-2}) for m >= 18), broadcast to k' columns.
      const int m = comparison_width();
      const int64_t k = uniform(1, kMaxColumns);
      cols_ = k;
      return {kind, fmt::format("max_last_axis(m={}) broadcast to {}", m, k), kBound,
              [=](Engine& engine, const Masked& x) {
                return broadcast_last_axis(max_last_axis(engine, x, m), k);
              }};
    }
    case Kind::kLut: {
      // T[x mod 2^b] for a random table of values in [-kBound, kBound]; every index is valid.
      const int b = static_cast<int>(uniform(1, 10));
      std::vector<uint64_t> table(size_t{1} << b);
      for (uint64_t& entry : table) entry = ring.from_signed(uniform(-kBound, kBound));
      return {kind, fmt::format("lut(k={})", b), kBound, [=](Engine& engine, const Masked& x) {
                const LutGate lut("chain", FixedPoint{b, 0}, format, table);
                return engine.open(engine.apply(lut, low_bits(x, FixedPoint{b, 0})));
              }};
    }
    case Kind::kGelu:
    case Kind::kSilu: {
      // Valid for |x| < 2^{n-2f} - 2^{k-q} (> 8000 at n = 37). act(x) = ReLU(x) - T[c] with
      // 0 <= T[c] <= max delta < 0.3, so -0.3 <= y <= max(x, 0) and |y| <= kBound.
      const bool is_gelu = kind == Kind::kGelu;
      return {kind, is_gelu ? "gelu" : "silu", kBound, [=](Engine& engine, const Masked& x) {
                return engine.open(is_gelu ? gelu(engine, x) : silu(engine, x));
              }};
    }
    case Kind::kMulTruncate:
    case Kind::kSquareTruncate: {
      // floor(x v / 2^15) (scale 24 - 15 = 9, relabelled 12) for a secret v with |v| <= kBound:
      // |x v| <= 2^30 lies in GapARS's gap; |y| <= kBound.
      const bool square = kind == Kind::kSquareTruncate;
      const Shape shape = this->shape();
      if (!square) inputs_.push_back(random_tensor(rng_, shape, format, kBound));
      return {kind, square ? "square_truncate(15)" : "mul_truncate(secret, 15)", kBound,
              [=](Engine& engine, const Masked& x) {
                const int shift = 15;
                if (square) return relabel(engine.open(square_truncate(engine, x, shift)), kF);
                const Masked v = engine.input(shape, format);
                return relabel(engine.open(mul_truncate(engine, x, v, shift)), kF);
              }};
    }
    case Kind::kMatmulSecret: {
      // X [B, L, k] times a secret W [k, k'] (or [B, k, k'], batched) with |w| <= 1.0:
      // |XW| <= k 2^27 at scale 24, then floor by 2^{12 + t}: |y| <= kBound.
      const int64_t k = cols_, k_out = uniform(1, kMaxColumns);
      const bool batched = uniform(0, 1) == 1;
      const Shape w_shape = batched ? Shape{batch_, k, k_out} : Shape{k, k_out};
      inputs_.push_back(random_tensor(rng_, w_shape, format, int64_t{1} << kF));
      const int64_t product_bound = k * (kBound << kF);
      const int shift = shift_to_fit(product_bound);
      cols_ = k_out;
      return {kind,
              fmt::format("matmul(secret W {}{})", w_shape.to_string(), batched ? ", batched" : ""),
              kBound, [=](Engine& engine, const Masked& x) {
                const Masked w = engine.input(w_shape, format);
                const Masked product = engine.open(matmul(engine, x, w));
                return shift_down(engine, product, shift);
              }};
    }
    case Kind::kMatmulPublic: {
      // X W + b for a public W [k, k'] (|w| <= 1.0) and bias [k'] at scale 24 (|b| <= 2^26):
      // local, the mask becomes R_X W; |XW + b| <= k 2^27 + 2^26, then floored into kBound.
      const int64_t k = cols_, k_out = uniform(1, kMaxColumns);
      const FixedPoint product_format{n, 2 * kF};
      const Tensor w = random_tensor(rng_, Shape{k, k_out}, format, int64_t{1} << kF);
      const Tensor bias = random_tensor(rng_, Shape{k_out}, product_format, int64_t{1} << 26);
      const int shift = shift_to_fit(k * (kBound << kF) + (int64_t{1} << 26));
      cols_ = k_out;
      return {kind, fmt::format("matmul(public W [{}, {}]) + bias", k, k_out), kBound,
              [=](Engine& engine, const Masked& x) {
                return shift_down(engine, add_bias(engine, matmul_public(x, w), bias), shift);
              }};
    }
    case Kind::kNexp: {
      // e^{-u} for u = x + 2^15 in [0, 2^16] (inside [0, 2^{m-1}), m = n - 10). y in [0, 2^12].
      return {kind, "nexp(x + 8)", int64_t{1} << kF, [=](Engine& engine, const Masked& x) {
                return engine.open(nexp(engine, add_public(engine, x, kBound)));
              }};
    }
    case Kind::kReciprocal: {
      // 1 / z for z = x + 9.0 in [1, 17] (the domain for sums of k = 17 terms). The result
      // exceeds 2^12 / z by less than 2^12 / 65: y <= 2^12 + 64.
      const int64_t terms = 17;
      return {kind, "softmax_reciprocal(x + 9, k=17)", (int64_t{1} << kF) + 64,
              [=](Engine& engine, const Masked& x) {
                const Masked z = add_public(engine, x, kBound + (uint64_t{1} << kF));
                return engine.open(softmax_reciprocal(engine, z, terms));
              }};
    }
    case Kind::kSoftmax: {
      // Valid for |x| < 2^{n-f-1}. Each output is at most 1.0 plus the approximation's
      // < 90 ulp (docs/gates/softmax.md, k <= 8): y in [0, 2^13].
      return {kind, "softmax", int64_t{1} << 13,
              [](Engine& engine, const Masked& x) { return engine.open(softmax(engine, x)); }};
    }
    case Kind::kCausalSoftmax: {
      // Columns j mod k for j < L make the rows [B, L, L] (a data move); then as softmax.
      std::vector<int64_t> columns(rows_);
      for (int64_t j = 0; j < rows_; ++j) columns[j] = j % cols_;
      cols_ = rows_;
      return {kind, fmt::format("causal_softmax over columns {}", fmt::join(columns, " ")),
              int64_t{1} << 13, [=](Engine& engine, const Masked& x) {
                return engine.open(causal_softmax(engine, gather_last_axis(x, columns)));
              }};
    }
    case Kind::kLayerNorm:
    case Kind::kRmsNorm: {
      // Rows of k <= 8 values with |x| <= 8.0: |mean sum| <= 2^30 and the sums of squares
      // <= 8 (2^16 + 2)^2 < 2^{n-1} at scale 24, inside the gaps for n >= 37. With |gamma| <= 2.0
      // (f_g = 12) and |beta| <= 1.0: |y| <= 2^12 (2 sqrt(k) (1 + 2^-M) + 1) + 2 < kBound.
      const bool layer = kind == Kind::kLayerNorm;
      const int64_t k = cols_;
      const bool masked = uniform(0, 1) == 1;
      NormOptions options;
      options.epsilon = 1e-5;
      options.mantissa_bits = static_cast<int>(uniform(5, 8));
      const Tensor gamma = random_tensor(rng_, Shape{k}, format, int64_t{2} << kF);
      const Tensor beta = random_tensor(rng_, Shape{k}, format, int64_t{1} << kF);
      if (masked) {
        inputs_.push_back(gamma);
        if (layer) inputs_.push_back(beta);
      }
      const auto bound =
          static_cast<int64_t>(std::ceil(
              std::ldexp(2 * std::sqrt(double(k)) * (1 + std::ldexp(1.0, -options.mantissa_bits)) +
                             (layer ? 1 : 0),
                         kF))) +
          2;
      return {kind,
              fmt::format("{}({} weights, M={})", layer ? "layernorm" : "rmsnorm",
                          masked ? "masked" : "public", options.mantissa_bits),
              bound, [=](Engine& engine, const Masked& x) {
                if (!masked)
                  return engine.open(layer ? layernorm(engine, x, gamma, beta, options)
                                           : rmsnorm(engine, x, gamma, options));
                const Masked g = engine.input(Shape{k}, format);
                if (!layer) return engine.open(rmsnorm(engine, x, g, options));
                const Masked b = engine.input(Shape{k}, format);
                return engine.open(layernorm(engine, x, g, b, options));
              }};
    }
    case Kind::kRotary: {
      // Columns j mod k for j < d (d = k rounded up to even) make a head of d features; tables
      // for L positions from a random first position. |a x + b x'| <= 2 kBound (|a|, |b| <= 1)
      // at scale 2f - 3 is inside the gap; the rescale after the step halves it.
      const int64_t d = cols_ + cols_ % 2;
      std::vector<int64_t> columns(d);
      for (int64_t j = 0; j < d; ++j) columns[j] = j % cols_;
      const int64_t first_position = uniform(0, 4096);
      const double base = uniform(0, 1) == 1 ? 10000.0 : 500000.0;
      const RotaryTables tables = rotary_tables(format, rows_, d, base, first_position);
      cols_ = d;
      return {kind,
              fmt::format("rotary(d={}, positions from {}, base {})", d, first_position, base),
              2 * kBound, [=](Engine& engine, const Masked& x) {
                return engine.open(rotary_embedding(engine, gather_last_axis(x, columns), tables));
              }};
    }
    case Kind::kRecSqrt: {
      // 2^12 / sqrt(z / (2^-6 2^12)) = 2^15 / sqrt(z) for z = x + 2^15 + 1 in [1, 2^16 + 1] (raw,
      // inside [1, 2^{n-1})): y in [0, kBound].
      const RecSqrtParams params{.output_frac_bits = kF,
                                 .divisor = 1.0 / 64,
                                 .mantissa_bits = static_cast<int>(uniform(4, 8))};
      return {kind, fmt::format("rec_sqrt(x + 8 + 1 ulp, M={})", params.mantissa_bits), kBound,
              [=](Engine& engine, const Masked& x) {
                return engine.open(rec_sqrt(engine, add_public(engine, x, kBound + 1), params));
              }};
    }
    case Kind::kCount:
      break;
  }
  ADD_FAILURE() << "no such step kind";
  return {};
}

// A planned chain: its steps and the wires it returns, with the bound each must satisfy.
struct Chain {
  FixedPoint format;
  Shape input_shape;
  std::vector<Step> steps;
  std::vector<Tensor> inputs;
  // One per program output: the step's output, then (if its bound exceeds kBound) the rescale.
  std::vector<std::pair<std::string, int64_t>> outputs;
};

// Kinds drawn from a shuffled deck of all kinds, refilled when empty: random order, and every
// kind appears in every run of kChains * kSteps >= kCount draws.
class KindDeck {
 public:
  explicit KindDeck(uint64_t seed) : rng_(seed) {}
  Kind draw() {
    if (deck_.empty()) {
      for (int kind = 0; kind < static_cast<int>(Kind::kCount); ++kind)
        deck_.push_back(static_cast<Kind>(kind));
      std::shuffle(deck_.begin(), deck_.end(), rng_);
    }
    const Kind kind = deck_.back();
    deck_.pop_back();
    return kind;
  }

 private:
  std::mt19937_64 rng_;
  std::vector<Kind> deck_;
};

Chain plan_chain(uint64_t seed, int n, KindDeck& deck) {
  ChainPlanner planner(seed, n);
  Chain chain{planner.format(), planner.shape(), {}, {}, {}};
  for (int i = 0; i < kSteps; ++i) {
    Step step = planner.plan(deck.draw());
    chain.outputs.emplace_back(step.name, step.bound);
    if (step.bound > kBound)
      chain.outputs.emplace_back(
          fmt::format("{}, then floor by 2^{}", step.name, shift_to_fit(step.bound)), kBound);
    chain.steps.push_back(std::move(step));
  }
  chain.inputs = std::move(planner.inputs());
  return chain;
}

Program chain_program(const Chain& chain) {
  return [&chain](Engine& engine) {
    Masked x = engine.input(chain.input_shape, chain.format);
    std::vector<Masked> outputs;
    for (const Step& step : chain.steps) {
      x = step.run(engine, x);
      outputs.push_back(x);
      if (step.bound > kBound) {
        x = shift_down(engine, x, shift_to_fit(step.bound));
        outputs.push_back(x);
      }
    }
    return outputs;
  };
}

std::string describe(const Chain& chain) {
  std::vector<std::string> names;
  for (const Step& step : chain.steps) names.push_back(step.name);
  return fmt::format("n={}, input {}: {}", chain.format.n, chain.input_shape.to_string(),
                     fmt::join(names, " -> "));
}

TEST(GateChain, RandomChainsMatchTheClearEngineBitForBit) {
  const uint64_t seed = test_seed();
  std::cout << "gate chains: FSS_TEST_SEED=" << seed << "\n";
  SCOPED_TRACE(testing::Message() << "FSS_TEST_SEED=" << seed);
  KindDeck deck(seed);
  std::set<Kind> kinds_run;
  const int widths[] = {37, 50, 48, 64, 51};
  for (int index = 0; index < kChains; ++index) {
    const uint64_t chain_seed = seed + 1000 * (index + 1);
    const int n = widths[index % std::size(widths)];
    const Chain chain = plan_chain(chain_seed, n, deck);
    std::cout << "chain " << index << ": " << describe(chain) << "\n";
    SCOPED_TRACE(testing::Message() << "chain " << index << ": " << describe(chain));
    const bool tcp = index == kChains - 1;
    const LocalRunResult run =
        run_locally(chain_program(chain), chain.inputs,
                    {.seed = Block{chain_seed, uint64_t(index)}, .tcp = tcp});
    ASSERT_EQ(run.clear.size(), chain.outputs.size());
    ASSERT_EQ(run.reconstructed.size(), chain.outputs.size());
    for (size_t out = 0; out < chain.outputs.size(); ++out) {
      const auto& [name, bound] = chain.outputs[out];
      const Tensor& clear = run.clear[out];
      const Tensor& reconstructed = run.reconstructed[out];
      ASSERT_EQ(clear.shape(), reconstructed.shape()) << "output " << out << ": " << name;
      ASSERT_EQ(clear.fixed_point(), chain.format) << name;
      for (size_t i = 0; i < clear.size(); ++i) {
        ASSERT_EQ(reconstructed[i], clear[i]) << "output " << out << " (" << name << "), element "
                                              << i << " of " << clear.shape().to_string();
        const int64_t value = clear.ring().to_signed(clear[i]);
        ASSERT_LE(std::abs(value), bound)
            << "output " << out << " (" << name << ") leaves its bound at element " << i;
      }
    }
    for (const Step& step : chain.steps) kinds_run.insert(step.kind);
  }
  EXPECT_EQ(kinds_run.size(), static_cast<size_t>(Kind::kCount));
}

}  // namespace
}  // namespace fss::sigma
