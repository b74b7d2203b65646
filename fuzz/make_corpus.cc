// Writes the seed corpora of the fuzz targets: small valid inputs made with the writers of the
// formats (key streams, DPF/DCF keys, packed values) and by hand (safetensors).
// Usage: make_corpus DIR   (writes DIR/<target>/<name>; the committed corpus is fuzz/corpus)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/bitpack.h"
#include "core/bytes.h"
#include "crypto/dcf.h"
#include "crypto/dpf.h"
#include "mpc/key_stream.h"

namespace {

namespace fs = std::filesystem;

void write_seed(const fs::path& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

struct Record {
  fss::GateKind kind;
  uint64_t elements;
  std::vector<uint8_t> payload;
};

// key_stream_fuzz input: the expectations, then a stream holding exactly those records.
std::vector<uint8_t> key_stream_seed(int party, const std::vector<Record>& records) {
  fss::ByteWriter out;
  out.put(static_cast<uint8_t>(records.size()));
  for (const Record& record : records) {
    out.put(static_cast<uint16_t>(record.kind));
    out.put(record.elements);
  }
  fss::KeyStreamWriter writer = fss::KeyStreamWriter::to_memory(party, fss::config_hash("fuzz"));
  for (const Record& record : records) {
    writer.write_record(record.kind, record.elements, record.payload);
  }
  writer.commit();
  out.put_bytes(writer.take_bytes());
  return out.take();
}

std::vector<uint64_t> sample_values(size_t count, int n) {
  std::vector<uint64_t> values(count);
  const uint64_t mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  for (size_t i = 0; i < count; ++i) values[i] = (0x9e3779b97f4a7c15ULL * (i + 1)) & mask;
  return values;
}

std::vector<uint8_t> dpf_seed(int n, int l, size_t count, int party) {
  const fss::DpfKeyPair keys =
      fss::dpf_gen({n, l}, sample_values(count, n), sample_values(count, l), {1, 2});
  fss::ByteWriter out;
  out.put(uint8_t{0});
  fss::serialize(keys.party[party], out);
  return out.take();
}

std::vector<uint8_t> dcf_seed(int n, int l, size_t count, int party) {
  const fss::DcfKeyPair keys =
      fss::dcf_gen({n, l}, sample_values(count, n), sample_values(count, l), {3, 4});
  fss::ByteWriter out;
  out.put(uint8_t{1});
  fss::serialize(keys.party[party], out);
  return out.take();
}

std::vector<uint8_t> safetensors_seed(const std::string& header, size_t data_bytes) {
  fss::ByteWriter out;
  out.put(static_cast<uint64_t>(header.size()));
  out.put_bytes({reinterpret_cast<const uint8_t*>(header.data()), header.size()});
  for (size_t i = 0; i < data_bytes; ++i) out.put(static_cast<uint8_t>(i * 37 + 11));
  return out.take();
}

std::vector<uint8_t> bitpack_seed(int n, size_t count) {
  std::vector<uint8_t> seed = {static_cast<uint8_t>(n - 1), 0};
  const std::vector<uint8_t> packed = fss::pack(sample_values(count, n), n);
  seed.insert(seed.end(), packed.begin(), packed.end());
  return seed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR\n");
    return 2;
  }
  const fs::path root = argv[1];

  const fs::path streams = root / "key_stream";
  write_seed(streams, "empty-p0", key_stream_seed(0, {}));
  write_seed(streams, "one-record-p1", key_stream_seed(1, {{fss::GateKind::kTest, 3, {1, 2, 3}}}));
  write_seed(streams, "three-records-p0",
             key_stream_seed(0, {{fss::GateKind::kDpf, 2, std::vector<uint8_t>(40, 7)},
                                 {fss::GateKind::kDcf, 0, {}},
                                 {fss::GateKind::kMaskedOpen, 5, std::vector<uint8_t>(17, 9)}}));

  const fs::path keys = root / "fss_keys";
  write_seed(keys, "dpf-n8-l1-p0", dpf_seed(8, 1, 3, 0));
  write_seed(keys, "dpf-n16-l16-p1", dpf_seed(16, 16, 2, 1));
  write_seed(keys, "dpf-n64-l64-p0", dpf_seed(64, 64, 1, 0));
  write_seed(keys, "dcf-n8-l1-p1", dcf_seed(8, 1, 3, 1));
  write_seed(keys, "dcf-n24-l40-p0", dcf_seed(24, 40, 2, 0));

  const fs::path tensors = root / "safetensors";
  write_seed(tensors, "f32-2x2",
             safetensors_seed(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", 16));
  write_seed(tensors, "mixed-with-metadata",
             safetensors_seed(R"({"__metadata__":{"format":"pt"},)"
                              R"("a":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},)"
                              R"("b":{"dtype":"BF16","shape":[1,2],"data_offsets":[6,10]},)"
                              R"("c":{"dtype":"I64","shape":[],"data_offsets":[10,18]},)"
                              R"("d":{"dtype":"F64","shape":[0,4],"data_offsets":[18,18]}})",
                              18));
  write_seed(tensors, "empty", safetensors_seed("{}", 0));

  const fs::path packed = root / "bitpack";
  for (const int n : {1, 7, 13, 37, 64}) {
    write_seed(packed, "n" + std::to_string(n), bitpack_seed(n, 11));
  }
  return 0;
}
