// Backend selection: backend() is the CPU's unless a BackendScope on the calling thread says
// otherwise; scopes nest and never leak into other threads.
#include "crypto/backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/counting_backend.h"
#include "crypto/metered_backend.h"

namespace fss {
namespace {

TEST(Backend, DefaultsToTheCpu) { EXPECT_EQ(backend().name(), "cpu"); }

TEST(Backend, ScopesNestAndRestore) {
  testing::CountingBackend outer, inner;
  const MatmulDims dims{1, 1, 1, 1, false};
  std::vector<uint64_t> a{3}, b{5}, c(1);
  {
    const BackendScope first(outer);
    backend().matmul(a, b, c, dims);
    {
      const BackendScope second(inner);
      backend().matmul(a, b, c, dims);
      backend().matmul(a, b, c, dims);
    }
    EXPECT_EQ(&backend(), &outer);
  }
  EXPECT_EQ(&backend(), &cpu_backend());
  EXPECT_EQ(outer.matmuls, 1);
  EXPECT_EQ(inner.matmuls, 2);
  EXPECT_EQ(c[0], 15u);
}

TEST(Backend, AScopeBelongsToItsThread) {
  testing::CountingBackend counting;
  const BackendScope scope(counting);
  const std::string other = std::async(std::launch::async, [] { return backend().name(); }).get();
  EXPECT_EQ(other, "cpu");
  EXPECT_EQ(backend().name(), "counting");
}

TEST(Backend, CpuMatmulIsCoreMatmul) {
  const MatmulDims dims{2, 3, 4, 5, true};
  std::vector<uint64_t> a(dims.left_size()), b(dims.right_size()), c(dims.out_size());
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0xc2b2ae3d27d4eb4fULL * (i + 7);
  cpu_backend().matmul(a, b, c, dims);
  for (int64_t m = 0; m < dims.batch; ++m)
    for (int64_t r = 0; r < dims.rows; ++r)
      for (int64_t col = 0; col < dims.cols; ++col) {
        uint64_t sum = 0;
        for (int64_t k = 0; k < dims.inner; ++k)
          sum +=
              a[(m * dims.rows + r) * dims.inner + k] * b[(m * dims.inner + k) * dims.cols + col];
        EXPECT_EQ(c[(m * dims.rows + r) * dims.cols + col], sum);
      }
}

// The default masked_matmul against the protocol's formula (core/masked_matmul.h), written out
// here as a triple loop: for each width and party, shared and batched weights, both parties'
// shares sum to X W + r_out when the dealer's shares are consistent.
TEST(Backend, MaskedMatmulSharesSumToTheMaskedProduct) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const MatmulDims dims : {MatmulDims{1, 3, 4, 5, false}, MatmulDims{2, 3, 4, 5, true}})
    for (const int n : {1, 13, 50, 64}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " batched=" + std::to_string(dims.batched_right));
      const Ring ring{n};
      const auto random_values = [&](uint64_t count) {
        std::vector<uint64_t> values(count);
        for (uint64_t& v : values) v = ring.mod(rng());
        return values;
      };
      const auto product = [&](const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
        std::vector<uint64_t> c(dims.out_size());
        for (int64_t m = 0; m < dims.batch; ++m)
          for (int64_t r = 0; r < dims.rows; ++r)
            for (int64_t col = 0; col < dims.cols; ++col) {
              uint64_t sum = 0;
              for (int64_t k = 0; k < dims.inner; ++k)
                sum += a[(m * dims.rows + r) * dims.inner + k] *
                       b[((dims.batched_right ? m : 0) * dims.inner + k) * dims.cols + col];
              c[(m * dims.rows + r) * dims.cols + col] = ring.mod(sum);
            }
        return c;
      };
      const auto x = random_values(dims.left_size()), w = random_values(dims.right_size());
      const auto r_x = random_values(dims.left_size()), r_w = random_values(dims.right_size());
      const auto r_out = random_values(dims.out_size());
      std::vector<uint64_t> x_hat(x.size()), w_hat(w.size()), c = product(r_x, r_w);
      for (size_t i = 0; i < x.size(); ++i) x_hat[i] = ring.add(x[i], r_x[i]);
      for (size_t i = 0; i < w.size(); ++i) w_hat[i] = ring.add(w[i], r_w[i]);
      for (size_t i = 0; i < c.size(); ++i) c[i] = ring.add(c[i], r_out[i]);
      // Share each of R_X, R_W and C: party 0 random, party 1 the rest.
      std::vector<std::vector<uint8_t>> packed[2];
      const std::vector<uint64_t>* masks[] = {&r_x, &r_w, &c};
      for (const std::vector<uint64_t>* values : masks) {
        const auto share0 = random_values(values->size());
        std::vector<uint64_t> share1(values->size());
        for (size_t i = 0; i < share1.size(); ++i) share1[i] = ring.sub((*values)[i], share0[i]);
        packed[0].push_back(pack(share0, n));
        packed[1].push_back(pack(share1, n));
      }
      std::vector<uint64_t> shares[2];
      for (int party = 0; party < 2; ++party) {
        const MaskedMatmulKey key{n, {packed[party][0]}, {packed[party][1]}, {packed[party][2]}};
        shares[party].assign(dims.out_size(), 0);
        cpu_backend().masked_matmul(party, key, x_hat, w_hat, shares[party], dims);
      }
      const auto expected = product(x, w);
      for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_EQ(ring.add(shares[0][i], shares[1][i]), ring.add(expected[i], r_out[i])) << i;
      // A field of the wrong length is refused, naming it.
      const MaskedMatmulKey short_key{n,
                                      {packed[0][0]},
                                      {std::span(packed[0][1]).first(packed[0][1].size() - 1)},
                                      {packed[0][2]}};
      try {
        cpu_backend().masked_matmul(0, short_key, x_hat, w_hat, shares[0], dims);
        ADD_FAILURE() << "a short R_W share was accepted";
      } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
        EXPECT_NE(std::string(error.what()).find("R_W"), std::string::npos) << error.what();
      }
    }
}

