#include "nn/weights.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <span>
#include <utility>

#include "core/error.h"
#include "crypto/prg.h"

namespace fss {
namespace {

// [rows, cols] -> [cols, rows], in tiles so that big matrices (Llama's [11008, 4096]) stay
// in cache, rows of tiles in parallel.
std::vector<float> transpose(const std::vector<float>& values, size_t rows, size_t cols) {
  constexpr size_t kTile = 64;
  std::vector<float> transposed(values.size());
  const int64_t row_tiles = static_cast<int64_t>((rows + kTile - 1) / kTile);
#pragma omp parallel for schedule(static) if (values.size() > (size_t{1} << 16))
  for (int64_t tile = 0; tile < row_tiles; ++tile) {
    const size_t r_begin = static_cast<size_t>(tile) * kTile;
    const size_t r_end = std::min(rows, r_begin + kTile);
    for (size_t c_begin = 0; c_begin < cols; c_begin += kTile)
      for (size_t r = r_begin; r < r_end; ++r)
        for (size_t c = c_begin; c < std::min(cols, c_begin + kTile); ++c)
          transposed[c * rows + r] = values[r * cols + c];
  }
  return transposed;
}

// The stored tensor of `spec` in the forward pass's layout, one part per slot: transposed
// from [out, in] where stored so, split along the last axis, the query scaled.
std::vector<std::pair<WeightSlot, FloatTensor>> to_forward_layout(FloatTensor stored,
                                                                  const WeightSpec& spec,
                                                                  const ModelConfig& config) {
  std::vector<int64_t> dims = stored.shape.dims();
  if (spec.layout == StoredLayout::kTransposed) {
    FSS_CHECK(dims.size() == 2, "{} is not a matrix", stored.name);
    stored.values = transpose(stored.values, dims[0], dims[1]);
    std::swap(dims[0], dims[1]);
  }
  const size_t parts = spec.slots.size();
  const size_t width = dims.back();
  FSS_CHECK(parts > 0 && width % parts == 0, "{} does not split into {} parts", stored.name, parts);
  const size_t part_width = width / parts;
  const size_t rows = stored.values.size() / width;
  dims.back() = static_cast<int64_t>(part_width);

  std::vector<std::pair<WeightSlot, FloatTensor>> result;
  for (size_t part = 0; part < parts; ++part) {
    const WeightSlot slot = spec.slots[part];
    FloatTensor tensor{stored.name, Shape(dims), {}};
    if (parts == 1) {
      tensor.values = std::move(stored.values);
    } else {
      tensor.name = fmt::format("{} ({})", stored.name, weight_slot_name(slot));
      tensor.values.resize(rows * part_width);
      for (size_t r = 0; r < rows; ++r)
        std::copy_n(stored.values.begin() + r * width + part * part_width, part_width,
                    tensor.values.begin() + r * part_width);
    }
    const bool is_query = slot == WeightSlot::kQueryWeight || slot == WeightSlot::kQueryBias;
    if (is_query && config.scale_attention) {
      const double scale = 1.0 / std::sqrt(static_cast<double>(config.head_dim()));
      for (float& value : tensor.values) value = static_cast<float>(value * scale);
    }
    result.emplace_back(slot, std::move(tensor));
  }
  return result;
}

// Reads every spec's stored tensor, lays it out and converts it into the slots of T.
template <typename T, typename ReadStored, typename Convert>
ModelWeightsOf<T> assemble(const ModelConfig& config, std::span<const WeightSpec> specs,
                           ReadStored read_stored, Convert convert) {
  ModelWeightsOf<T> weights;
  weights.layers.resize(config.num_layers);
  for (const WeightSpec& spec : specs)
    for (auto& [slot, part] : to_forward_layout(read_stored(spec), spec, config))
      weight_slot(weights, slot, spec.layer) = convert(std::move(part));
  return weights;
}

std::string join_limited(const std::vector<std::string>& items) {
  constexpr size_t kShown = 8;
  if (items.size() <= kShown) return fmt::format("{}", fmt::join(items, ", "));
  return fmt::format("{}, ... and {} more", fmt::join(items.begin(), items.begin() + kShown, ", "),
                     items.size() - kShown);
}

bool converts_to_float(Dtype dtype) {
  return dtype == Dtype::kF32 || dtype == Dtype::kF16 || dtype == Dtype::kBF16 ||
         dtype == Dtype::kF64;
}

// Checks `file` against the specs and returns the name prefix its tensors use. Every problem
// is collected first, so that one error lists them all.
std::string check_checkpoint(const SafetensorsFile& file, const ModelConfig& config,
                             std::span<const WeightSpec> specs, WeightLoadOptions options) {
  std::string prefix;
  size_t best_matches = 0;
  for (const std::string& candidate : weight_name_prefixes(config.family)) {
    const size_t matches = std::count_if(specs.begin(), specs.end(), [&](const WeightSpec& spec) {
      return file.find(candidate + spec.name) != nullptr;
    });
    if (matches > best_matches) {
      best_matches = matches;
      prefix = candidate;
    }
  }

  std::vector<std::string> missing, misshaped, not_float, unexpected;
  std::set<std::string, std::less<>> expected;
  for (const WeightSpec& spec : specs) {
    const std::string name = prefix + spec.name;
    expected.insert(name);
    const SafetensorsEntry* entry = file.find(name);
    if (entry == nullptr) {
      missing.push_back(name);
    } else if (entry->shape != spec.shape) {
      misshaped.push_back(fmt::format("{} is {}, expected {}", name, entry->shape.to_string(),
                                      spec.shape.to_string()));
    } else if (!converts_to_float(entry->dtype)) {
      not_float.push_back(fmt::format("{} is {}", name, dtype_name(entry->dtype)));
    }
  }
  if (!options.allow_extra)
    for (const SafetensorsEntry& entry : file.tensors())
      if (!expected.contains(entry.name) && !is_known_buffer(config.family, entry.name))
        unexpected.push_back(entry.name);
  if (missing.empty() && misshaped.empty() && not_float.empty() && unexpected.empty())
    return prefix;

  std::vector<std::string> problems;
  if (!missing.empty())
    problems.push_back(fmt::format("{} missing: {}", missing.size(), join_limited(missing)));
  if (!misshaped.empty())
    problems.push_back(
        fmt::format("{} with the wrong shape: {}", misshaped.size(), join_limited(misshaped)));
  if (!not_float.empty())
    problems.push_back(fmt::format("{} not stored as F32, F16, BF16 or F64: {}", not_float.size(),
                                   join_limited(not_float)));
  if (!unexpected.empty())
    problems.push_back(fmt::format("{} unexpected (allow extra tensors to ignore them): {}",
                                   unexpected.size(), join_limited(unexpected)));
  fail(ErrorKind::kMismatch, "{} does not match model '{}': {}", file.source(), config.name,
       fmt::join(problems, "; "));
}

template <typename Convert>
auto load_with(const SafetensorsFile& file, const ModelConfig& config, WeightLoadOptions options,
               Convert convert) {
  using T = decltype(convert(FloatTensor{}));
  const std::vector<WeightSpec> specs = weight_specs(config);
  const std::string prefix = check_checkpoint(file, config, specs, options);
  const auto read_stored = [&](const WeightSpec& spec) {
    const std::string name = prefix + spec.name;
    return FloatTensor{name, spec.shape, file.read_floats(name)};
  };
  return assemble<T>(config, specs, read_stored, convert);
}

uint64_t name_hash(std::string_view name) {  // FNV-1a
  uint64_t hash = 0xcbf2'9ce4'8422'2325ULL;
  for (const char c : name) hash = (hash ^ static_cast<uint8_t>(c)) * 0x100'0000'01b3ULL;
  return hash;
}

// A standard normal approximated by the Irwin-Hall sum of twelve uniform 16-bit integers:
// mean 0, variance 1 - 2^-32, bounded by 6. Integer sums and one IEEE multiplication keep the
// value identical on every machine (no libm transcendental, whose last bit may vary).
double approximate_normal(SeededPrg& prg) {
  int64_t sum = 0;
  for (int word = 0; word < 3; ++word) {
    const uint64_t bits = prg.next_u64();
    for (int part = 0; part < 4; ++part)
      sum += static_cast<int64_t>((bits >> (16 * part)) & 0xffff);
  }
  return static_cast<double>(sum - 6 * 65535) * 0x1p-16;
}

// Values are drawn in chunks, each from its own PRG keyed by (seed, name, chunk), so that the
// chunks can be filled in parallel and the result does not depend on the thread count.
FloatTensor random_stored_tensor(const WeightSpec& spec, uint64_t seed) {
  constexpr size_t kChunk = size_t{1} << 16;
  constexpr double kStddev = 0.02;
  const double mean = is_norm_weight(spec.slots.front()) ? 1.0 : 0.0;
  const uint64_t hash = name_hash(spec.name);
  FloatTensor tensor{spec.name, spec.shape, std::vector<float>(spec.shape.size())};
  std::vector<float>& values = tensor.values;
  const int64_t chunks = static_cast<int64_t>((values.size() + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    SeededPrg prg(Block{seed, hash ^ (static_cast<uint64_t>(chunk) * 0x9e37'79b9'7f4a'7c15ULL)});
    const size_t begin = static_cast<size_t>(chunk) * kChunk;
    const size_t end = std::min(values.size(), begin + kChunk);
    for (size_t i = begin; i < end; ++i)
      values[i] = static_cast<float>(mean + kStddev * approximate_normal(prg));
  }
  return tensor;
}

}  // namespace

FloatModelWeights load_float_weights(const SafetensorsFile& file, const ModelConfig& config,
                                     WeightLoadOptions options) {
  return load_with(file, config, options, [](FloatTensor tensor) { return tensor; });
}

ModelWeights load_weights(const SafetensorsFile& file, const ModelConfig& config,
                          WeightLoadOptions options) {
  return load_with(file, config, options, [&](const FloatTensor& tensor) {
    try {
      return to_fixed_point(tensor, config.fixed_point);
    } catch (const Error& error) {
      fail(error.kind(), "{}: {}", file.source(), error.what());
    }
  });
}

Tensor to_fixed_point(const FloatTensor& tensor, FixedPoint fixed_point) {
  fixed_point.validate();
  constexpr size_t kChunk = size_t{1} << 16;
  const size_t count = tensor.values.size();
  FSS_CHECK(count == tensor.shape.size(), "{} holds {} values for shape {}", tensor.name, count,
            tensor.shape.to_string());
  Tensor result = Tensor::for_overwrite(tensor.shape, fixed_point);
  const std::span<uint64_t> encoded = result.data();
  // Exceptions must not leave an OpenMP region: chunks record their first bad index, and the
  // smallest one is encoded again outside to produce the error.
  std::atomic<size_t> first_bad = count;
  const int64_t chunks = static_cast<int64_t>((count + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const size_t end = std::min(count, static_cast<size_t>(chunk + 1) * kChunk);
    for (size_t i = static_cast<size_t>(chunk) * kChunk; i < end; ++i) {
      try {
        encoded[i] = fixed_point.encode(tensor.values[i]);
      } catch (const Error&) {
        size_t seen = first_bad.load();
        while (i < seen && !first_bad.compare_exchange_weak(seen, i)) {
        }
        break;
      }
    }
  }
  if (const size_t bad = first_bad.load(); bad < count) {
    try {
      fixed_point.encode(tensor.values[bad]);
    } catch (const Error& error) {
      fail(ErrorKind::kInvalidArgument, "weight '{}', flat index {}: {}", tensor.name, bad,
           error.what());
    }
    FSS_CHECK(false, "encoding {} failed once and then succeeded", tensor.values[bad]);
  }
  return result;  // every value encoded, each < 2^n
}

ModelWeights to_fixed_point(const FloatModelWeights& weights, FixedPoint fixed_point) {
  ModelWeights result;
  result.layers.resize(weights.layers.size());
  for (int slot_index = 0; slot_index <= static_cast<int>(WeightSlot::kDownBias); ++slot_index) {
    const auto slot = static_cast<WeightSlot>(slot_index);
    const int layers = is_layer_slot(slot) ? static_cast<int>(weights.layers.size()) : 1;
    for (int layer = 0; layer < layers; ++layer)
      if (const auto& source = weight_slot(weights, slot, layer))
        weight_slot(result, slot, layer) = to_fixed_point(*source, fixed_point);
  }
  return result;
}

FloatModelWeights random_float_weights(const ModelConfig& config, uint64_t seed) {
  return assemble<FloatTensor>(
      config, weight_specs(config),
      [&](const WeightSpec& spec) { return random_stored_tensor(spec, seed); },
      [](FloatTensor tensor) { return tensor; });
}

ModelWeights random_weights(const ModelConfig& config, uint64_t seed) {
  return assemble<Tensor>(
      config, weight_specs(config),
      [&](const WeightSpec& spec) { return random_stored_tensor(spec, seed); },
      [&](const FloatTensor& tensor) { return to_fixed_point(tensor, config.fixed_point); });
}

LayerWeights random_layer_weights(const ModelConfig& config, uint64_t seed, int layer) {
  if (layer < 0 || layer >= config.num_layers)
    fail(ErrorKind::kInvalidArgument, "model '{}' has layers 0..{}, not layer {}", config.name,
         config.num_layers - 1, layer);
  std::vector<WeightSpec> specs = weight_specs(config);
  std::erase_if(specs, [&](const WeightSpec& spec) { return spec.layer != layer; });
  ModelWeights weights = assemble<Tensor>(
      config, specs, [&](const WeightSpec& spec) { return random_stored_tensor(spec, seed); },
      [&](const FloatTensor& tensor) { return to_fixed_point(tensor, config.fixed_point); });
  return std::move(weights.layers[layer]);
}

}  // namespace fss
