#include "suf/suf_gate.h"

#include <fmt/format.h>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/dcf.h"
#include "mpc/gate_keys.h"
#include "suf/builders.h"
#include "suf/steps.h"

namespace fss::suf {
namespace {

// The key-record arrays after the FSS keys, in record order.
struct PhiKeys {
  std::vector<Words> powers;           // [i - 1][e]: r^i, i = 1..d
  std::vector<Words> a;                // kDcf, [o][e]: mask of coefficient o
  std::vector<Words> a_powers;         // kDcf, per o, i = 1..k-1: a_o r^i
  std::vector<Words> boundary_masks;   // kComparisonBits, [i - 1][e]: s_i
  std::vector<Words> boundary_powers;  // [(i - 1) K1 + j][e]: s_i r^j
  std::vector<Words> kappa;            // [j][e]
  std::vector<Words> aux_masks;        // [q][e]
  std::vector<Words> triples;          // per used AND node: a, b, c
  std::vector<Words> bool_masks;       // [t][e]
};

uint64_t and_nodes(const SufPlan& plan) {
  uint64_t count = 0;
  for (const std::vector<int>& layer : plan.and_layers) count += layer.size();
  return count;
}

// The key bytes of a plan, as documented in suf_gate.h.
uint64_t plan_key_bytes(const SufPlan& plan, uint64_t count) {
  const SufSpec& s = plan.spec;
  const uint64_t boundaries = s.intervals() - 1;
  uint64_t bytes = PackedComparison(s.n(), plan.comparison_queries).key_bytes(count);
  uint64_t ring_arrays = (s.outputs >= 1 ? s.degree : 0) + s.outputs + s.aux_outputs;
  uint64_t bit_arrays = 3 * and_nodes(plan) + s.bool_outputs.size();
  if (plan.lookup_mode == LookupMode::kDcf) {
    bytes += kDcfBatchHeaderBytes + count * dcf_key_bytes({s.w(), s.n()});
    ring_arrays += plan.opened.size();
    for (const auto& [j, k] : plan.opened) ring_arrays += k - 1;
  } else if (plan.lookup_mode == LookupMode::kComparisonBits) {
    ring_arrays += boundaries * plan.boundary_powers;
    bit_arrays += boundaries;
  }
  return bytes + ring_arrays * packed_bytes(count, s.n()) + bit_arrays * packed_bytes(count, 1);
}

SufPlan compile_with(SufSpec spec, LookupChoice choice) {
  if (choice == LookupChoice::kDcf) return compile(std::move(spec), LookupMode::kDcf);
  if (choice == LookupChoice::kComparisonBits)
    return compile(std::move(spec), LookupMode::kComparisonBits);
  SufPlan dcf = compile(spec, LookupMode::kDcf);
  SufPlan bits = compile(std::move(spec), LookupMode::kComparisonBits);
  // A multiple of 8 elements: exact per-element sizes, no packing remainders.
  constexpr uint64_t kCount = 1 << 13;
  return plan_key_bytes(bits, kCount) < plan_key_bytes(dcf, kCount) ? std::move(bits)
                                                                    : std::move(dcf);
}

// r^1..r^d of every element's mask, [i - 1][e] (none without polynomial outputs).
std::vector<std::vector<uint64_t>> mask_powers(const SufSpec& s, std::span<const uint64_t> masks) {
  const Ring ring = s.input.ring();
  std::vector<std::vector<uint64_t>> powers;
  if (s.outputs == 0) return powers;
  for (int i = 1; i <= s.degree; ++i) {
    std::vector<uint64_t> power(masks.size());
    for (size_t e = 0; e < masks.size(); ++e)
      power[e] = i == 1 ? masks[e] : ring.mul(powers.back()[e], masks[e]);
    powers.push_back(std::move(power));
  }
  return powers;
}

}  // namespace

SufGate::SufGate(SufSpec spec, GateKind kind, LookupChoice lookup)
    : plan_(compile_with(std::move(spec), lookup)),
      kind_(kind),
      comparison_(plan_.spec.n(), plan_.comparison_queries) {
  const int number = static_cast<int>(kind);
  if (number < 64 || number > 79)
    fail(ErrorKind::kInvalidArgument, "suf gate '{}': kind {} ({}) is not a SUF kind (64..79)",
         plan_.spec.name, number, gate_kind_name(kind));
  const SufSpec& s = plan_.spec;
  if (plan_.lookup_mode == LookupMode::kDcf)
    lookup_.emplace_back(s.w(), s.starts, plan_.payload, plan_.lookup_queries, s.n());
  if (plan_.lookup_mode == LookupMode::kComparisonBits) {
    const Ring ring{s.n()};
    const size_t p = plan_.shapes().p;
    for (int i = 1; i < s.intervals(); ++i)
      for (size_t q = 0; q < p; ++q)
        boundary_weights_.push_back(ring.sub(plan_.payload[i - 1][q], plan_.payload[i][q]));
  }
}

std::string SufGate::describe() const {
  const SufSpec& s = plan_.spec;
  const char* lookup = plan_.lookup_mode == LookupMode::kDcf              ? "dcf"
                       : plan_.lookup_mode == LookupMode::kComparisonBits ? "bits"
                                                                          : "public";
  if (s.w() == s.n())
    return fmt::format("suf_{}(n={}, f={}, m={}, {})", s.name, s.input.n, s.input.f, s.intervals(),
                       lookup);
  return fmt::format("suf_{}(n={}, f={}, w={}, m={}, {})", s.name, s.input.n, s.input.f, s.w(),
                     s.intervals(), lookup);
}

std::vector<FixedPoint> SufGate::output_formats() const {
  const SufSpec& s = plan_.spec;
  std::vector<FixedPoint> formats(s.outputs, FixedPoint{s.n(), s.output_f});
  formats.insert(formats.end(), s.aux_outputs, FixedPoint{s.n(), 0});
  formats.insert(formats.end(), s.bool_outputs.size(), FixedPoint{1, 0});
  return formats;
}

int SufGate::rounds() const {
  const bool phi_round = plan_.lookup_mode == LookupMode::kComparisonBits || !plan_.opened.empty();
  return (phi_round ? 1 : 0) + static_cast<int>(plan_.and_layers.size());
}

uint64_t SufGate::key_bytes(uint64_t count) const { return plan_key_bytes(plan_, count); }

uint64_t SufGate::bytes_sent(uint64_t count) const {
  uint64_t bytes = 0;
  if (plan_.lookup_mode == LookupMode::kComparisonBits)
    bytes += packed_bytes(count * (plan_.spec.intervals() - 1), 1);
  if (!plan_.opened.empty()) bytes += packed_bytes(count * plan_.opened.size(), plan_.spec.n());
  for (const std::vector<int>& layer : plan_.and_layers)
    bytes += packed_bytes(2 * count * layer.size(), 1);
  return bytes;
}

void SufGate::clear(InColumns in, OutColumns out) const {
  const SufSpec& s = plan_.spec;
  const size_t arithmetic = static_cast<size_t>(s.outputs + s.aux_outputs);
  for (size_t e = 0; e < in[0].size(); ++e) {
    const SufValue value = evaluate(s, in[0][e]);
    for (size_t k = 0; k < arithmetic; ++k) out[k][e] = value.arithmetic[k];
    for (size_t t = 0; t < value.bits.size(); ++t) out[arithmetic + t][e] = value.bits[t];
  }
}

void SufGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                  ByteWriter& key1) const {
  const SufSpec& s = plan_.spec;
  const int n = s.n();
  const Ring ring{n};
  const std::span<const uint64_t> masks = r_in[0];
  const size_t count = masks.size();
  if (!lookup_.empty()) lookup_[0].gen(masks, prg, key0, key1);
  comparison_.gen(masks, prg, key0, key1);

  const auto write_shared = [&](std::span<const uint64_t> values, int bits) {
    const SharePair shares = share_values(prg, values, bits);
    write_packed(key0, shares.party[0], bits);
    write_packed(key1, shares.party[1], bits);
  };
  const std::vector<std::vector<uint64_t>> powers = mask_powers(s, masks);
  for (const std::vector<uint64_t>& power : powers) write_shared(power, n);
  std::vector<uint64_t> values(count);

  // kDcf: masks of the opened coefficients and their products with r^i, i < k.
  std::vector<std::vector<uint64_t>> a(plan_.opened.size(), std::vector<uint64_t>(count));
  for (std::vector<uint64_t>& mask : a) {
    prg.fill_ring(n, mask);
    write_shared(mask, n);
  }
  for (size_t o = 0; o < plan_.opened.size(); ++o) {
    for (int i = 1; i < plan_.opened[o].second; ++i) {
      for (size_t e = 0; e < count; ++e) values[e] = ring.mul(a[o][e], powers[i - 1][e]);
      write_shared(values, n);
    }
  }
  // kComparisonBits: a fresh bit s_i per boundary, XOR-shared, and s_i r^j additively.
  if (plan_.lookup_mode == LookupMode::kComparisonBits) {
    std::vector<std::vector<uint64_t>> bits(s.intervals() - 1, std::vector<uint64_t>(count));
    for (std::vector<uint64_t>& bit : bits) {
      prg.fill_ring(1, bit);  // b = next_bit() for each, drawn in bulk
      write_shared(bit, 1);
    }
    for (const std::vector<uint64_t>& bit : bits)
      for (int j = 0; j < plan_.boundary_powers; ++j) {
        for (size_t e = 0; e < count; ++e)
          values[e] = j == 0 ? bit[e] : ring.mul(bit[e], powers[j - 1][e]);
        write_shared(values, n);
      }
  }
  for (int j = 0; j < s.outputs; ++j) {
    for (size_t e = 0; e < count; ++e) {
      uint64_t kappa = r_out[j][e];
      for (size_t o = 0; o < plan_.opened.size(); ++o) {
        const auto [output, k] = plan_.opened[o];
        if (output != j) continue;
        const uint64_t term = ring.mul(a[o][e], powers[k - 1][e]);
        kappa = k % 2 == 1 ? ring.sub(kappa, term) : ring.add(kappa, term);
      }
      values[e] = kappa;
    }
    write_shared(values, n);
  }
  for (int q = 0; q < s.aux_outputs; ++q) write_shared(r_out[s.outputs + q], n);

  std::vector<uint64_t> triple_a(count), triple_b(count), triple_c(count);
  for (const std::vector<int>& layer : plan_.and_layers) {
    for (size_t node = 0; node < layer.size(); ++node) {
      for (size_t e = 0; e < count; ++e) {
        triple_a[e] = prg.next_bit();
        triple_b[e] = prg.next_bit();
        triple_c[e] = triple_a[e] & triple_b[e];
      }
      write_shared(triple_a, 1);
      write_shared(triple_b, 1);
      write_shared(triple_c, 1);
    }
  }
  for (size_t t = 0; t < s.bool_outputs.size(); ++t)
    write_shared(r_out[s.outputs + s.aux_outputs + t], 1);
}

void SufGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                   Opener& opener) const {
  const SufSpec& s = plan_.spec;
  const int n = s.n();
  const int d = s.degree;
  const Ring ring{n};
  const std::span<const uint64_t> x = x_hat[0];
  const size_t count = x.size();
  const size_t p = plan_.shapes().p;
  const bool dcf = plan_.lookup_mode == LookupMode::kDcf;
  const bool bits_mode = plan_.lookup_mode == LookupMode::kComparisonBits;
  const size_t boundaries = s.intervals() - 1;
  const int powers_per_boundary = plan_.boundary_powers;

  // (1) Lookup and packed comparison.
  std::vector<uint64_t> payload(dcf ? count * p : 0);
  const size_t lookup_bit_count = plan_.lookup_queries.size();
  std::vector<uint8_t> lookup_bits(count * lookup_bit_count);
  if (dcf) lookup_[0].eval(party, key, x, payload, lookup_bits);
  const size_t compare_count = plan_.comparison_queries.size();
  std::vector<uint8_t> compare_bits(count * compare_count);
  comparison_.eval(party, key, x, compare_bits);

  PhiKeys keys;
  const auto read = [&](int bits, const char* what) { return read_packed(key, count, bits, what); };
  if (s.outputs >= 1)
    for (int i = 1; i <= d; ++i) keys.powers.push_back(read(n, "suf mask power share"));
  for (size_t o = 0; o < plan_.opened.size(); ++o)
    keys.a.push_back(read(n, "suf coefficient mask share"));
  for (const auto& [j, k] : plan_.opened)
    for (int i = 1; i < k; ++i) keys.a_powers.push_back(read(n, "suf coefficient mask product"));
  if (bits_mode) {
    for (size_t i = 0; i < boundaries; ++i)
      keys.boundary_masks.push_back(read(1, "suf boundary bit mask"));
    for (size_t i = 0; i < boundaries * powers_per_boundary; ++i)
      keys.boundary_powers.push_back(read(n, "suf boundary mask product"));
  }
  for (int j = 0; j < s.outputs; ++j) keys.kappa.push_back(read(n, "suf output constant share"));
  for (int q = 0; q < s.aux_outputs; ++q) keys.aux_masks.push_back(read(n, "suf aux mask share"));
  for (const std::vector<int>& layer : plan_.and_layers)
    for (size_t i = 0; i < 3 * layer.size(); ++i) keys.triples.push_back(read(1, "suf AND triple"));
  for (size_t t = 0; t < s.bool_outputs.size(); ++t)
    keys.bool_masks.push_back(read(1, "suf output bit mask"));

  const auto query_bit = [&](const QueryRef& ref, size_t e) -> uint64_t {
    return ref.on_lookup ? lookup_bits[e * lookup_bit_count + ref.index]
                         : compare_bits[e * compare_count + ref.index];
  };
  const auto rebuild = [&](const PredicateRewrite& rw, size_t e) {
    return predicate_share(party, Ring{rw.k}.mod(x[e]), rw.threshold, rw.flip,
                           query_bit(rw.shifted, e), query_bit(rw.base, e));
  };

  // Element loops run on OpenMP threads from kParallelElements elements up.
  const auto elements = static_cast<int64_t>(count);
  const bool parallel = elements >= kParallelElements;

  // (2) Φ's round: the masked varying coefficients (kDcf) or boundary bits (kComparisonBits).
  Words opened;
  if (!plan_.opened.empty()) {
    const size_t width = plan_.opened.size();
    std::vector<uint64_t> masked(count * width);
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t e = 0; e < elements; ++e)
      for (size_t o = 0; o < width; ++o) {
        const int column = plan_.coefficient_index(plan_.opened[o].first, plan_.opened[o].second);
        masked[e * width + o] = ring.sub(payload[e * p + column], keys.a[o][e]);
      }
    opened = opener.open(masked, n);
  }
  Words boundary_hat;
  if (bits_mode) {
    std::vector<uint64_t> masked(count * boundaries);
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t e = 0; e < elements; ++e)
      for (size_t i = 0; i < boundaries; ++i)
        masked[e * boundaries + i] =
            rebuild(plan_.boundary_rewrites[i], e) ^ keys.boundary_masks[i][e];
    boundary_hat = opener.open(masked, 1);
  }
  // Per payload column: its index in `opened` and its first a_powers array (kDcf), or -1.
  std::vector<int> opened_index(p, -1), a_power_start(p, 0);
  for (size_t o = 0, start = 0; o < plan_.opened.size(); ++o) {
    const auto [j, k] = plan_.opened[o];
    opened_index[plan_.coefficient_index(j, k)] = static_cast<int>(o);
    a_power_start[plan_.coefficient_index(j, k)] = static_cast<int>(start);
    start += k - 1;
  }
  std::vector<uint8_t> column_public(p);
  for (size_t column = 0; column < p; ++column)
    column_public[column] = plan_.column_is_public(column);

  // Share of c_column r^power of element e, power <= the column's degree k; `boundary` holds
  // element e's shares of b_i r^j at (i - 1) K1 + j (kComparisonBits).
  const auto column_power = [&](const uint64_t* boundary, size_t e, int column, int k,
                                int power) -> uint64_t {
    const uint64_t r_power = power == 0 ? (party == 0 ? 1 : 0) : keys.powers[power - 1][e];
    if (column_public[column]) return ring.mul(plan_.payload[0][column], r_power);
    if (dcf) {
      if (power == 0) return payload[e * p + column];
      const int o = opened_index[column];
      const uint64_t folded = power < k ? keys.a_powers[a_power_start[column] + power - 1][e] : 0;
      return ring.add(ring.mul(opened[e * plan_.opened.size() + o], r_power), folded);
    }
    uint64_t sum = ring.mul(plan_.payload[boundaries][column], r_power);
    for (size_t i = 0; i < boundaries; ++i)
      sum += boundary_weights_[i * p + column] * boundary[i * powers_per_boundary + power];
    return ring.mod(sum);
  };