// Both parties' sums reconstruct to sum_j w_j * beta * 1{x^ + c_j < alpha} (mod 2^l) and their
// bits XOR to the comparison's, for every alpha, x^ and offset of a 5-bit domain and for random
// keys at full width; offsets come unsorted, bit points repeat, and bits of x^ above n are ignored.
TEST(Backend, DcfOffsetSumsReconstructTheWeightedComparisons) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  struct Case {
    int n, l;
    bool exhaustive;
    uint64_t width;
  };
  for (const Case c : {Case{5, 50, true, 3}, Case{5, 5, true, 1}, Case{64, 64, false, 2},
                       Case{37, 50, false, 0}}) {
    SCOPED_TRACE("n=" + std::to_string(c.n) + " l=" + std::to_string(c.l));
    const Ring domain{c.n}, out{c.l};
    std::vector<uint64_t> alphas, x_hat, offsets;
    if (c.exhaustive) {
      for (uint64_t alpha = 0; alpha <= domain.mask(); ++alpha)
        for (uint64_t x = 0; x <= domain.mask(); ++x) {
          alphas.push_back(alpha);
          x_hat.push_back(x + (rng() << c.n));
        }
      for (uint64_t o = 0; o <= domain.mask(); ++o) offsets.push_back(o);
      std::shuffle(offsets.begin(), offsets.end(), rng);
    } else {
      for (int e = 0; e < 300; ++e) {
        alphas.push_back(domain.mod(rng()));
        x_hat.push_back(rng());
      }
      for (int j = 0; j < 37; ++j) offsets.push_back(domain.mod(rng() >> (j % 3 ? 0 : 40)));
    }
    const uint64_t count = alphas.size(), points = offsets.size();
    std::vector<uint64_t> betas(count), weights(points * c.width);
    for (uint64_t& b : betas) b = out.mod(rng());
    for (uint64_t& w : weights) w = rng();
    const std::vector<uint32_t> bit_points = {0, static_cast<uint32_t>(points - 1), 0};
    const DcfKeyPair keys = cpu_backend().dcf_gen({c.n, c.l}, alphas, betas, Block{rng(), rng()});
    const DcfOffsetQuery query{offsets, c.width, weights, bit_points};
    std::vector<uint64_t> sums[2];
    std::vector<uint8_t> bits[2];
    for (int party = 0; party < 2; ++party) {
      sums[party].assign(count * c.width, 0);
      bits[party].assign(count * bit_points.size(), 2);
      cpu_backend().dcf_offset_sums(party, keys.party[party], x_hat, query, sums[party],
                                    bits[party]);
    }
    for (uint64_t e = 0; e < count; ++e) {
      const auto below = [&](uint64_t j) -> uint64_t {
        return domain.add(x_hat[e], offsets[j]) < alphas[e] ? 1 : 0;
      };
      for (uint64_t q = 0; q < c.width; ++q) {
        uint64_t expected = 0;
        for (uint64_t j = 0; j < points; ++j)
          expected += weights[j * c.width + q] * betas[e] * below(j);
        ASSERT_EQ(out.add(sums[0][e * c.width + q], sums[1][e * c.width + q]), out.mod(expected))
            << "key " << e << " sum " << q;
      }
      for (size_t b = 0; b < bit_points.size(); ++b)
        ASSERT_EQ(bits[0][e * bit_points.size() + b] ^ bits[1][e * bit_points.size() + b],
                  (betas[e] & 1) * below(bit_points[b]))
            << "key " << e << " bit " << b;
    }
  }
}

