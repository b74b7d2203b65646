#include "mpc/local_run.h"

#include <omp.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <future>
#include <mutex>

#include "mpc/clear_engine.h"
#include "mpc/dealer_engine.h"
#include "mpc/party_engine.h"
#include "net/tcp_channel.h"
#include "net/tls_channel.h"

namespace fss {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct PartyOutcome {
  std::vector<Masked> outputs;
  CostLedger costs;
  CostLedger phase_costs;
  std::map<std::string, double> phase_seconds;
  std::map<std::string, double> phase_wait_seconds;
  double online_seconds = 0;
  ChannelStats channel;
  uint64_t key_bytes_held = 0;
  double key_load_seconds = 0;  // making keys resident (per-layer: every chunk), off the clock
  bool keys_resident = false;
  ProcessCounters online_counters;  // the process's, over this party's online clock
};

// A finished party's costs and phase times, into its outcome.
void take_ledgers(PartyEngine& engine, PartyOutcome& outcome) {
  engine.close_phase();
  outcome.costs = engine.costs();
  outcome.phase_costs = engine.phase_costs();
  outcome.phase_seconds = engine.phase_seconds();
  outcome.phase_wait_seconds = engine.phase_wait_seconds();
}

// Both parties run on this machine's cores at once: while it lives, the calling party thread's
// OpenMP regions use half of them instead of all (one H100 host, 16 cores, bert-base SIGMA:
// 2.51 s online instead of 2.76 and 2.85 s; bench/results/omp-threads-h100-20261207.json).
// Teams of half the cores also suit active waits (cli/main.cc): 1 152 / 1 148 ms against
// 1 187-1 273 ms with 7 threads a party (bench/results/masked-matmul-gpu-h100-20261207.json).
// A user's OMP_NUM_THREADS is kept.
class HalfOfTheCores {
 public:
  HalfOfTheCores() : before_(omp_get_max_threads()) {
    if (std::getenv("OMP_NUM_THREADS") == nullptr)
      omp_set_num_threads(std::max(1, omp_get_num_procs() / 2));
  }
  ~HalfOfTheCores() { omp_set_num_threads(before_); }
  HalfOfTheCores(const HalfOfTheCores&) = delete;
  HalfOfTheCores& operator=(const HalfOfTheCores&) = delete;

