#include "suf/compiler.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/ring.h"
#include "crypto/offset_sums.h"
#include "suf/builders.h"
#include "suf/interval_lookup.h"
#include "suf/steps.h"
#include "test_specs.h"

namespace fss::suf {
namespace {

TEST(SufCompiler, SinkPlanHasTheDerivedShapes) {
  for (int n : {5, 8, 50, 64}) {
    const SufPlan plan = compile(testing::sink_spec(n));
    const uint64_t half = uint64_t{1} << (n - 1);
    const Ring ring{n};
    // Width-n queries ride on the lookup key: C_{half+7} (-beta, 0), MSB (-half), D_{1,n} (-1),
    // C_0 (0). The width-3 D_{5,3} needs (3, -5 mod 8) and (3, 0).
    EXPECT_EQ(plan.lookup_queries,
              (std::vector<uint64_t>{ring.neg(half + 7), 0, ring.neg(half), ring.mask()}));
    EXPECT_EQ(plan.comparison_queries, (std::vector<Query>{{3, 3}, {3, 0}}));
    EXPECT_EQ(plan.shapes(), (SufShapes{.T = 6, .M = 6, .p = 7}));
    // Output 0 varies in x and x^2; output 1 only in x^2 (its x coefficient is 2 everywhere).
    EXPECT_EQ(plan.opened, (std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {1, 2}}));
    EXPECT_EQ(plan.and_layers, (std::vector<std::vector<int>>{{4}, {6}}));  // node 7 is unused
    EXPECT_FALSE(plan.used[7]);
  }
  // Comparison bits: the boundaries' queries join the predicates' in the packed comparison;
  // C_{half+7} and MSB reuse the boundaries a_4 = half + 7 and a_3 = half.
  for (int n : {8, 50}) {
    const SufPlan plan = compile(testing::sink_spec(n), LookupMode::kComparisonBits);
    const std::vector<uint64_t> a = testing::sink_starts(n);
    const Ring ring{n};
    EXPECT_TRUE(plan.lookup_queries.empty());
    EXPECT_EQ(plan.comparison_queries, (std::vector<Query>{{n, ring.neg(a[1])},
                                                           {n, 0},
                                                           {n, ring.neg(a[2])},
                                                           {n, ring.neg(a[3])},
                                                           {n, ring.neg(a[4])},
                                                           {n, ring.neg(a[5])},
                                                           {3, 3},
                                                           {3, 0},
                                                           {n, ring.mask()}}));
    EXPECT_EQ(plan.shapes(), (SufShapes{.T = 9, .M = 6, .p = 7}));
    EXPECT_TRUE(plan.opened.empty());
    EXPECT_EQ(plan.boundary_powers, 3);  // s_i, s_i r, s_i r^2
    EXPECT_EQ(plan.boundary_rewrites.size(), 5u);
  }
  const SufPlan relu = compile(relu_spec({16, 4}));
  EXPECT_EQ(relu.shapes(), (SufShapes{.T = 0, .M = 2, .p = 2}));
  EXPECT_EQ(relu.opened, (std::vector<std::pair<int, int>>{{0, 1}}));  // x's coefficient: 1 or 0
  const SufPlan drelu = compile(drelu_spec({16, 4}), LookupMode::kComparisonBits);
  EXPECT_EQ(drelu.lookup_mode, LookupMode::kPublic);  // nothing to look up
  EXPECT_EQ(drelu.shapes(), (SufShapes{.T = 2, .M = 0, .p = 0}));
  EXPECT_EQ(drelu.comparison_queries, (std::vector<Query>{{16, 1 << 15}, {16, 0}}));
}

TEST(SufCompiler, RejectsAnInvalidSpecOrMode) {
  SufSpec spec = testing::sink_spec(8);
  spec.starts[1] = 0;
  EXPECT_THROW(compile(spec), Error);
  EXPECT_THROW(compile(testing::sink_spec(8), LookupMode::kPublic), Error);
}

// PROTOCOLS.md §9 writes the rewrite as 1{x^ < theta} ^ 1{x^ < r} ^ w with theta = r + b and the
// carry w = 1{r + b >= 2^k}; the compiler uses 1{u < b} ^ q(k, -b) ^ q(k, 0). Both equal
// 1{x < b}: checked for every r, b and x^.
TEST(SufCompiler, RewriteEqualsTheCarryFormForEveryMask) {
  for (int k : {1, 3, 6, 8}) {
    const Ring ring{k};
    for (uint64_t r = 0; r <= ring.mask(); ++r)
      for (uint64_t b = 0; b <= ring.mask(); ++b)
        for (uint64_t u = 0; u <= ring.mask(); ++u) {
          const uint64_t x = ring.sub(u, r);
          const uint64_t theta = ring.add(r, b), carry = r + b > ring.mask();
          const uint64_t carry_form = (u < theta) ^ (u < r) ^ carry;
          const uint64_t ours = (u < b) ^ (ring.sub(u, b) < r) ^ (u < r);
          ASSERT_EQ(carry_form, x < b) << "k=" << k << " r=" << r << " b=" << b << " u=" << u;
          ASSERT_EQ(ours, x < b) << "k=" << k << " r=" << r << " b=" << b << " u=" << u;
        }
  }
}

// Every mask r and every x: the compiled query list, evaluated in the clear on x^ = x + r with
// threshold r, rebuilds every predicate node and the payload row (whose aux column is the
// interval index) of x through the gate's own post-processing (party 0 holding everything):
// the DCF lookup's combination, or the boundary bits 1{x < a_i} of the comparison-bits mode.
TEST(SufCompiler, MaskedRewriteAndIntervalReconstructForEveryMaskAndInput) {
  for (LookupMode mode : {LookupMode::kDcf, LookupMode::kComparisonBits}) {
    for (int n : {5, 6, 8}) {
      const SufPlan plan = compile(testing::sink_spec(n), mode);
      const SufSpec& spec = plan.spec;
      const Ring ring{n};
      const int m = spec.intervals();
      const int p = plan.shapes().p;
      // The lookup's weights (interval_lookup.h): v_{m-1} - v_0, then v_{i-1} - v_i.
      std::vector<uint64_t> weights(m * p);
      for (int q = 0; q < p; ++q) {
        weights[q] = ring.sub(plan.payload[m - 1][q], plan.payload[0][q]);
        for (int i = 1; i < m; ++i)
          weights[i * p + q] = ring.sub(plan.payload[i - 1][q], plan.payload[i][q]);
      }
      std::vector<uint64_t> lookup_query(plan.lookup_queries.size()),
          compare_query(plan.comparison_queries.size()), s(m), row(p);
      for (uint64_t r = 0; r <= ring.mask(); ++r) {
        for (uint64_t x = 0; x <= ring.mask(); ++x) {
          const uint64_t x_hat = ring.add(x, r);
          for (size_t j = 0; j < lookup_query.size(); ++j)
            lookup_query[j] = ring.add(x_hat, plan.lookup_queries[j]) < r;
          for (size_t t = 0; t < compare_query.size(); ++t) {
            const Query& query = plan.comparison_queries[t];
            const Ring view{query.k};  // view_{k,c}(x^) = ((x^ mod 2^k) + c) mod 2^k
            compare_query[t] = view.add(view.mod(x_hat), query.offset) < view.mod(r);
          }
          const auto rebuild = [&](const PredicateRewrite& rw) {
            const auto bit = [&](const QueryRef& ref) {
              return ref.on_lookup ? lookup_query[ref.index] : compare_query[ref.index];
            };
            return predicate_share(0, Ring{rw.k}.mod(x_hat), rw.threshold, rw.flip, bit(rw.shifted),
                                   bit(rw.base));
          };
          const std::vector<uint8_t> expected = evaluate_bool_nodes(spec, x);
          for (size_t i = 0; i < spec.bool_nodes.size(); ++i) {
            if (!plan.used[i] || !spec.bool_nodes[i].inputs.empty()) continue;
            ASSERT_EQ(rebuild(plan.rewrites[i]), expected[i])
                << "n=" << n << " r=" << r << " x=" << x << " node " << i;
          }
          const int interval = interval_of(spec, x);
          if (mode == LookupMode::kDcf) {
            s[0] = x_hat < r;
            for (int i = 1; i < m; ++i) s[i] = ring.sub(x_hat, spec.starts[i]) < r;
            std::vector<uint64_t> sums(p, 0);
            for (int i = 0; i < m; ++i) add_weighted(p, weights.data() + i * p, s[i], sums.data());
            finish_payload(0, p, plan.payload[interval_of(spec, x_hat)].data(), sums.data(),
                           ring.mask(), row.data());
            ASSERT_EQ(row, plan.payload[interval]) << "n=" << n << " r=" << r << " x=" << x;
            ASSERT_EQ(row.back(), static_cast<uint64_t>(interval));
          } else {  // v_{i(x)} = v_{m-1} + sum_i (v_{i-1} - v_i) 1{x < a_i}
            row = plan.payload[m - 1];
            for (int i = 1; i < m; ++i) {
              const uint64_t below = rebuild(plan.boundary_rewrites[i - 1]);
              ASSERT_EQ(below, x < spec.starts[i] ? 1u : 0u)
                  << "n=" << n << " r=" << r << " x=" << x << " boundary " << i;
              for (int q = 0; q < p; ++q) row[q] = ring.add(row[q], below * weights[i * p + q]);
            }
            ASSERT_EQ(row, plan.payload[interval]) << "n=" << n << " r=" << r << " x=" << x;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace fss::suf