TEST(Backend, DcfOffsetSumsNameABadQuery) {
  const std::vector<uint64_t> alphas = {3, 9}, betas = {1, 1}, x_hat = {1, 2};
  const DcfKeyPair keys = cpu_backend().dcf_gen({4, 8}, alphas, betas, Block{1, 2});
  const std::vector<uint64_t> offsets = {0, 5}, too_wide = {0, 16}, weights = {1, 2};
  const std::vector<uint32_t> bit_points = {1}, past_the_end = {2};
  std::vector<uint64_t> sums(2);
  std::vector<uint8_t> bits(2);
  const auto refused = [&](const DcfOffsetQuery& query, std::span<const uint64_t> xs,
                           const std::string& says) {
    try {
      cpu_backend().dcf_offset_sums(0, keys.party[0], xs, query, sums, bits);
      ADD_FAILURE() << "accepted a query that should say: " << says;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(error.what()).find(says), std::string::npos) << error.what();
    }
  };
  refused({too_wide, 1, weights, bit_points}, x_hat, "offset 1 = 16 is not below 2^4");
  refused({offsets, 1, weights, past_the_end}, x_hat, "bit point 0 names offset 2 of 2");
  refused({offsets, 2, weights, bit_points}, x_hat, "got 2, 2, 2 and 2");
  refused({offsets, 1, weights, bit_points}, std::span(x_hat).first(1), "got 1, 2, 2 and 2");
  refused({{}, 1, {}, {}}, x_hat, "2 keys with 0 points each");
  try {
    cpu_backend().dcf_offset_sums(1, keys.party[0], x_hat, {offsets, 1, weights, bit_points}, sums,
                                  bits);
    ADD_FAILURE() << "party 1 evaluated party 0's keys";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("belongs to party 0"), std::string::npos);
  }
}

// Each key of a 5-bit domain compared at the points its x^ makes with the offsets: every alpha,
// every x^ (with bits above n, which must not matter) and several offset lists, plain and
// complemented, reconstruct to 1{p < alpha} with p written out here.
TEST(Backend, DpfCompareOffsetsCompareAtTheirPoints) {
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  constexpr int n = 5;
  constexpr uint64_t domain = uint64_t{1} << n;
  std::vector<uint64_t> alphas, x_hat;
  for (uint64_t alpha = 0; alpha < domain; ++alpha)
    for (uint64_t x = 0; x < domain; ++x) {
      alphas.push_back(alpha);
      x_hat.push_back(x + (rng() << n));
    }
  const DpfKeyPair keys = cpu_backend().dpf_gen(
      {n, 1}, alphas, std::vector<uint64_t>(alphas.size(), 1), Block{rng(), rng()});
  ByteWriter writers[2];
  for (int party = 0; party < 2; ++party) serialize(keys.party[party], writers[party]);
  const std::vector<std::vector<uint64_t>> offset_lists = {
      {0}, {domain - 1}, {0, 1, domain - 1}, {rng() % domain, rng() % domain, rng() % domain, 7}};
  for (const auto& offsets : offset_lists)
    for (const bool complement : {false, true}) {
      const size_t per_key = offsets.size();
      std::vector<uint8_t> shares[2];
      for (int party = 0; party < 2; ++party) {
        ByteReader reader(writers[party].data(), "test keys");
        const DpfKeyRecord record = read_dpf_record(reader);
        shares[party].assign(alphas.size() * per_key, 2);
        cpu_backend().dpf_compare_offsets(party, record, x_hat, {offsets, complement},
                                          shares[party]);
      }
      for (size_t e = 0; e < alphas.size(); ++e)
        for (size_t j = 0; j < per_key; ++j) {
          const uint64_t y = (x_hat[e] + offsets[j]) % domain;
          const uint64_t point = complement ? domain - 1 - y : y;
          const size_t t = e * per_key + j;
          ASSERT_EQ(shares[0][t] ^ shares[1][t], point < alphas[e] ? 1 : 0)
              << "alpha " << alphas[e] << " x^ " << x_hat[e] << " offset " << offsets[j]
              << " complement " << complement << ", seed " << seed;
        }
    }
}

