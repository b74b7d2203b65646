#include "cli/backend_options.h"

#include "cuda/cuda_backend.h"

namespace fss::cli {

void add_backend_options(CLI::App& command, std::string& backend, int& device) {
  command
      .add_option("--backend", backend,
                  "cpu or cuda (FSS evaluation, key generation and matmul on the GPU)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  command.add_option("--device", device, "GPU index for --backend cuda")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void add_key_memory_option(CLI::App& command, std::string& key_memory) {
  command
      .add_option("--key-memory", key_memory,
                  "with --backend cuda: device (keys copied to GPU memory before the online "
                  "phase), host (each gate's keys sent to the GPU with its call) or auto (device "
                  "when they fit)")
      ->check(CLI::IsMember({"auto", "device", "host"}))
      ->capture_default_str();
}

Backend& select_backend(const std::string& backend, int device, std::unique_ptr<Backend>& owned) {
  if (backend == "cpu") return cpu_backend();
  owned = gpu::make_cuda_backend(device);
  return *owned;
}

}  // namespace fss::cli
