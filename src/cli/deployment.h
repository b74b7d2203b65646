#pragma once
// What the three roles (keygen, party, client; docs/deployment.md) and `fssformer run` agree
// on: the run configuration and its canonical text (hashed into every file and the party
// handshake), the program the engines walk, and the client's plaintext inputs.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "mpc/local_run.h"
#include "nn/embedding.h"
#include "nn/model_config.h"
#include "nn/nonlinear.h"
#include "nn/transformer.h"
#include "nn/weights.h"

namespace fss::cli {

// The files `fssformer keygen --out DIR` writes into DIR.
inline constexpr const char* kKeyFileNames[2] = {"keys_p0.fss", "keys_p1.fss"};
inline constexpr const char* kClientMasksFileName = "client.fss";

struct RunConfiguration {
  std::string model;
  int64_t batch = 1;
  int64_t seq_len = 1;
  NonlinearChoice nonlinear;

  // "run model=tiny-bert batch=1 seq=8 nonlinear=sigma" (nonlinear= is NonlinearChoice::
  // describe(), spaces included, always last): the canonical text whose SHA-256 is the
  // configuration hash of the key streams, the role files and the handshake.
  std::string text() const;
  // Parses text(); throws kParse naming `source` if `text` is not of that form.
  static RunConfiguration parse(std::string_view text, const std::string& source);
  // The model's configuration. Throws kInvalidArgument for an unknown model, nonlinear
  // parameters out of range, or a batch or sequence length outside what the model accepts.
  const ModelConfig& validated_model() const;
};

// The secure forward pass of `run` as a Program (inputs: x, then secret_weight_inputs).
Program transformer_program(const RunConfiguration& run, const ForwardProgress& progress = {});

// The client's plaintext: token ids (`token_ids`, batch * seq_len of them row-major, or seeded
// random if empty), weights (seeded random with the real shapes, or a safetensors file), and
// the program inputs built from them in program order. Throws kInvalidArgument for a token
// count other than batch * seq_len or ids outside the vocabulary.
struct ClientPlaintext {
  FloatModelWeights float_weights;
  TokenBatch tokens;
  std::vector<Tensor> inputs;
};
ClientPlaintext client_plaintext(const RunConfiguration& run, uint64_t seed,
                                 const std::string& weights_path,
                                 const std::vector<int64_t>& token_ids = {});

// The clear engine's outputs of `program` on `inputs`: the bit-exact reference.
std::vector<Tensor> clear_outputs(const Program& program, std::span<const Tensor> inputs);

}  // namespace fss::cli
