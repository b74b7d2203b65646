#include "cli/selftest.h"

#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/dcf.h"
#include "crypto/dpf.h"
#include "crypto/prg.h"
#include "cuda/devices.h"
#include "mpc/key_stream.h"
#include "net/tcp_channel.h"

namespace fss::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The public inputs and the cleartext answers the parties' reconstruction must match.
struct Workload {
  int n = 0;
  std::vector<uint64_t> alphas, betas, xs;
  std::vector<uint64_t> point_expected, compare_expected, dcf_expected;
};

Workload make_workload(const SelftestOptions& options, uint64_t seed) {
  Workload w;
  w.n = options.bits;
  const Ring ring{w.n};
  SeededPrg prg(seed);
  const size_t count = options.elements;
  w.alphas.resize(count);
  w.betas.resize(count);
  w.xs.resize(count);
  for (size_t i = 0; i < count; ++i) {
    w.alphas[i] = prg.next_ring(w.n);
    w.betas[i] = prg.next_ring(w.n);
    // A quarter of the inputs hit alpha (or its neighbours) so every output value occurs.
    switch (prg.next_u64() % 8) {
      case 0: w.xs[i] = w.alphas[i]; break;
      case 1: w.xs[i] = ring.add(w.alphas[i], 1); break;
      case 2: w.xs[i] = ring.sub(w.alphas[i], 1); break;
      default: w.xs[i] = prg.next_ring(w.n);
    }
    w.point_expected.push_back(w.xs[i] == w.alphas[i]);
    w.compare_expected.push_back(w.xs[i] < w.alphas[i]);
    w.dcf_expected.push_back(w.xs[i] < w.alphas[i] ? w.betas[i] : 0);
  }
  return w;
}

struct Primitive {
  const char* name;
  GateKind kind;
  int out_bits;
};

constexpr Primitive kPrimitives[] = {
    {"dpf", GateKind::kDpf, 1},
    {"dpf-compare", GateKind::kDpfCompare, 1},
    {"dcf", GateKind::kDcf, 0},  // 0: the ring width n
};

struct Dealt {
  std::vector<uint8_t> stream[2];
  uint64_t key_bytes[3] = {};  // per party, per primitive
  double keygen_ms = 0;
};

std::string config_text(const SelftestOptions& options) {
  return fmt::format("selftest elements={} bits={}", options.elements, options.bits);
}

Dealt deal(const Workload& w, const ConfigHash& config, uint64_t seed) {
  Dealt dealt;
  const auto start = Clock::now();
  KeyStreamWriter writers[2] = {KeyStreamWriter::to_memory(0, config),
                                KeyStreamWriter::to_memory(1, config)};
  SeededPrg key_seeds(seed ^ 0x6b6579736565640aULL);
  const std::vector<uint64_t> ones(w.alphas.size(), 1);
  auto emit = [&](int primitive, auto&& keys) {
    for (int party = 0; party < 2; ++party) {
      ByteWriter out;
      serialize(keys.party[party], out);
      dealt.key_bytes[primitive] = out.size();
      writers[party].write_record(kPrimitives[primitive].kind, w.alphas.size(), out.data());
    }
  };
  emit(0, dpf_gen({w.n, 1}, w.alphas, ones, key_seeds.next_block()));
  emit(1, dpf_gen({w.n, 1}, w.alphas, ones, key_seeds.next_block()));
  emit(2, dcf_gen({w.n, w.n}, w.alphas, w.betas, key_seeds.next_block()));
  for (int party = 0; party < 2; ++party) {
    writers[party].commit();
    dealt.stream[party] = writers[party].take_bytes();
  }
  dealt.keygen_ms = ms_since(start);
  return dealt;
}

struct PrimitiveResult {
  double eval_ms = 0;
  double open_ms = 0;
  uint64_t bytes_sent = 0;
  uint64_t rounds = 0;
  uint64_t errors = 0;
};

struct PartyResult {
  PrimitiveResult primitive[3];
  double online_ms = 0;
};

// Opens `shares` (XOR for 1-bit outputs, additive mod 2^bits otherwise), bit-packed on the
// wire, and counts the elements whose reconstruction differs from `expected`.
uint64_t open_and_count_errors(Channel& channel, std::span<const uint64_t> shares, int bits,
                               std::span<const uint64_t> expected) {
  const std::vector<uint8_t> mine = pack(shares, bits);
  std::vector<uint8_t> theirs(mine.size());
  channel.exchange(mine, theirs);
  const std::vector<uint64_t> peer = unpack(theirs, bits, shares.size());
  const Ring ring{bits};
  uint64_t errors = 0;
  for (size_t i = 0; i < shares.size(); ++i) {
    const uint64_t value = bits == 1 ? (shares[i] ^ peer[i]) & 1 : ring.add(shares[i], peer[i]);
    errors += value != expected[i];
  }
  return errors;
}