TEST(Backend, DpfCompareOffsetsNameABadQuery) {
  const std::vector<uint64_t> alphas = {3, 9}, betas = {1, 1}, x_hat = {1, 2};
  const DpfKeyPair keys = cpu_backend().dpf_gen({4, 1}, alphas, betas, Block{1, 2});
  const DpfKeyPair wide = cpu_backend().dpf_gen({4, 2}, alphas, betas, Block{1, 2});
  const auto record_of = [](const DpfKeyBatch& batch, ByteWriter& writer) {
    serialize(batch, writer);
    ByteReader reader(writer.data(), "test keys");
    return read_dpf_record(reader);
  };
  ByteWriter writer, wide_writer;
  const DpfKeyRecord record = record_of(keys.party[0], writer);
  const DpfKeyRecord wide_record = record_of(wide.party[0], wide_writer);
  const std::vector<uint64_t> offsets = {0, 5}, too_wide = {0, 16};
  std::vector<uint8_t> out(4);
  const auto refused = [&](const DpfKeyRecord& keys_here, const DpfOffsetQuery& query,
                           std::span<const uint64_t> xs, std::span<uint8_t> outputs,
                           const std::string& says) {
    try {
      cpu_backend().dpf_compare_offsets(0, keys_here, xs, query, outputs);
      ADD_FAILURE() << "accepted a query that should say: " << says;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(error.what()).find(says), std::string::npos) << error.what();
    }
  };
  refused(record, {too_wide}, x_hat, out, "offset 1 = 16 is not below 2^4");
  refused(record, {{}}, x_hat, out, "2 keys with 0 offsets each");
  refused(record, {offsets}, std::span(x_hat).first(1), out,
          "need 2 x^ and 4 outputs, got 1 and 4");
  refused(record, {offsets}, x_hat, std::span(out).first(3), "got 2 and 3");
  refused(wide_record, {offsets}, x_hat, out, "needs l = 1 keys, got l = 2");
}

// The CPU backend, except that matmul takes at least 20 ms and dcf_eval throws.
class SlowBackend final : public Backend {
 public:
  std::string name() const override { return "slow"; }
  DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    return cpu_backend().dpf_gen(params, alphas, betas, seed);
  }
  void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    cpu_backend().dpf_eval(party, keys, xs, out);
  }
  void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint8_t> out) override {
    cpu_backend().dpf_compare_eval(party, keys, xs, out);
  }
  void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override {
    cpu_backend().dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
  }
  DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    return cpu_backend().dcf_gen(params, alphas, betas, seed);
  }
  void dcf_eval(int, const DcfKeyBatch&, std::span<const uint64_t>, std::span<uint64_t>) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    throw std::runtime_error("dcf_eval failed");
  }
  void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
              const MatmulDims& dims) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cpu_backend().matmul(a, b, c, dims);
  }
};

TEST(MeteredBackend, PassesCallsOnAndKeepsTheirTime) {
  testing::CountingBackend counting;
  MeteredBackend metered(counting);
  EXPECT_EQ(metered.name(), "counting");
  const DpfKeyPair keys = metered.dpf_gen({10, 1}, std::vector<uint64_t>{300, 7},
                                          std::vector<uint64_t>{1, 1}, Block{5, 6});
  const std::vector<uint64_t> xs{299, 8};
  std::vector<uint8_t> mine(2), theirs(2);
  metered.dpf_compare_eval(0, keys.party[0], xs, mine);
  metered.dpf_compare_eval(1, keys.party[1], xs, theirs);
  EXPECT_EQ(mine[0] ^ theirs[0], 1);  // 299 < 300
  EXPECT_EQ(mine[1] ^ theirs[1], 0);  // 8 >= 7
  EXPECT_EQ(counting.dpf_gens, 1);
  EXPECT_EQ(counting.compares, 2);
  EXPECT_GE(metered.seconds(), 0.0);

  SlowBackend slow;
  MeteredBackend timed(slow);
  const MatmulDims dims{1, 1, 1, 1, false};
  std::vector<uint64_t> a{3}, b{5}, c(1);
  timed.matmul(a, b, c, dims);
  EXPECT_EQ(c[0], 15u);
  EXPECT_GE(timed.seconds(), 0.020);
  const double after_matmul = timed.seconds();
  // A call that throws still counts, and the error reaches the caller.
  std::vector<uint64_t> out(1);
  EXPECT_THROW(timed.dcf_eval(0, DcfKeyBatch{}, std::vector<uint64_t>{1}, out), std::runtime_error);
  EXPECT_GE(timed.seconds(), after_matmul + 0.005);
}

}  // namespace
}  // namespace fss