#pragma omp parallel if (parallel)
  {
    // Per thread: the element at hand's boundary products and Horner weights.
    std::vector<uint64_t> boundary(boundaries * powers_per_boundary);
    std::vector<uint64_t> w((d + 1) * (d + 1));
#pragma omp for schedule(static)
    for (int64_t e = 0; e < elements; ++e) {
      for (size_t i = 0; i < boundaries && bits_mode; ++i) {
        const uint64_t hat = boundary_hat[e * boundaries + i];
        for (int j = 0; j < powers_per_boundary; ++j) {
          const uint64_t r_power = j == 0 ? (party == 0 ? 1 : 0) : keys.powers[j - 1][e];
          const uint64_t masked_part = keys.boundary_powers[i * powers_per_boundary + j][e];
          // b r^j = b^ r^j + (1 - 2 b^) s r^j
          boundary[i * powers_per_boundary + j] =
              ring.add(hat * r_power, hat ? ring.neg(masked_part) : masked_part);
        }
      }
      for (int j = 0; j < s.outputs; ++j) {
        for (int k = 0; k <= d; ++k)
          for (int i = 0; i <= k; ++i)
            w[k * (d + 1) + i] =
                column_power(boundary.data(), e, plan_.coefficient_index(j, k), k, i);
        share[j][e] = horner_share(x[e], d, w.data(), keys.kappa[j][e], ring.mask());
      }
      for (int q = 0; q < s.aux_outputs; ++q)
        share[s.outputs + q][e] = ring.add(
            column_power(boundary.data(), e, s.outputs * (d + 1) + q, 0, 0), keys.aux_masks[q][e]);
    }
  }

  // (3) The boolean circuit, AND depth level by level.
  const size_t nodes = s.bool_nodes.size();
  std::vector<std::vector<uint8_t>> value(nodes);
  const auto local_nodes_of_depth = [&](int depth) {
    for (size_t i = 0; i < nodes; ++i) {
      const BoolNode& node = s.bool_nodes[i];
      if (!plan_.used[i] || plan_.depth[i] != depth || node.op == BoolOp::kAnd) continue;
      std::vector<uint8_t>& out = value[i];
      out.resize(count);
      if (node.inputs.empty()) {
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t e = 0; e < elements; ++e)
          out[e] = static_cast<uint8_t>(rebuild(plan_.rewrites[i], e));
      } else if (node.op == BoolOp::kXor) {
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t e = 0; e < elements; ++e)
          out[e] = value[node.inputs[0]][e] ^ value[node.inputs[1]][e];
      } else {  // kNot: party 0 flips
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t e = 0; e < elements; ++e) out[e] = value[node.inputs[0]][e] ^ (party == 0);
      }
    }
  };
  local_nodes_of_depth(0);
  size_t triple = 0;
  for (size_t layer = 0; layer < plan_.and_layers.size(); ++layer) {
    const std::vector<int>& ands = plan_.and_layers[layer];
    std::vector<uint64_t> masked(2 * count * ands.size());
    for (size_t g = 0; g < ands.size(); ++g) {
      const BoolNode& node = s.bool_nodes[ands[g]];
#pragma omp parallel for schedule(static) if (parallel)
      for (int64_t e = 0; e < elements; ++e) {
        masked[(2 * g) * count + e] = value[node.inputs[0]][e] ^ keys.triples[triple + 3 * g][e];
        masked[(2 * g + 1) * count + e] =
            value[node.inputs[1]][e] ^ keys.triples[triple + 3 * g + 1][e];
      }
    }
    const Words de = opener.open(masked, 1);
    for (size_t g = 0; g < ands.size(); ++g) {
      std::vector<uint8_t>& out = value[ands[g]];
      out.resize(count);
#pragma omp parallel for schedule(static) if (parallel)
      for (int64_t e = 0; e < elements; ++e)
        out[e] = static_cast<uint8_t>(
            and_share(party, de[(2 * g) * count + e], de[(2 * g + 1) * count + e],
                      keys.triples[triple + 3 * g][e], keys.triples[triple + 3 * g + 1][e],
                      keys.triples[triple + 3 * g + 2][e]));
    }
    triple += 3 * ands.size();
    local_nodes_of_depth(static_cast<int>(layer) + 1);
  }
  const size_t first_bit = s.outputs + s.aux_outputs;
  for (size_t t = 0; t < s.bool_outputs.size(); ++t)
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t e = 0; e < elements; ++e)
      share[first_bit + t][e] = value[s.bool_outputs[t]][e] ^ keys.bool_masks[t][e];
}

SufGate relu_gate(FixedPoint input) { return SufGate(relu_spec(input), GateKind::kSufRelu); }

SufGate drelu_gate(FixedPoint input) { return SufGate(drelu_spec(input), GateKind::kSufDrelu); }

SufGate gelu_spline_gate(FixedPoint input, int intervals, double bound) {
  return SufGate(gelu_spline_spec(input, intervals, bound), GateKind::kSufSpline);
}

}  // namespace fss::suf