 private:
  int before_;
};

const char* stream_name(int party) { return party == 0 ? "P0 key stream" : "P1 key stream"; }

PartyOutcome run_party(int party, const Program& program, KeyStreamReader& keys,
                       std::span<const Tensor> masked_inputs, Channel& channel, Backend& backend) {
  const BackendScope on_backend(backend);
  const HalfOfTheCores sharing_cores;
  PartyEngine engine(party, keys, channel);
  for (const Tensor& t : masked_inputs) engine.provide_input(t);
  engine.start_phase_clock();
  const auto start = std::chrono::steady_clock::now();
  const ProcessCounters counters_at_start = process_counters();
  PartyOutcome outcome;
  outcome.outputs = program(engine);
  keys.expect_end();
  channel.flush();
  outcome.online_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.online_counters = process_counters() - counters_at_start;
  outcome.channel = channel.stats();
  take_ledgers(engine, outcome);
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

// The keys of one segment for one party, and how many input masks the dealer has drawn so far
// (a segment may ask for inputs; the client masks them as their masks become known).
struct Deal {
  std::vector<uint8_t> keys;
  size_t input_masks = 0;
};

// Thrown to a role whose wait ends because another role failed; run_locally reports that
// role's error instead.
struct Stopped {};

// Strict alternation over the program's segments (the parts between checkpoints): the dealer
// deals segment s while the parties wait, then both parties run segment s while the dealer
// waits, then the dealer deals segment s + 1. The first error of any role ends every wait.
class SegmentTurns {
 public:
  // The dealer, at a checkpoint or (last) at the end: hands over the keys of the segment it
  // has dealt, then waits until both parties have run it (not after the last).
  void dealer_hand_over(std::array<std::vector<uint8_t>, 2> keys, size_t input_masks, bool last) {
    std::unique_lock lock(mutex_);
    for (int party = 0; party < 2; ++party)
      pending_[party].push_back({std::move(keys[party]), input_masks});
    ++dealt_;
    dealer_done_ = last;
    changed_.notify_all();
    if (last) return;
    changed_.wait(lock, [&] { return stopped_ || (ran_[0] == dealt_ && ran_[1] == dealt_); });
    if (stopped_) throw Stopped{};
  }

  // A party, at the start or at a checkpoint: marks the segments it has taken as run and waits
  // for the next segment's keys.
  Deal party_next(int party) {
    std::unique_lock lock(mutex_);
    ran_[party] = taken_[party];
    changed_.notify_all();
    changed_.wait(lock, [&] { return stopped_ || !pending_[party].empty() || dealer_done_; });
    if (stopped_) throw Stopped{};
    if (pending_[party].empty())
      fail(ErrorKind::kMismatch,
           "per-layer keys: P{} reached checkpoint {} but the dealer's program ended after {} "
           "segments",
           party, taken_[party], dealt_);
    Deal deal = std::move(pending_[party].front());
    pending_[party].pop_front();
    ++taken_[party];
    return deal;
  }

  // A party whose segment is loaded (its keys copied where they are read, its inputs given):
  // waits until the other party's is too. Each party's segment clock starts after this, so that
  // on a GPU both parties share, neither runs while the other's key copy holds the copy engine.
  void party_loaded(int party) {
    std::unique_lock lock(mutex_);
    loaded_[party] = taken_[party];
    changed_.notify_all();
    changed_.wait(lock, [&] { return stopped_ || loaded_[1 - party] >= taken_[party]; });
    if (stopped_) throw Stopped{};
  }

  // A party at the end of the program: the dealer must have ended there too.
  void party_finished(int party) {
    std::lock_guard lock(mutex_);
    ran_[party] = taken_[party];
    changed_.notify_all();
    if (!dealer_done_)
      fail(ErrorKind::kMismatch,
           "per-layer keys: P{} ended the program after {} segments but the dealer's goes on",
           party, taken_[party]);
  }

  // Records `error` if it is the first and ends every wait.
  void stop(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!first_error_) first_error_ = error;
    stopped_ = true;
    changed_.notify_all();
  }

  std::exception_ptr first_error() const {
    std::lock_guard lock(mutex_);
    return first_error_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Deal> pending_[2];
  uint64_t dealt_ = 0;      // segments handed over
  uint64_t taken_[2] = {};  // segments each party has taken
  uint64_t ran_[2] = {};    // segments each party has run to their end
  uint64_t loaded_[2] = {};  // segments each party has loaded
  bool dealer_done_ = false;
  bool stopped_ = false;
  std::exception_ptr first_error_;
};

struct DealerOutcome {
  std::vector<Masked> output_masks;
  double seconds = 0;  // its segments, without the waits for the parties
};

DealerOutcome deal_per_layer(const Program& program, DealerEngine& dealer,
                             KeyStreamWriter (&writers)[2], SegmentTurns& turns, Backend& backend) {
  const BackendScope on_backend(backend);
  double paused = 0;
  dealer.set_checkpoint([&] {
    // Taking a chunk reserves (and faults in) the next one's room: dealer's work, on its clock.
    std::array<std::vector<uint8_t>, 2> chunks = {writers[0].take_chunk(), writers[1].take_chunk()};
    const auto start = Clock::now();
    turns.dealer_hand_over(std::move(chunks), dealer.input_masks().size(), /*last=*/false);
    paused += seconds_since(start);
  });
  const auto start = Clock::now();
  DealerOutcome outcome{program(dealer), 0};
  for (KeyStreamWriter& writer : writers) writer.commit();
  outcome.seconds = seconds_since(start) - paused;
  turns.dealer_hand_over({writers[0].take_chunk(), writers[1].take_chunk()},
                         dealer.input_masks().size(), /*last=*/true);
  return outcome;
}

// A party with per-layer keys. Reads the dealer's input masks as they are handed over: the
// dealer does not touch them while the parties run (strict alternation).
PartyOutcome run_party_per_layer(int party, const Program& program, SegmentTurns& turns,
                                 const DealerEngine& dealer, std::span<const Tensor> inputs,
                                 const ConfigHash& config, Channel& channel, Backend& backend,
                                 bool resident_keys) {
  const BackendScope on_backend(backend);
  const HalfOfTheCores sharing_cores;
  Deal first = turns.party_next(party);
  PartyOutcome outcome;
  outcome.key_bytes_held = first.keys.size();
  KeyStreamReader keys =
      KeyStreamReader::from_chunk(std::move(first.keys), party, config, stream_name(party));
  // Later chunks are copied as they are appended, inside the checkpoint's pause; every copy
  // counts as key loading.
  const auto load_start = Clock::now();
  outcome.keys_resident = resident_keys && keys.make_resident(backend);
  outcome.key_load_seconds = seconds_since(load_start);
  PartyEngine engine(party, keys, channel);
  size_t provided = 0;
  const auto provide_inputs = [&](size_t masks) {
    // The client's part: inputs masked with the masks drawn so far, before the segment's clock.
    for (; provided < std::min(masks, inputs.size()); ++provided)
      engine.provide_input(
          add(Masked{inputs[provided]}, Masked{dealer.input_masks()[provided]}).value);
  };
  provide_inputs(first.input_masks);
  double paused = 0;
  ProcessCounters counted_while_paused;  // the dealer's, mostly
  engine.set_checkpoint([&] {
    const auto start = Clock::now();
    const ProcessCounters counters_at_pause = process_counters();
    keys.release_read_chunks();  // before the dealer deals the next: one segment held at a time
    Deal next = turns.party_next(party);
    outcome.key_bytes_held = std::max<uint64_t>(outcome.key_bytes_held, next.keys.size());
    const auto load_start = Clock::now();
    keys.append_chunk(std::move(next.keys));
    outcome.key_load_seconds += seconds_since(load_start);
    provide_inputs(next.input_masks);
    turns.party_loaded(party);
    paused += seconds_since(start);
    counted_while_paused += process_counters() - counters_at_pause;
  });
  turns.party_loaded(party);
  engine.start_phase_clock();
  const auto start = Clock::now();
  const ProcessCounters counters_at_start = process_counters();
  outcome.outputs = program(engine);
  turns.party_finished(party);
  keys.expect_end();
  channel.flush();
  outcome.online_seconds = seconds_since(start) - paused;
  outcome.online_counters = process_counters() - counters_at_start - counted_while_paused;
  outcome.channel = channel.stats();
  take_ledgers(engine, outcome);
  return outcome;
}

// The dealer and both parties on three threads, alternating per segment. Returns the output
// masks and each party's outcome; rethrows the first error of any role.
std::pair<DealerOutcome, std::array<PartyOutcome, 2>> run_per_layer(
    const Program& program, std::span<const Tensor> inputs, const LocalRunOptions& options,
    const ConfigHash& config, DealerEngine& dealer, KeyStreamWriter (&writers)[2],
    Backend& backend) {
  auto [channel0, channel1] = connect_pair(options);
  std::unique_ptr<Channel> channels[2] = {std::move(channel0), std::move(channel1)};
  SegmentTurns turns;
  auto dealing = std::async(std::launch::async, [&]() -> DealerOutcome {
    try {
      return deal_per_layer(program, dealer, writers, turns, backend);
    } catch (...) {
      turns.stop(std::current_exception());
      return {};
    }
  });
  const auto party_task = [&](int party) {
    return std::async(std::launch::async, [&, party]() -> PartyOutcome {
      try {
        return run_party_per_layer(party, program, turns, dealer, inputs, config, *channels[party],
                                   backend, options.resident_keys);
      } catch (...) {
        turns.stop(std::current_exception());
        channels[party].reset();  // lets the peer fail fast instead of waiting for its timeout
        return {};
      }
    });
  };
  auto p0 = party_task(0);
  auto p1 = party_task(1);
  std::pair<DealerOutcome, std::array<PartyOutcome, 2>> outcome{dealing.get(),
                                                                {p0.get(), p1.get()}};
  if (const std::exception_ptr error = turns.first_error()) std::rethrow_exception(error);
  return outcome;
}

// The dealer deals every key, then both parties run (P0 on this thread, P1 on another).
std::pair<DealerOutcome, std::array<PartyOutcome, 2>> run_whole(
    const Program& program, std::span<const Tensor> inputs, const LocalRunOptions& options,
    const ConfigHash& config, DealerEngine& dealer, KeyStreamWriter (&writers)[2],
    Backend& backend) {
  DealerOutcome dealt;
  const auto dealer_start = Clock::now();
  dealt.output_masks = [&] {
    const BackendScope on_backend(backend);
    return program(dealer);
  }();
  std::vector<uint8_t> streams[2];
  for (int party = 0; party < 2; ++party) {
    writers[party].commit();
    streams[party] = writers[party].take_bytes();
  }
  dealt.seconds = seconds_since(dealer_start);

  // The client masks its inputs with the dealer's input masks.
  std::vector<Tensor> masked_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& mask = dealer.input_masks().at(i);
    masked_inputs.push_back(add(Masked{inputs[i]}, Masked{mask}).value);
  }

  // Both parties' keys are in place before either starts its clock.
  std::vector<KeyStreamReader> readers;
  bool resident[2] = {};
  double load_seconds[2] = {};
  for (int party = 0; party < 2; ++party) {
    readers.push_back(
        KeyStreamReader::from_memory(streams[party], party, config, stream_name(party)));
    const auto load_start = Clock::now();
    resident[party] = options.resident_keys && readers.back().make_resident(backend);
    load_seconds[party] = seconds_since(load_start);
  }

  auto [channel0, channel1] = connect_pair(options);
  auto p1 = std::async(std::launch::async, [&, &ch1 = channel1] {
    try {
      return run_party(1, program, readers[1], masked_inputs, *ch1, backend);
    } catch (...) {
      ch1.reset();  // lets P0 fail fast instead of waiting for its timeout
      throw;
    }
  });
  PartyOutcome p0;
  try {
    p0 = run_party(0, program, readers[0], masked_inputs, *channel0, backend);
  } catch (const Error& error) {
    channel0.reset();  // lets P1 fail fast instead of waiting for its timeout
    // A broken link is usually P1's failure: report P1's own error then.
    if (error.kind() == ErrorKind::kNetwork) p1.get();
    throw;
  } catch (...) {
    channel0.reset();
    throw;
  }
  std::array<PartyOutcome, 2> outcomes = {std::move(p0), p1.get()};
  for (int party = 0; party < 2; ++party) {
    outcomes[party].key_bytes_held = streams[party].size();
    outcomes[party].key_load_seconds = load_seconds[party];
    outcomes[party].keys_resident = resident[party];
  }
  return {std::move(dealt), std::move(outcomes)};
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
  if (!options.keys_per_layer)
    for (KeyStreamWriter& writer : writers) writer.reserve(options.key_stream_bytes);
  DealerEngine dealer(options.seed, writers[0], writers[1]);
  auto [dealt, parties] =
      options.keys_per_layer
          ? run_per_layer(program, inputs, options, config, dealer, writers, backend)
          : run_whole(program, inputs, options, config, dealer, writers, backend);
  result.dealer_costs = dealer.costs();
  result.dealer_seconds = dealt.seconds;

  for (size_t k = 0; k < parties[0].outputs.size(); ++k) {
    const Tensor& a = parties[0].outputs[k].value;
    const Tensor& b = parties[1].outputs.at(k).value;
    if (a.shape() != b.shape() || !std::equal(a.data().begin(), a.data().end(), b.data().begin()))
      fail(ErrorKind::kMismatch, "output {}: P0 and P1 hold different masked values", k);
    result.reconstructed.push_back(sub(parties[0].outputs[k], dealt.output_masks.at(k)).value);
  }
  for (int party = 0; party < 2; ++party) {
    const PartyOutcome& outcome = parties[party];
    result.party_costs[party] = outcome.costs;
    result.party_phase_costs[party] = outcome.phase_costs;
    result.party_phase_seconds[party] = outcome.phase_seconds;
    result.party_phase_wait_seconds[party] = outcome.phase_wait_seconds;
    result.party_online_seconds[party] = outcome.online_seconds;
    result.party_channel[party] = outcome.channel;
    result.key_stream_bytes[party] = writers[party].bytes_written();
    result.key_bytes_held[party] = outcome.key_bytes_held;
    result.party_key_load_seconds[party] = outcome.key_load_seconds;
    result.party_online_counters[party] = outcome.online_counters;
  }
  result.keys_resident = parties[0].keys_resident && parties[1].keys_resident;
  return result;
}

}  // namespace fss
