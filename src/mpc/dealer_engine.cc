#include "mpc/dealer_engine.h"

#include "crypto/prg_counter.h"

namespace fss {

DealerEngine::DealerEngine(Block seed, KeyStreamWriter& party0, KeyStreamWriter& party1)
    : prg_(seed), streams_{&party0, &party1} {}

Masked DealerEngine::input(const Shape& shape, FixedPoint format) {
  Tensor mask(shape, format);
  prg_.fill_ring(format.n, mask.data());
  input_masks_.push_back(mask);
  return {std::move(mask)};
}

Masked DealerEngine::open(const Shared& value, const std::string& label) {
  // Opening reveals x + r; the mask stays what it was.
  book(label, {.calls = 1, .elements = value.value.size()});
  return {value.value};
}

void DealerEngine::run_gate(const Gate& gate, InColumns in, OutColumns out) {
  const uint64_t count = out[0].size();
  const std::vector<FixedPoint> formats = gate.output_formats();
  for (size_t k = 0; k < out.size(); ++k) prg_.fill_ring(formats[k].n, out[k]);
  std::vector<std::span<const uint64_t>> r_out(out.begin(), out.end());
  const uint64_t expected = gate.key_bytes(count);
  // Each party's keys are written straight into its stream, which has room for them.
  ByteWriter keys[2];
  for (int party = 0; party < 2; ++party)
    keys[party] = streams_[party]->begin_record(gate.kind(), count, expected);
  const uint64_t prg_before = prg_calls_on_this_thread();
  gate.gen(in, r_out, prg_, keys[0], keys[1]);
  const uint64_t prg_calls = prg_calls_on_this_thread() - prg_before;
  // end_record checks that gen wrote exactly key_bytes(count), naming the gate if not.
  for (int party = 0; party < 2; ++party)
    streams_[party]->end_record(std::move(keys[party]), gate.describe());
  book(gate.describe(),
       {.calls = 1, .elements = count, .key_bytes = expected, .prg_calls = prg_calls});
}

}  // namespace fss