PartyResult run_party(int party, Channel& channel, std::span<const uint8_t> stream,
                      const ConfigHash& config, const Workload& w) {
  PartyResult result;
  KeyStreamReader keys = KeyStreamReader::from_memory(stream, party, config);
  const size_t count = w.xs.size();
  std::vector<uint64_t> shares(count);
  std::vector<uint8_t> bits(count);
  const std::vector<uint64_t>* expected[3] = {&w.point_expected, &w.compare_expected,
                                              &w.dcf_expected};
  const auto online_start = Clock::now();
  for (int p = 0; p < 3; ++p) {
    PrimitiveResult& r = result.primitive[p];
    const ChannelStats before = channel.stats();
    auto start = Clock::now();
    ByteReader record = keys.record_reader(kPrimitives[p].kind, count);
    if (p == 2) {
      dcf_eval(party, deserialize_dcf_keys(record), w.xs, shares);
    } else if (p == 1) {
      dpf_compare_eval(party, deserialize_dpf_keys(record), w.xs, bits);
      for (size_t i = 0; i < count; ++i) shares[i] = bits[i];
    } else {
      dpf_eval(party, deserialize_dpf_keys(record), w.xs, shares);
    }
    record.expect_end();
    r.eval_ms = ms_since(start);
    start = Clock::now();
    const int out_bits = kPrimitives[p].out_bits ? kPrimitives[p].out_bits : w.n;
    r.errors = open_and_count_errors(channel, shares, out_bits, *expected[p]);
    r.open_ms = ms_since(start);
    r.bytes_sent = channel.stats().bytes_sent - before.bytes_sent;
    r.rounds = channel.stats().rounds - before.rounds;
  }
  keys.expect_end();
  channel.flush();
  result.online_ms = ms_since(online_start);
  return result;
}

}  // namespace

void add_selftest_command(CLI::App& app, SelftestOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "selftest",
      "Run a DPF, a DCF and a DPF comparison between two parties over TCP on loopback, check the\n"
      "reconstructed outputs against the cleartext functions, and print bytes, rounds and time.");
  cmd->add_option("--elements", options.elements, "keys per primitive")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 26))
      ->capture_default_str();
  cmd->add_option("--bits", options.bits, "input bit-width n (1..64)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--seed", options.seed, "dealer seed (default: random, printed)");
  cmd->add_option("--host", options.host, "loopback address the parties use")->capture_default_str();
  cmd->add_option("--port", options.port, "P0's TCP port (0: any free port)")->capture_default_str();
  cmd->add_option("--timeout-ms", options.timeout_ms, "network timeout")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--json", options.json_path, "also write the results as JSON to this file");
}

int run_selftest(const SelftestOptions& options) {
  const uint64_t seed = options.seed.value_or(std::random_device{}() * 0x100000001ULL);
  const Workload workload = make_workload(options, seed);
  const ConfigHash config = config_hash(config_text(options));
  const Dealt dealt = deal(workload, config, seed);

  TcpOptions tcp;
  tcp.timeout = std::chrono::milliseconds(options.timeout_ms);
  tcp.connect_deadline = tcp.timeout;
  TcpListener listener(options.host, options.port);
  const uint16_t port = listener.port();
  auto p1 = std::async(std::launch::async, [&] {
    auto channel = tcp_connect(options.host, port, tcp);
    PartyResult r = run_party(1, *channel, dealt.stream[1], config, workload);
    return r;
  });
  auto channel0 = listener.accept(tcp);
  const PartyResult r0 = run_party(0, *channel0, dealt.stream[0], config, workload);
  const PartyResult r1 = p1.get();

  const gpu::DeviceList gpus = gpu::list_devices();
  fmt::print("fssformer selftest: {} elements, n = {}, seed {}, P0 <-> P1 over TCP {}:{}\n",
             options.elements, options.bits, seed, options.host, port);
  fmt::print("CPU threads: {}; GPU: {}\n", omp_get_max_threads(),
             gpus.devices.empty() ? gpus.reason : gpus.devices.front().name);
  fmt::print("keygen (dealer, both parties): {:.1f} ms\n\n", dealt.keygen_ms);
  fmt::print("{:<12} {:>14} {:>10} {:>10} {:>14} {:>7}  {}\n", "primitive", "key B/party",
             "eval ms", "open ms", "sent B/party", "rounds", "check");
  uint64_t total_errors = 0;
  nlohmann::json json_primitives = nlohmann::json::array();
  for (int p = 0; p < 3; ++p) {
    const PrimitiveResult& a = r0.primitive[p];
    const PrimitiveResult& b = r1.primitive[p];
    total_errors += a.errors + b.errors;
    const bool ok = a.errors == 0 && b.errors == 0;
    fmt::print("{:<12} {:>14} {:>10.2f} {:>10.2f} {:>14} {:>7}  {}\n", kPrimitives[p].name,
               dealt.key_bytes[p], std::max(a.eval_ms, b.eval_ms), std::max(a.open_ms, b.open_ms),
               a.bytes_sent, a.rounds,
               ok ? "ok" : fmt::format("FAILED ({} wrong)", std::max(a.errors, b.errors)));
    json_primitives.push_back({{"name", kPrimitives[p].name},
                               {"key_bytes_per_party", dealt.key_bytes[p]},
                               {"eval_ms", {a.eval_ms, b.eval_ms}},
                               {"open_ms", {a.open_ms, b.open_ms}},
                               {"bytes_sent", {a.bytes_sent, b.bytes_sent}},
                               {"rounds", a.rounds},
                               {"wrong_outputs", {a.errors, b.errors}}});
  }
  fmt::print("\nonline (P0 / P1): {:.1f} / {:.1f} ms; sent {} / {} bytes; {} rounds\n",
             r0.online_ms, r1.online_ms, channel0->stats().bytes_sent,
             channel0->stats().bytes_received, channel0->stats().rounds);
  fmt::print("{}\n", total_errors == 0 ? "selftest passed" : "selftest FAILED");

  if (!options.json_path.empty()) {
    nlohmann::json json = {{"command", "selftest"},
                           {"elements", options.elements},
                           {"bits", options.bits},
                           {"seed", seed},
                           {"keygen_ms", dealt.keygen_ms},
                           {"online_ms", {r0.online_ms, r1.online_ms}},
                           {"primitives", json_primitives},
                           {"passed", total_errors == 0}};
    std::ofstream out(options.json_path);
    out << json.dump(2) << "\n";
    if (!out) fail(ErrorKind::kIo, "cannot write {}", options.json_path);
  }
  return total_errors == 0 ? 0 : 1;
}

}  // namespace fss::cli
