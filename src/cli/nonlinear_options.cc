#include "cli/nonlinear_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "core/error.h"

namespace fss::cli {
namespace {

constexpr const char* kModules = "softmax, layernorm, activation";

NonlinearFamily parse_family(const std::string& text) {
  if (text == "sigma") return NonlinearFamily::kSigma;
  if (text == "suf") return NonlinearFamily::kSuf;
  fail(ErrorKind::kInvalidArgument, "--nonlinear {}: expected sigma or suf", text);
}

// The module of `choice` called `name`, or nullptr.
NonlinearFamily* module_named(NonlinearChoice& choice, const std::string& name) {
  if (name == "softmax") return &choice.softmax;
  if (name == "layernorm") return &choice.layernorm;
  if (name == "activation") return &choice.activation;
  return nullptr;
}

void switch_listed_modules(const std::string& list, NonlinearChoice& choice) {
  if (list.empty()) fail(ErrorKind::kInvalidArgument, "--suf: empty module list ({})", kModules);
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string name = list.substr(start, comma - start);
    NonlinearFamily* module = module_named(choice, name);
    if (module == nullptr)
      fail(ErrorKind::kInvalidArgument, "--suf {}: unknown module '{}' (expected {})", list, name,
           kModules);
    *module = NonlinearFamily::kSuf;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

void apply_environment_switch(const EnvironmentLookup& environment, const char* variable,
                              NonlinearFamily& module) {
  const std::optional<std::string> value = environment(variable);
  if (!value) return;
  if (*value != "0" && *value != "1")
    fail(ErrorKind::kInvalidArgument, "{}={}: expected 0 or 1", variable, *value);
  module = *value == "1" ? NonlinearFamily::kSuf : NonlinearFamily::kSigma;
}

// flag over environment variable (when there is one) over `value`'s default; range-checked.
void resolve_parameter(const std::optional<int>& flag, const char* flag_name,
                       const EnvironmentLookup& environment, const char* variable,
                       ParameterRange range, int& value) {
  std::string source;
  if (flag) {
    value = *flag;
    source = fmt::format("{} {}", flag_name, *flag);
  } else if (const std::optional<std::string> text =
                 variable != nullptr ? environment(variable) : std::nullopt) {
    const char* end = text->data() + text->size();
    const auto [rest, error] = std::from_chars(text->data(), end, value);
    if (text->empty() || error != std::errc() || rest != end)
      fail(ErrorKind::kInvalidArgument, "{}={}: expected an integer", variable, *text);
    source = fmt::format("{}={}", variable, *text);
  } else {
    return;
  }
  if (value < range.lo || value > range.hi)
    fail(ErrorKind::kInvalidArgument, "{}: out of range, expected {}..{}", source, range.lo,
         range.hi);
}

// One "name=sigma" or "name=suf(key=value,...)" term of describe(): sets `module` and, for
// SUF, the `parameters` (key and field, in describe()'s order).
void parse_module_term(std::string_view term, const char* name,
                       const std::vector<std::pair<const char*, int*>>& parameters,
                       NonlinearFamily& module, std::string_view text, const std::string& source) {
  const auto bad = [&](std::string_view why) {
    fail(ErrorKind::kParse, "{}: nonlinear choice '{}': {}", source, text, why);
  };
  const std::string prefix = std::string(name) + "=";
  if (!term.starts_with(prefix)) bad(fmt::format("expected '{}...', found '{}'", prefix, term));
  std::string_view family = term.substr(prefix.size());
  if (family == "sigma") {
    module = NonlinearFamily::kSigma;
    return;
  }
  if (!family.starts_with("suf(") || !family.ends_with(")"))
    bad(fmt::format("{} is neither sigma nor suf(...)", name));
  module = NonlinearFamily::kSuf;
  std::string_view list = family.substr(4, family.size() - 5);
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto [key, value] = parameters[i];
    const std::string key_prefix = std::string(key) + "=";
    if (!list.starts_with(key_prefix)) bad(fmt::format("{} lacks {}", name, key));
    list.remove_prefix(key_prefix.size());
    const size_t end = i + 1 < parameters.size() ? list.find(',') : list.size();
    if (end == std::string_view::npos)
      bad(fmt::format("{} lacks {}", name, parameters[i + 1].first));
    const auto [rest, error] = std::from_chars(list.data(), list.data() + end, *value);
    if (error != std::errc() || rest != list.data() + end)
      bad(fmt::format("{} is not an integer", key));
    list.remove_prefix(std::min(end + 1, list.size()));
  }
}

}  // namespace

std::optional<std::string> process_environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
}

