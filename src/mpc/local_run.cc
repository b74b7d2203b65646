#include "mpc/local_run.h"

#include <future>

#include "mpc/clear_engine.h"
#include "mpc/dealer_engine.h"
#include "mpc/party_engine.h"
#include "net/tcp_channel.h"
#include "net/tls_channel.h"

namespace fss {
namespace {

struct PartyOutcome {
  std::vector<Masked> outputs;
  CostLedger costs;
  CostLedger phase_costs;
  std::map<std::string, double> phase_seconds;
  std::map<std::string, double> phase_wait_seconds;
  double online_seconds = 0;
  ChannelStats channel;
};

PartyOutcome run_party(int party, const Program& program, KeyStreamReader& keys,
                       std::span<const Tensor> masked_inputs, Channel& channel,
                       Backend& backend) {
  const BackendScope on_backend(backend);
  PartyEngine engine(party, keys, channel);
  for (const Tensor& t : masked_inputs) engine.provide_input(t);
  const auto start = std::chrono::steady_clock::now();
  PartyOutcome outcome{program(engine), {}, {}, {}, {}, 0, {}};
  keys.expect_end();
  channel.flush();
  outcome.online_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.channel = channel.stats();
  engine.close_phase();
  outcome.costs = engine.costs();
  outcome.phase_costs = engine.phase_costs();
  outcome.phase_seconds = engine.phase_seconds();
  outcome.phase_wait_seconds = engine.phase_wait_seconds();
  return outcome;
}

std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> connect_pair(
    const LocalRunOptions& options) {
  if (!options.tcp) return make_local_channel_pair({options.timeout});
  TcpOptions tcp;
  tcp.timeout = options.timeout;
  tcp.connect_deadline = options.timeout;
  if (options.tls) {
    TlsListener listener("127.0.0.1", 0, (*options.tls)[0]);
    auto connecting = std::async(std::launch::async, [&] {
      return tls_connect("127.0.0.1", listener.port(), tcp, (*options.tls)[1]);
    });
    auto accepted = listener.accept(tcp);
    return {std::move(accepted), connecting.get()};
  }
  TcpListener listener("127.0.0.1", 0);
  auto connecting = std::async(std::launch::async,
                               [&] { return tcp_connect("127.0.0.1", listener.port(), tcp); });
  auto accepted = listener.accept(tcp);
  return {std::move(accepted), connecting.get()};
}

}  // namespace

LocalRunResult run_locally(const Program& program, std::span<const Tensor> inputs,
                           const LocalRunOptions& options) {
  LocalRunResult result;

  ClearEngine clear;
  for (const Tensor& t : inputs) clear.provide_input(t);
  for (Masked& m : program(clear)) result.clear.push_back(std::move(m.value));

  const ConfigHash config = config_hash(options.config);
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_memory(0, config),
                                KeyStreamWriter::to_memory(1, config)};
  Backend& backend = options.backend != nullptr ? *options.backend : cpu_backend();
  DealerEngine dealer(options.seed, writers[0], writers[1]);
  const auto dealer_start = std::chrono::steady_clock::now();
  const std::vector<Masked> output_masks = [&] {
    const BackendScope on_backend(backend);
    return program(dealer);
  }();
  std::vector<uint8_t> streams[2];
  for (int party = 0; party < 2; ++party) {
    writers[party].commit();
    streams[party] = writers[party].take_bytes();
    result.key_stream_bytes[party] = streams[party].size();
  }
  result.dealer_costs = dealer.costs();
  result.dealer_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - dealer_start).count();

  // The client masks its inputs with the dealer's input masks.
  std::vector<Tensor> masked_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& mask = dealer.input_masks().at(i);
    masked_inputs.push_back(add(Masked{inputs[i]}, Masked{mask}).value);
  }

  // Both parties' keys are in place before either starts its clock.
  std::vector<KeyStreamReader> readers;
  result.keys_resident = options.resident_keys;
  for (int party = 0; party < 2; ++party) {
    readers.push_back(KeyStreamReader::from_memory(streams[party], party, config,
                                                   party == 0 ? "P0 key stream" : "P1 key stream"));
    const auto load_start = std::chrono::steady_clock::now();
    if (options.resident_keys) result.keys_resident &= readers.back().make_resident(backend);
    result.party_key_load_seconds[party] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  }

  auto [channel0, channel1] = connect_pair(options);
  auto p1 = std::async(std::launch::async, [&, &ch1 = channel1] {
    return run_party(1, program, readers[1], masked_inputs, *ch1, backend);
  });
  PartyOutcome p0;
  try {
    p0 = run_party(0, program, readers[0], masked_inputs, *channel0, backend);
  } catch (...) {
    channel0.reset();  // lets P1 fail fast instead of waiting for its timeout
    throw;
  }
  PartyOutcome p1_outcome = p1.get();

  for (size_t k = 0; k < p0.outputs.size(); ++k) {
    const Tensor& a = p0.outputs[k].value;
    const Tensor& b = p1_outcome.outputs.at(k).value;
    if (a.shape() != b.shape() || !std::equal(a.data().begin(), a.data().end(), b.data().begin()))
      fail(ErrorKind::kMismatch, "output {}: P0 and P1 hold different masked values", k);
    result.reconstructed.push_back(sub(p0.outputs[k], output_masks.at(k)).value);
  }
  PartyOutcome* outcomes[2] = {&p0, &p1_outcome};
  for (int party = 0; party < 2; ++party) {
    result.party_costs[party] = outcomes[party]->costs;
    result.party_phase_costs[party] = outcomes[party]->phase_costs;
    result.party_phase_seconds[party] = outcomes[party]->phase_seconds;
    result.party_phase_wait_seconds[party] = outcomes[party]->phase_wait_seconds;
    result.party_online_seconds[party] = outcomes[party]->online_seconds;
    result.party_channel[party] = outcomes[party]->channel;
  }
  return result;
}

}  // namespace fss
