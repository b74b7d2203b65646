#include "cli/cost_walk.h"

#include <algorithm>
#include <random>

#include "core/bitpack.h"
#include "core/error.h"
#include "mpc/local_run.h"

namespace fss::cli {
namespace {

// ceil(count * per_profile / kProfileElements).
uint64_t scaled(uint64_t per_profile, uint64_t count) {
  return (count * per_profile + kProfileElements - 1) / kProfileElements;
}

bool is_elementwise(const Gate& gate, size_t inputs) {
  const std::vector<Shape> shapes(inputs, Shape{static_cast<int64_t>(kProfileElements)});
  try {
    for (const Shape& out : gate.output_shapes(shapes))
      if (out != shapes[0]) return false;
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

Masked CostWalkEngine::input(const Shape& shape, FixedPoint format) {
  return {Tensor(shape, format)};
}

Masked CostWalkEngine::open(const Shared& value, const std::string& label) {
  const Tensor& t = value.value;
  book(label, {.calls = 1,
               .elements = t.size(),
               .bytes_sent = packed_bytes(t.size(), t.fixed_point().n),
               .rounds = 1});
  return {t};
}

const GateProfiles::Profile& GateProfiles::of(const Gate& gate, size_t inputs) {
  const std::string key = gate.describe();
  if (auto it = profiles_.find(key); it != profiles_.end()) return it->second;
  Profile measured;
  if (!is_elementwise(gate, inputs)) {
    FSS_CHECK(gate.rounds() == 0, "{}: a non-elementwise gate with rounds cannot be profiled", key);
    return profiles_.emplace(key, measured).first->second;
  }
  const Shape shape{static_cast<int64_t>(kProfileElements)};
  const std::vector<FixedPoint> formats = gate.input_formats();
  std::mt19937_64 rng(0x636f737473);
  std::vector<Tensor> values;
  for (const FixedPoint format : formats) {
    Tensor t(shape, format);
    for (uint64_t& v : t.data()) v = format.ring().mod(rng());
    values.push_back(std::move(t));
  }
  const Program program = [&](Engine& engine) {
    std::vector<Masked> wires;
    for (const FixedPoint format : formats) wires.push_back(engine.input(shape, format));
    std::vector<const Masked*> pointers;
    for (const Masked& w : wires) pointers.push_back(&w);
    std::vector<Masked> outputs;
    for (const Shared& out : engine.apply(gate, pointers))
      outputs.push_back(engine.open(out, "profile output"));
    return outputs;
  };
  const LocalRunResult run =
      run_locally(program, values, {.seed = Block{0x636f7374, 0}, .config = "cost profile"});
  const Cost cost = run.party_costs[0].entries().at(key);
  measured = {.bytes_sent = cost.bytes_sent, .rounds = cost.rounds, .prg_calls = cost.prg_calls};
  return profiles_.emplace(key, measured).first->second;
}

void CostWalkEngine::run_gate(const Gate& gate, InColumns in, OutColumns out) {
  for (const std::span<uint64_t>& column : out) std::fill(column.begin(), column.end(), 0);
  const uint64_t count = out[0].size();
  const GateProfiles::Profile& p = profiles_->of(gate, in.size());
  book(gate.describe(), {.calls = 1,
                         .elements = count,
                         .key_bytes = gate.key_bytes(count),
                         .bytes_sent = scaled(p.bytes_sent, count),
                         .rounds = p.rounds,
                         .prg_calls = scaled(p.prg_calls, count)});
}

}  // namespace fss::cli