void add_nonlinear_options(CLI::App& command, NonlinearFlags& flags, bool with_families) {
  if (with_families) {
    command
        .add_option("--nonlinear", flags.family,
                    "protocol family of every nonlinear module: sigma or suf (default sigma; "
                    "with --suf or this flag, SUF_SOFTMAX, SUF_LAYERNORM, SUF_ACTIVATION are "
                    "ignored)")
        ->check(CLI::IsMember({"sigma", "suf"}));
    command.add_option("--suf", flags.suf_modules,
                       "modules computed with SUF, comma-separated: softmax (nExp, reciprocal), "
                       "layernorm (rsqrt; RMSNorm too), activation (GeLU, SiLU); env aliases "
                       "SUF_SOFTMAX=1, SUF_LAYERNORM=1, SUF_ACTIVATION=1");
  }
  const NonlinearChoice defaults;
  auto parameter = [&](const char* name, std::optional<int>& value, const std::string& text,
                       int fallback) {
    command.add_option(name, value, fmt::format("{} (default {})", text, fallback));
  };
  parameter("--suf-nexp-bits", flags.nexp_bits,
            "SUF nExp: 2^bits table cells over [0, 8); env SUF_NEXP_BITS", defaults.nexp_bits);
  parameter("--suf-inv-bits", flags.inv_bits,
            "SUF reciprocal: at most 2^bits steps; env SUF_INV_BITS", defaults.inv_bits);
  parameter("--suf-rsqrt-bits", flags.rsqrt_bits,
            "SUF rsqrt: 2^(bits-4) steps per octave; env SUF_RSQRT_BITS", defaults.rsqrt_bits);
  parameter("--suf-gelu-intervals", flags.gelu_intervals, "SUF GeLU table cells (a power of 2)",
            defaults.gelu_intervals);
  parameter("--suf-silu-intervals", flags.silu_intervals, "SUF SiLU spline pieces",
            defaults.silu_intervals);
  command.footer(with_families
                     ? "Flags win over environment variables: --nonlinear/--suf over SUF_SOFTMAX, "
                       "SUF_LAYERNORM,\nSUF_ACTIVATION; --suf-nexp-bits, --suf-inv-bits, "
                       "--suf-rsqrt-bits over SUF_NEXP_BITS,\nSUF_INV_BITS, SUF_RSQRT_BITS."
                     : "Flags win over environment variables: --suf-nexp-bits, --suf-inv-bits, "
                       "--suf-rsqrt-bits over\nSUF_NEXP_BITS, SUF_INV_BITS, SUF_RSQRT_BITS.");
}

NonlinearChoice resolve_nonlinear(const NonlinearFlags& flags,
                                  const EnvironmentLookup& environment) {
  NonlinearChoice choice;
  if (flags.family || flags.suf_modules) {
    if (flags.family) choice = NonlinearChoice::all(parse_family(*flags.family));
    if (flags.suf_modules) switch_listed_modules(*flags.suf_modules, choice);
  } else {
    apply_environment_switch(environment, "SUF_SOFTMAX", choice.softmax);
    apply_environment_switch(environment, "SUF_LAYERNORM", choice.layernorm);
    apply_environment_switch(environment, "SUF_ACTIVATION", choice.activation);
  }
  resolve_parameter(flags.nexp_bits, "--suf-nexp-bits", environment, "SUF_NEXP_BITS",
                    kNexpBitsRange, choice.nexp_bits);
  resolve_parameter(flags.inv_bits, "--suf-inv-bits", environment, "SUF_INV_BITS", kInvBitsRange,
                    choice.inv_bits);
  resolve_parameter(flags.rsqrt_bits, "--suf-rsqrt-bits", environment, "SUF_RSQRT_BITS",
                    kRsqrtBitsRange, choice.rsqrt_bits);
  resolve_parameter(flags.gelu_intervals, "--suf-gelu-intervals", environment, nullptr,
                    kIntervalsRange, choice.gelu_intervals);
  resolve_parameter(flags.silu_intervals, "--suf-silu-intervals", environment, nullptr,
                    kIntervalsRange, choice.silu_intervals);
  choice.validate();
  return choice;
}

NonlinearChoice parse_nonlinear_description(std::string_view text, const std::string& source) {
  NonlinearChoice choice;
  if (text == "sigma") return choice;
  std::vector<std::string_view> terms;
  for (size_t start = 0; start <= text.size();) {
    const size_t space = std::min(text.find(' ', start), text.size());
    terms.push_back(text.substr(start, space - start));
    start = space + 1;
  }
  if (terms.size() != 3)
    fail(ErrorKind::kParse,
         "{}: nonlinear choice '{}': expected 'sigma' or 'softmax=... layernorm=... "
         "activation=...'",
         source, text);
  parse_module_term(terms[0], "softmax",
                    {{"nexp_bits", &choice.nexp_bits}, {"inv_bits", &choice.inv_bits}},
                    choice.softmax, text, source);
  parse_module_term(terms[1], "layernorm", {{"rsqrt_bits", &choice.rsqrt_bits}}, choice.layernorm,
                    text, source);
  parse_module_term(
      terms[2], "activation",
      {{"gelu_intervals", &choice.gelu_intervals}, {"silu_intervals", &choice.silu_intervals}},
      choice.activation, text, source);
  try {
    choice.validate();
  } catch (const Error& e) {
    fail(ErrorKind::kParse, "{}: nonlinear choice '{}': {}", source, text, e.what());
  }
  if (choice.describe() != text)
    fail(ErrorKind::kParse, "{}: nonlinear choice '{}' is not in canonical form ('{}')", source,
         text, choice.describe());
  return choice;
}

std::vector<std::string> nonlinear_arguments(const NonlinearChoice& choice) {
  std::vector<std::string> arguments = {"--nonlinear", "sigma"};
  std::string suf_modules;
  for (const auto& [name, family] :
       {std::pair{"softmax", choice.softmax}, std::pair{"layernorm", choice.layernorm},
        std::pair{"activation", choice.activation}}) {
    if (family != NonlinearFamily::kSuf) continue;
    if (!suf_modules.empty()) suf_modules += ',';
    suf_modules += name;
  }
  if (!suf_modules.empty()) arguments.insert(arguments.end(), {"--suf", suf_modules});
  for (const auto& [flag, value] : {std::pair{"--suf-nexp-bits", choice.nexp_bits},
                                    std::pair{"--suf-inv-bits", choice.inv_bits},
                                    std::pair{"--suf-rsqrt-bits", choice.rsqrt_bits},
                                    std::pair{"--suf-gelu-intervals", choice.gelu_intervals},
                                    std::pair{"--suf-silu-intervals", choice.silu_intervals}})
    arguments.insert(arguments.end(), {flag, std::to_string(value)});
  return arguments;
}

}  // namespace fss::cli
