#pragma once
// The command line's nonlinear options (`run`, `costs`) and their environment aliases, the
// reference system's variables. Precedence:
//   families: --nonlinear sigma|suf sets every module, --suf LIST switches the listed modules to
//     SUF; if neither flag is given, SUF_SOFTMAX, SUF_LAYERNORM, SUF_ACTIVATION (0 or 1) switch
//     one module each; otherwise every module is SIGMA's;
//   parameters: --suf-nexp-bits over SUF_NEXP_BITS over the default, likewise --suf-inv-bits /
//     SUF_INV_BITS and --suf-rsqrt-bits / SUF_RSQRT_BITS; interval counts are flags only.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nn/nonlinear.h"

namespace fss::cli {

// What the command line gave; unset when absent.
struct NonlinearFlags {
  std::optional<std::string> family = std::nullopt;       // --nonlinear
  std::optional<std::string> suf_modules = std::nullopt;  // --suf, comma-separated
  std::optional<int> nexp_bits = std::nullopt;
  std::optional<int> inv_bits = std::nullopt;
  std::optional<int> rsqrt_bits = std::nullopt;
  std::optional<int> gelu_intervals = std::nullopt;
  std::optional<int> silu_intervals = std::nullopt;
};

// The value of an environment variable, or nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_environment(const char* name);

// --nonlinear and --suf (with_families), and the parameter flags, with the precedence above in
// their help texts.
void add_nonlinear_options(CLI::App& command, NonlinearFlags& flags, bool with_families);

// The choice the flags and the environment make (precedence above). Throws kInvalidArgument
// naming the flag or variable for an unknown family or module, an empty module list, a
// variable that is not 0/1 or not an integer, or a parameter out of NonlinearChoice's range.
NonlinearChoice resolve_nonlinear(const NonlinearFlags& flags,
                                  const EnvironmentLookup& environment = process_environment);

// The inverse of NonlinearChoice::describe() (the run configuration's `nonlinear=` text, read
// back by the role programs). Throws kParse naming `source` unless `text` is describe()'s
// canonical output for a choice whose parameters lie in their ranges.
NonlinearChoice parse_nonlinear_description(std::string_view text, const std::string& source);

// Command-line flags that make resolve_nonlinear() return `choice` whatever the environment
// holds (`run --processes` hands them to keygen).
std::vector<std::string> nonlinear_arguments(const NonlinearChoice& choice);

}  // namespace fss::cli
